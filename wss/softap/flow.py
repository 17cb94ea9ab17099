"""The SoftAP setup flow: the device's own access point, ESP-IDF Wi-Fi provisioning over
HTTP on it, until a client has the device join the home network or the time limit ends.

1. Open the driver; name the service ``PROV_xxxxxx`` from its MAC address (3 random
   octets when the driver cannot read it); start the SoftAP with that SSID (open, or
   WPA2 with a passphrase) on the channel asked for.
2. Listen on the HTTP port of the AP's address (80 on a radio; any given port, 0 for a
   free one); serve protocomm there: ``proto-ver``, ``prov-session`` (security 0, 1
   or 2), ``prov-config``, ``prov-scan``, ``prov-ctrl`` and the application's endpoints.
3. Print the service's name, address and QR payload (the payload holds the PoP: it goes
   to the terminal, never to a log).
4. Finish when a client has been told the station is connected; or ``linger_s`` after
   the station joined if no client asks; or at ``timeout_s``. Stop the server and the
   SoftAP. On success the store keeps the network joined and leaves SoftAP setup mode
   (WSS stays as it was: disabled after a WSS failure).

:func:`run_softap_setup` is the whole flow with its store; it also handles a device
already provisioned this way (a restart): it joins the saved network instead.

Source: integration guide, "Device factory reset recommendation" (the fallback to the
device's non-WSS setup); ESP-IDF wifi_prov_mgr over SoftAP (docs/softap.md, "The flow").
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, TextIO, Tuple

from hal.base import WifiDriver
from hal.errors import DriverNotSupported, HALError
from hal.stream import StreamListener
from hal.types import ConnectionState, NetworkConfig, Security, SoftAPConfig

from ..compat.types import WifiConfiguration
from ..crypto import random_bytes
from ..errors import ConfigError
from ..platform.hal_bridge import dss_security, hal_security
from ..protocomm import Protocomm, Security0, Security1, Security2, SecurityScheme, WifiProvisioning, version_json
from ..protocomm.core import Handler
from ..protocomm.wifi.station import JoinState, StationConfig
from ..store import ProvisioneeStore
from .httpd import HTTPDLimits, ProtocommHTTPServer
from .qr import draw_qr
from .service import qr_payload, service_name
from .station import DriverStation

__all__ = [
    "SoftAPSetup",
    "SoftAPResult",
    "SoftAPService",
    "run_softap_setup",
    "save_joined_network",
    "DEFAULT_TIMEOUT_S",
    "HTTP_PORT",
]

log = logging.getLogger("wss.softap")

#: The flow's default time limit, seconds.
DEFAULT_TIMEOUT_S = 600.0
#: The HTTP port on a radio's SoftAP (ESP-IDF's).
HTTP_PORT = 80
#: How long the last answer (Connected) may take to leave before the server stops, seconds.
_FLUSH_S = 2.0


@dataclass(frozen=True)
class SoftAPSetup:
    """What the flow offers. Secrets never appear in a repr.

    Attributes:
        security: 0, 1 or 2.
        pop: security 1's proof of possession ("" for none).
        username: security 2's username (shown in the QR payload).
        salt: security 2's salt.
        verifier: security 2's verifier.
        password: security 2's password, when known here (a development set-up):
            shown in the QR payload only; the device uses the salt and verifier.
        sec2_patch_version: 1 (counter nonces) or 0 (old clients).
        ap_passphrase: the SoftAP's WPA2 passphrase (b"": an open AP).
        channel: the SoftAP's 2.4 GHz channel.
        http_port: the HTTP port (0: a free one).
        timeout_s: the flow's time limit, seconds.
        linger_s: after the station joined, how long to wait for a client to ask.
        show_qr: print the QR payload and draw it.
        auto_stop: finish once a client is told Connected (False: serve until the time
            limit, e.g. to re-provision).
        limits: the HTTP transport's bounds.
        custom_endpoints: the application's secured endpoints: name -> handler.
    """

    security: int
    pop: str = field(default="", repr=False)
    username: str = ""
    salt: bytes = field(default=b"", repr=False)
    verifier: bytes = field(default=b"", repr=False)
    password: str = field(default="", repr=False)
    sec2_patch_version: int = 1
    ap_passphrase: bytes = field(default=b"", repr=False)
    channel: int = 6
    http_port: int = HTTP_PORT
    timeout_s: float = DEFAULT_TIMEOUT_S
    linger_s: float = 30.0
    show_qr: bool = True
    auto_stop: bool = True
    limits: HTTPDLimits = HTTPDLimits()
    custom_endpoints: Mapping[str, Handler] = field(default_factory=dict)

    def scheme(self) -> SecurityScheme:
        """The security scheme.

        Raises:
            ValueError: an unknown scheme, or security 2 without a salt and verifier.
        """
        if self.security == 0:
            return Security0()
        if self.security == 1:
            return Security1(self.pop)
        if self.security == 2:
            return Security2(self.salt, self.verifier, self.sec2_patch_version)
        raise ValueError(f"security must be 0, 1 or 2, not {self.security!r}")

    def qr_text(self, name: str, transport: str = "softap") -> str:
        """The QR payload for the service ``name`` reached over ``transport`` (``softap``
        or ``ble``; the SoftAP's passphrase is left out for ``ble``)."""
        secret = self.pop if self.security == 1 else self.password if self.security == 2 else ""
        return qr_payload(
            name,
            pop=secret,
            username=self.username if self.security == 2 else None,
            ap_passphrase=self.ap_passphrase.decode("ascii", "replace") if transport == "softap" else "",
            transport=transport,
        )


@dataclass(frozen=True)
class SoftAPResult:
    """How the flow ended.

    Attributes:
        provisioned: the device is on the client's network.
        reason: ``joined``, ``timeout``, or ``already provisioned`` (a saved network
            was joined without starting the SoftAP).
        service_name: the SoftAP's SSID ("" if none was started).
        address: ``(host, port)`` of the HTTP server, if one ran.
        ssid: the network joined (b"" if none).
        elapsed_s: seconds from start to end.
    """

    provisioned: bool
    reason: str
    service_name: str = ""
    address: Optional[Tuple[str, int]] = None
    ssid: bytes = b""
    elapsed_s: float = 0.0


class SoftAPService:
    """The running service (a context manager): SoftAP, HTTP server, protocomm core.

    Args:
        driver: the HAL driver (opened by :meth:`start` if needed).
        setup: what to offer.
        out: where the banner goes (service name, address, QR).
    """

    def __init__(self, driver: WifiDriver, setup: SoftAPSetup, out: Optional[TextIO] = None) -> None:
        self.driver = driver
        self.setup = setup
        self.out = out if out is not None else sys.stdout
        self.station = DriverStation(driver)
        self.wifi = WifiProvisioning(self.station, auto_stop=setup.auto_stop)
        scheme = setup.scheme()
        self.core = Protocomm(scheme, version_json(scheme, WifiProvisioning.capabilities))
        self.wifi.attach(self.core)
        for name, handler in setup.custom_endpoints.items():
            self.core.add_endpoint(name, handler)
        self.name = ""
        self.server: Optional[ProtocommHTTPServer] = None
        self._listener: Optional[StreamListener] = None
        self._softap = False

    def __enter__(self) -> SoftAPService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Open the driver, start the SoftAP and the HTTP server, print the banner.

        Raises:
            ConfigError: the driver has no SoftAP, or the port cannot be listened on.
        """
        driver, setup = self.driver, self.setup
        try:
            driver.open()
            if not driver.capabilities().softap:
                raise DriverNotSupported(f"{type(driver).__name__} has no SoftAP")
            self.name = service_name(_mac(driver))
            security = Security.WPA2_PSK if setup.ap_passphrase else Security.OPEN
            driver.start_softap(SoftAPConfig(self.name.encode(), security, setup.ap_passphrase, setup.channel))
            self._softap = True
            self._listener = driver.softap_listen(setup.http_port)
        except HALError as exc:
            self.stop()
            raise ConfigError(f"cannot start the SoftAP setup service: {exc}") from None
        self.server = ProtocommHTTPServer(self.core, self._listener, setup.limits)
        self.server.start()
        log.info("SoftAP setup: %s serving security %d on %s:%d", self.name, setup.security, *self.server.address)
        self._banner()

    def _banner(self) -> None:
        assert self.server is not None
        host, port = self.server.address
        out, setup = self.out, self.setup
        print(f"SoftAP setup: service {self.name} (SSID), security {setup.security}", file=out)
        print(f"SoftAP setup: HTTP on {host}:{port}", file=out)
        print(
            f"SoftAP setup: esp_prov --transport softap --service_name {host}:{port} --sec_ver {setup.security}",
            file=out,
        )
        if setup.show_qr:
            payload = setup.qr_text(self.name)
            print(f"SoftAP setup: QR payload {payload}", file=out)
            draw_qr(payload, out)
        out.flush()

    def wait(self, timeout_s: float, clock: Callable[[], float] = time.monotonic) -> bool:
        """Wait for the end: a client told Connected, or ``linger_s`` after the station
        joined; False when ``timeout_s`` passed first."""
        deadline = clock() + timeout_s
        joined_at: Optional[float] = None
        while True:
            now = clock()
            if now >= deadline:
                return False
            if self.wifi.wait_finished(min(0.25, deadline - now)):
                if self.server is not None:
                    self.server.wait_quiet(_FLUSH_S)
                return True
            if self.setup.auto_stop and self.station.join_status().state is JoinState.CONNECTED:
                joined_at = joined_at if joined_at is not None else clock()
                if clock() - joined_at >= self.setup.linger_s:
                    return True
            else:
                joined_at = None

    def joined(self) -> Optional[StationConfig]:
        """The network the station is on through this service, if it is joined."""
        if self.station.join_status().state is not JoinState.CONNECTED:
            return None
        return self.wifi.joined or self.station.last_config

    def stop(self) -> None:
        """Stop the HTTP server and the SoftAP (idempotent); the station stays joined."""
        if self.server is not None:
            self.server.stop()
        elif self._listener is not None:
            self._listener.close()
        self.station.wait(1.0)
        if self._softap:
            self._softap = False
            try:
                self.driver.stop_softap()
            except HALError as exc:
                log.warning("SoftAP setup: stopping the SoftAP failed: %s", exc)


def _mac(driver: WifiDriver) -> bytes:
    try:
        return driver.mac_address()
    except DriverNotSupported:
        log.info("SoftAP setup: the driver cannot read its MAC address; the service name is random")
        return b"\x02\x00\x00" + random_bytes(3)


def saved_network(store: ProvisioneeStore) -> Optional[WifiConfiguration]:
    """The network a finished set-up saved (SoftAP mode off), if any."""
    if store.softap_mode or not store.networks:
        return None
    return store.networks[0]


def save_joined_network(store: ProvisioneeStore, network: NetworkConfig) -> None:
    """Save the network the flow joined and leave SoftAP setup mode, in one write (what a
    finished set-up persists; :func:`run_softap_setup` calls it, and so does a caller
    that drives :class:`SoftAPService` itself)."""
    with store.batch():
        for saved in store.networks:
            store.remove_networks(saved.ssid)
        store.add_network(WifiConfiguration(network.ssid, dss_security(network.security), network.key, network.hidden))
        store.mark_provisioned()


def _rejoin(driver: WifiDriver, saved: WifiConfiguration, timeout_s: float) -> bool:
    security = hal_security(saved.security)
    if security is None:
        return False
    driver.open()
    for configured in driver.networks():
        driver.remove_network(configured.ssid)
    driver.add_network(NetworkConfig(saved.ssid, security, saved.key, saved.is_hidden))
    return driver.connect(timeout_s=timeout_s) is ConnectionState.ASSOCIATED


def run_softap_setup(
    driver: WifiDriver,
    store: ProvisioneeStore,
    setup: SoftAPSetup,
    *,
    out: Optional[TextIO] = None,
    clock: Callable[[], float] = time.monotonic,
    join_timeout_s: float = 30.0,
    service_factory: Optional[Callable[[WifiDriver, SoftAPSetup, Optional[TextIO]], SoftAPService]] = None,
) -> SoftAPResult:
    """Run the SoftAP setup flow with its store (the driver is left open and joined).

    A store that already holds the network of a finished set-up (SoftAP mode off) is
    not set up again: its network is joined.

    Args:
        driver: the HAL driver.
        store: the persistent store; a success is written to it.
        setup: what to offer.
        out: where the banner goes (default standard output).
        clock: monotonic seconds.
        join_timeout_s: the rejoin's time limit for a saved network, seconds.
        service_factory: makes the service (default :class:`SoftAPService`; the BLE
            transport's is :func:`wss.ble.flow.ble_service_factory`).
    Returns:
        How it ended.
    Raises:
        ConfigError: the SoftAP or its HTTP server cannot start.
        ValueError: a bad ``setup``.
        hal.errors.HALError: the driver cannot be opened.
    """
    started = clock()
    saved = saved_network(store)
    if saved is not None:
        joined = _rejoin(driver, saved, join_timeout_s)
        return SoftAPResult(
            joined, "already provisioned", ssid=saved.ssid if joined else b"", elapsed_s=clock() - started
        )
    service = (service_factory or SoftAPService)(driver, setup, out)
    with service:
        address = service.server.address if service.server is not None else None  # None: BLE only
        finished = service.wait(setup.timeout_s, clock)
        config = service.joined() if finished else None
    if config is None:
        return SoftAPResult(False, "timeout", service.name, address, elapsed_s=clock() - started)
    network = service.station.network_for(config)
    save_joined_network(store, network)
    return SoftAPResult(True, "joined", service.name, address, network.ssid, clock() - started)
