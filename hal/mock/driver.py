"""``WifiDriverMock``: the driver contract over a simulated radio environment.

Scans report the environment's APs (hidden ones with an empty SSID unless probed by
name), a directed probe lets the provisioner host the encoded setup network, joins check
security and key and apply the faults, attempts are recorded with their FailureReason,
and TCP streams are real loopback sockets allowed only while joined to a network that
reaches the endpoint (``hal/mock/network.py``). Time (scan duration, slow association,
an AP vanishing after N seconds, counted from open()) goes through an injectable clock.
The SoftAP's address is loopback: ``softap_listen(port)`` listens on 127.0.0.1, and
stopping the SoftAP closes its listeners and resets the stations' connections.

Source: issue 6 ("hal/mock"); protocol §3.1 rows 13–18, §7.1–7.4, §10.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import threading
import weakref
from pathlib import Path
from typing import Any, Callable, List, Mapping, Optional, Tuple, Union, cast

from ..args import MockArgs
from ..base import WifiDriver
from ..errors import (
    AssociationFailed,
    DriverNotSupported,
    DriverTimeout,
    InvalidArgument,
    NetworkUnreachable,
    StreamError,
)
from ..helpers import EventCallback
from ..stream import ByteStream, StreamListener, connect_socket_stream, listen_socket_stream
from ..types import (
    Capabilities,
    ConnectivityCheck,
    DriverEvent,
    FailureReason,
    NetworkConfig,
    Security,
    SoftAPConfig,
    credential_fits,
    parse_bssid,
)
from .clock import Clock, SystemClock
from .environment import AccessPoint, RadioEnvironment, load_environment
from .faults import FaultBook
from .network import MockStream, check_reachable
from .setup_host import ProvisionerFactory, SetupHost

__all__ = ["WifiDriverMock", "MOCK_CAPABILITIES", "DEFAULT_MAC", "SOFTAP_ADDRESS"]

log = logging.getLogger("hal.mock")

#: What the mock can do unless ``capabilities=`` overrides fields.
MOCK_CAPABILITIES = Capabilities(
    softap=True,
    concurrent_softap_station=True,
    wpa3=True,
    wep=True,
    directed_scan=True,
    max_scan_ssids=16,
    band_5ghz=True,
    stream_fileno=True,
)
#: The station's MAC address unless ``mac=`` says otherwise (the SoftAP: ``PROV_EA69FC``).
DEFAULT_MAC = "02:00:00:ea:69:fc"
#: Where the simulated SoftAP's address leads: stations reach its servers on loopback.
SOFTAP_ADDRESS = "127.0.0.1"


class WifiDriverMock(WifiDriver):
    """A simulated Wi-Fi chip in a simulated place (see ``hal/mock/README.md``).

    Args:
        environment: A YAML path, a dict of the same shape, or a RadioEnvironment.
        base_dir: Folder relative paths of the environment resolve against.
        cloud_private_key: Overrides ``provisioner.cloud_private_key``.
        provisioner: Object with ``passphrase_for(ssid) -> Optional[str]``, or such a
            callable; hosts the encoded setup network.
        provisioner_factory: Builds the provisioner from the ProvisionerSpec, lazily.
        dss_host: Overrides ``internet.dss_host``.
        dss_setup_port: Overrides ``internet.dss_setup_port``.
        clock: ``monotonic()`` + ``sleep(s)``; default the real clock.
        capabilities: Field overrides of :data:`MOCK_CAPABILITIES`.
        scan_time_s: Simulated duration of one scan, seconds.
        mac: The station's MAC address as text (default :data:`DEFAULT_MAC`).
        event_callback: First DriverEvent listener.
    Raises:
        EnvironmentConfigError: Invalid environment, or a provisioner section without a
            provisioner or factory.
        InvalidArgument: Unknown capability field, or ``mac`` is not 6 hex octets.
    """

    OPTIONS = MockArgs

    def __init__(
        self,
        environment: Union[str, Path, Mapping[str, Any], RadioEnvironment],
        *,
        base_dir: Union[str, Path, None] = None,
        cloud_private_key: Union[str, Path, None] = None,
        provisioner: Any = None,
        provisioner_factory: Optional[ProvisionerFactory] = None,
        dss_host: Optional[str] = None,
        dss_setup_port: Optional[int] = None,
        clock: Optional[Clock] = None,
        capabilities: Optional[Mapping[str, Any]] = None,
        scan_time_s: float = 0.0,
        mac: str = DEFAULT_MAC,
        event_callback: Optional[EventCallback] = None,
    ) -> None:
        super().__init__(event_callback=event_callback)
        env = load_environment(environment, base_dir=base_dir)
        self.environment = env.with_overrides(
            dss_host=dss_host, dss_setup_port=dss_setup_port, cloud_private_key=cloud_private_key
        )
        self.clock: Clock = clock if clock is not None else SystemClock()
        try:
            self._caps = dataclasses.replace(MOCK_CAPABILITIES, **dict(capabilities or {}))
        except TypeError as exc:
            raise InvalidArgument(f"unknown capability: {exc}") from None
        self._setup = SetupHost(self.environment.provisioner, provisioner, provisioner_factory)
        self._faults = FaultBook(self.environment.faults)
        self._scan_time_s = float(scan_time_s)
        self._sim = threading.RLock()
        self._t0 = 0.0
        self._ap: Optional[AccessPoint] = None
        self._link = 0  # link generation: bumped whenever a link ends
        self._streams: weakref.WeakSet[MockStream] = weakref.WeakSet()
        self.softap: Optional[SoftAPConfig] = None
        self._mac = parse_bssid(mac)
        self._softap_generation = 0  # bumped whenever the SoftAP stops
        self._listeners: weakref.WeakSet[StreamListener] = weakref.WeakSet()
        self._ap_streams: weakref.WeakSet[MockStream] = weakref.WeakSet()

    # ---------------------------------------------------------------- lifecycle --

    def attach(self) -> None:
        with self._sim:
            self._t0 = self.clock.monotonic()

    def detach(self) -> None:
        with self._sim:
            self._drop_link()
            self._end_softap()

    def capabilities(self) -> Capabilities:
        return self._caps

    def mac_address(self) -> bytes:
        return self._mac

    # ----------------------------------------------------------------- the air --

    def _now(self) -> float:
        """Seconds since open(); also notices a joined AP that has vanished."""
        now = self.clock.monotonic() - self._t0
        with self._sim:
            lost = self._ap is not None and self._faults.gone(self._ap, now)
            if lost:
                self._drop_link()
        if lost:
            self._link_lost("the access point vanished")
        return now

    def _on_air(self, now: float) -> List[AccessPoint]:
        aps = list(self.environment.access_points)
        if self._setup.hosted is not None:
            aps.append(self._setup.hosted)
        return [ap for ap in aps if not self._faults.gone(ap, now) and (self._caps.band_5ghz or ap.channel <= 14)]

    def _probe(self, ssid: bytes) -> None:
        """A directed probe for ``ssid``: the provisioner may bring up its network."""
        if not any(ap.ssid == ssid for ap in self.environment.access_points):
            self._setup.hear_probe(ssid)

    def trigger_scan(self, ssids: Tuple[bytes, ...]) -> None:
        self._now()
        self.clock.sleep(self._scan_time_s)
        for ssid in ssids:
            self._probe(ssid)
        now = self._now()
        self._scan_completed([ap.scan_result(reveal=ap.ssid in ssids) for ap in self._on_air(now)])

    # ------------------------------------------------------------------ joining --

    def associate(self, config: NetworkConfig, timeout_s: float, check: Optional[ConnectivityCheck]) -> None:
        if config.hidden:
            self._probe(config.ssid)
        now = self._now()
        named = [ap for ap in self._on_air(now) if ap.ssid == config.ssid and (config.hidden or not ap.hidden)]
        fitting = [ap for ap in named if self._fits(ap, config.security)]
        if not fitting:
            why = "no AP answers for this SSID" if not named else f"no AP fits a {config.security.value} credential"
            raise AssociationFailed(FailureReason.AP_NOT_FOUND, why)
        ap = max(fitting, key=lambda a: a.rssi_dbm)
        if self._faults.chip_error(ap):
            raise AssociationFailed(FailureReason.INTERNAL, "the chip's firmware failed the join")
        if self._faults.vanish_on_join(ap):
            raise AssociationFailed(FailureReason.AP_NOT_FOUND, "the AP went away")
        delay = self._faults.association_delay_s(ap)
        if delay > timeout_s:
            self.clock.sleep(timeout_s)
            raise DriverTimeout(f"association still running after {timeout_s} s")
        self.clock.sleep(delay)
        if self._faults.rejects_key(ap) or not _key_matches(ap, config.key):
            raise AssociationFailed(FailureReason.WRONG_KEY, "the AP rejected the key")
        if self._faults.captive_portal(ap):
            raise AssociationFailed(FailureReason.CAPTIVE_PORTAL, "HTTP probe redirected to a login page")
        if self._faults.limited(ap):
            raise AssociationFailed(FailureReason.LIMITED_CONNECTIVITY, "no DHCP lease")
        if check is not None:
            try:
                check_reachable(self.environment.internet, ap, check.host, check.port)
            except StreamError as exc:
                raise AssociationFailed(FailureReason.LIMITED_CONNECTIVITY, str(exc)) from None
        with self._sim:
            self._ap = ap

    def _fits(self, ap: AccessPoint, credential: Security) -> bool:
        if ap.security is Security.WEP and not self._caps.wep:
            return False
        return credential_fits(ap.security, credential, wpa3=self._caps.wpa3)

    def disassociate(self) -> None:
        with self._sim:
            self._drop_link()

    def _drop_link(self) -> None:
        """End the current link (lock held): forget the AP, cut its streams."""
        self._ap = None
        self._link += 1
        for stream in list(self._streams):
            stream.cut()

    @property
    def associated_ap(self) -> Optional[AccessPoint]:
        """The simulated AP the station is joined to, if any."""
        return self._ap

    @property
    def ip_address(self) -> Optional[str]:
        """The station's IPv4 address on the joined network, or None: the simulated
        network is reached over loopback, so it is ``127.0.0.1`` while joined."""
        return "127.0.0.1" if self._ap is not None else None

    # ------------------------------------------------------------------ streams --

    def tcp_connect(self, host: str, port: int, timeout_s: float) -> ByteStream:
        self._now()
        with self._sim:
            ap, link = self._ap, self._link
        if ap is None:
            raise NetworkUnreachable(f"{host}:{port}: the link is gone")
        check_reachable(self.environment.internet, ap, host, port)
        alive = self._alive_check(link)
        # connect_socket_stream returns wrap(sock): a MockStream.
        stream = cast(
            MockStream, connect_socket_stream(("127.0.0.1", port), timeout_s, wrap=lambda s: MockStream(s, alive))
        )
        with self._sim:
            self._streams.add(stream)
            if self._link != link:
                stream.cut()
        return stream

    def _alive_check(self, link: int) -> Callable[[], bool]:
        def alive() -> bool:
            self._now()
            return self._link == link and self._ap is not None

        return alive

    # ------------------------------------------------------------------- SoftAP --

    def start_softap(self, config: SoftAPConfig) -> None:
        if not self._caps.softap:
            raise DriverNotSupported("SoftAP disabled by capabilities")
        if not isinstance(config, SoftAPConfig):
            raise InvalidArgument("start_softap() takes a SoftAPConfig")
        self.softap = config
        self._emit(DriverEvent.SOFTAP_STARTED)

    def stop_softap(self) -> None:
        if not self._caps.softap:
            raise DriverNotSupported("SoftAP disabled by capabilities")
        with self._sim:
            was_running = self._end_softap()
        if was_running:
            self._emit(DriverEvent.SOFTAP_STOPPED)

    def _end_softap(self) -> bool:
        """Forget the SoftAP (lock held): close its listeners, reset its stations' streams.
        Returns whether one was running."""
        was_running, self.softap = self.softap is not None, None
        self._softap_generation += 1
        for listener in list(self._listeners):
            listener.close()
        for stream in list(self._ap_streams):
            stream.cut()
        return was_running

    def softap_listen(self, port: int) -> StreamListener:
        """Listen on :data:`SOFTAP_ADDRESS` (loopback) at ``port`` for the SoftAP's stations."""
        if not self._caps.softap:
            raise DriverNotSupported("SoftAP disabled by capabilities")
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise InvalidArgument(f"port must be 0-65535, not {port!r}")
        with self._sim:
            if self.softap is None:
                raise NetworkUnreachable("no SoftAP is running: start_softap() first")
            generation = self._softap_generation

        def accepted(sock: Any) -> MockStream:
            stream = MockStream(sock, lambda: self._softap_generation == generation)
            with self._sim:
                self._ap_streams.add(stream)
                if self._softap_generation != generation:
                    stream.cut()
            return stream

        listener = listen_socket_stream((SOFTAP_ADDRESS, port), wrap=accepted)
        with self._sim:
            self._listeners.add(listener)
            if self._softap_generation != generation:
                listener.close()
        return listener


def _key_matches(ap: AccessPoint, key: bytes) -> bool:
    """Whether a configured key opens ``ap`` (constant-time compare of secrets)."""
    if ap.security is Security.OPEN:
        return True
    if ap.security is Security.WEP:
        return any(hmac.compare_digest(a, b) for a in _wep_forms(ap.passphrase) for b in _wep_forms(key))
    if len(key) == 64:  # a raw PSK (hex): WPA/WPA2 derive it from the passphrase; SAE cannot use it
        if ap.security is Security.WPA3_SAE:
            return False
        return hmac.compare_digest(key.lower(), _psk_hex(ap.passphrase, ap.ssid))
    return hmac.compare_digest(key, ap.passphrase)


def _wep_forms(key: bytes) -> Tuple[bytes, ...]:
    """A WEP key as given and as hex (``abcde`` and ``6162636465`` are the same key)."""
    if len(key) in (10, 26):
        return (key.lower(),)
    return (key.hex().encode("ascii"),)


def _psk_hex(passphrase: bytes, ssid: bytes) -> bytes:
    """IEEE 802.11 PSK: PBKDF2-HMAC-SHA1(passphrase, SSID, 4096, 32), as lower-case hex."""
    if len(passphrase) == 64:
        return passphrase.lower()
    return hashlib.pbkdf2_hmac("sha1", passphrase, ssid, 4096, 32).hex().encode("ascii")
