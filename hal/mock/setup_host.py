"""The provisioner of the mock radio: hosts the encoded hidden setup network on demand.

A real provisioner (an Echo on the customer's account) listens for probe requests; when
a device probes for an SSID it can decode (§7.1), it brings up a hidden WPA2-PSK SoftAP
with that SSID and the passphrase it derives with the cloud private key. Here the
decoding and derivation belong to an injected object, so ``hal`` stays independent of
``wss``: anything with ``passphrase_for(ssid: str) -> Optional[str]`` (the ``wss`` side
passes ``wss.cloud.provisioner.Provisioner``), or a plain callable of that shape. When the
environment names a ``cloud_private_key``, the caller supplies a factory that builds the
object from the :class:`ProvisionerSpec`; it is called once, at the first probe.

Source: protocol §7.1 ("Provisioner / test-double inverse"), §7.4; ``R:README.md`` via §7.1.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Optional

from ..errors import EnvironmentConfigError, HALError
from ..types import Security, check_key
from .environment import SETUP, AccessPoint, ProvisionerSpec

__all__ = ["SetupHost", "ProvisionerFactory"]

log = logging.getLogger("hal.mock")

#: Builds the provisioner object from the environment's spec (called lazily, once).
ProvisionerFactory = Callable[[ProvisionerSpec], Any]


class SetupHost:
    """Decides which setup network the provisioner hosts, and hosts one at a time.

    Args:
        spec: The environment's ``provisioner:`` section, or None.
        provisioner: A ready provisioner object or callable (wins over the factory).
        factory: Builds the provisioner from ``spec`` at the first probe.
    Raises:
        EnvironmentConfigError: ``spec`` is set but neither a provisioner nor a factory.
    """

    def __init__(
        self, spec: Optional[ProvisionerSpec], provisioner: Any = None, factory: Optional[ProvisionerFactory] = None
    ) -> None:
        if spec is not None and provisioner is None and factory is None:
            raise EnvironmentConfigError(
                "the environment has a provisioner: pass provisioner= (an object with passphrase_for) "
                "or provisioner_factory= (builds one from the cloud private key)"
            )
        self.spec = spec if spec is not None else (ProvisionerSpec() if provisioner is not None else None)
        self._provisioner = provisioner
        self._factory = factory
        self._lock = threading.Lock()
        self.hosted: Optional[AccessPoint] = None

    @property
    def present(self) -> bool:
        """Whether a provisioner is in range at all."""
        return self.spec is not None

    def hear_probe(self, ssid: bytes) -> Optional[AccessPoint]:
        """A device probed for ``ssid``: host it if the provisioner can decode it.

        Returns:
            The hosted setup AP for ``ssid``, or None (not decodable, no provisioner).
            Hosting a new SSID replaces the previous one (one SoftAP at a time).
        """
        if self.spec is None:
            return None
        if self.hosted is not None and self.hosted.ssid == ssid:
            return self.hosted
        passphrase = self._passphrase_for(ssid)
        if passphrase is None:
            return None
        key = passphrase.encode("ascii")
        try:
            check_key(Security.WPA2_PSK, key)
        except HALError as exc:
            raise HALError(f"the provisioner returned an unusable passphrase ({exc})") from None
        self.hosted = AccessPoint(
            ssid=ssid,
            bssid=self.spec.bssid,
            channel=self.spec.channel,
            rssi_dbm=self.spec.rssi_dbm,
            security=Security.WPA2_PSK,
            passphrase=key,
            hidden=True,
            tcp=SETUP,
            setup_host=True,
        )
        log.info("provisioner hosts the setup network %r", ssid)
        return self.hosted

    def _passphrase_for(self, ssid: bytes) -> Optional[str]:
        try:
            text = ssid.decode("ascii")
        except UnicodeDecodeError:
            return None  # encoded setup SSIDs are base64/base85 text (§7.1)
        lookup = self._lookup()
        try:
            return lookup(text)
        except (ValueError, LookupError):  # not an encoded SSID, or an unknown device
            return None

    def _lookup(self) -> Callable[[str], Optional[str]]:
        with self._lock:
            if self._provisioner is None:
                assert self._factory is not None and self.spec is not None
                self._provisioner = self._factory(self.spec)
            target = self._provisioner
        method = getattr(target, "passphrase_for", None)
        if callable(method):
            return method
        if callable(target):
            return target
        raise EnvironmentConfigError(f"provisioner {type(target).__name__} has no passphrase_for(ssid)")
