"""Fixtures of the HAL tests: the ``driver_env`` every driver's contract run uses.

``driver_env`` is parametrised over :data:`ENV_FACTORIES`. Each factory is a context
manager that yields a :class:`DriverEnv`: an opened driver plus, in driver-neutral
terms, what its environment holds. The mock's environment mirrors the hwsim topology of
``tests/integration/README.md`` (HomeNet WPA2, hidden WPA2 ``simple_setup``, OpenCafe open,
Wpa3Only SAE, a TCP echo server), so the nl80211 driver can be added as one more
factory that boots the guest (session-scoped) and skips with a reason naming what is
missing, and the ESP-AT driver as a factory over its emulator. Choose drivers with
``WSS_HAL_CONTRACT=mock,nl80211`` (default: every factory).
"""

from __future__ import annotations

import contextlib
import os
import socketserver
import threading
from dataclasses import dataclass, replace
from typing import Callable, ContextManager, Dict, Iterator, Optional, Tuple

import pytest

from hal import NetworkConfig, Security, WifiDriver
from hal.mock import WifiDriverMock


@dataclass(frozen=True)
class NetworkUnderTest:
    """A network of the test environment, as the device would be configured for it."""

    ssid: bytes
    security: Security
    key: bytes = b""
    hidden: bool = False

    def config(self, **changes: object) -> NetworkConfig:
        """Its NetworkConfig (with ``changes``, e.g. ``key=b"wrong key"``)."""
        base = NetworkConfig(self.ssid, self.security, self.key, hidden=self.hidden)
        return replace(base, **changes)


@dataclass
class DriverEnv:
    """An opened driver and what its environment holds.

    Attributes:
        name: The driver's name (test ids).
        driver: The opened driver (closed by the fixture).
        home: A visible WPA2-PSK network with the echo server behind it.
        hidden: A hidden WPA2-PSK network.
        open: An open network.
        wpa3: A WPA3-SAE-only network, or None if the environment has none.
        absent_ssid: An SSID no AP uses.
        echo: ``(host, port)`` of a TCP echo server reachable through ``home``.
        connect_timeout_s, scan_timeout_s: Generous limits for the real drivers.
    """

    name: str
    driver: WifiDriver
    home: NetworkUnderTest
    hidden: NetworkUnderTest
    open: NetworkUnderTest
    wpa3: Optional[NetworkUnderTest]
    absent_ssid: bytes
    echo: Tuple[str, int]
    connect_timeout_s: float = 30.0
    scan_timeout_s: float = 30.0


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while True:
            data = self.request.recv(4096)
            if not data:
                return
            self.request.sendall(data)


@contextlib.contextmanager
def echo_server() -> Iterator[int]:
    """A TCP echo server on 127.0.0.1; yields its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


HOME = NetworkUnderTest(b"HomeNet", Security.WPA2_PSK, b"correct horse battery")
HIDDEN = NetworkUnderTest(b"simple_setup", Security.WPA2_PSK, b"setup passphrase", hidden=True)
OPEN = NetworkUnderTest(b"OpenCafe", Security.OPEN)
WPA3 = NetworkUnderTest(b"Wpa3Only", Security.WPA3_SAE, b"sae passphrase")


def mock_environment(echo_port: int) -> dict:
    """The mock twin of the hwsim topology (plus a 5 GHz neighbour)."""

    def ap(net: NetworkUnderTest, bssid: str, channel: int, rssi: int, **extra: object) -> dict:
        entry = {
            "ssid": net.ssid.decode(),
            "bssid": bssid,
            "channel": channel,
            "rssi": rssi,
            "security": net.security.value,
            "hidden": net.hidden,
        }
        if net.key:
            entry["passphrase"] = net.key.decode()
        entry.update(extra)
        return entry

    return {
        "access_points": [
            ap(HOME, "02:00:00:00:00:00", 1, -30),
            ap(HIDDEN, "02:00:00:00:01:00", 6, -35),
            ap(OPEN, "02:00:00:00:02:00", 11, -50),
            ap(WPA3, "02:00:00:00:03:00", 11, -45),
            {
                "ssid": "Neighbour5G",
                "bssid": "02:00:00:00:04:00",
                "channel": 36,
                "rssi": -70,
                "security": "WPA2_WPA3",
                "passphrase": "not ours at all",
            },
        ],
        "internet": {"hosts": ["echo.test"]},
    }


@pytest.fixture(scope="session")
def echo_port() -> Iterator[int]:
    """Port of a TCP echo server on 127.0.0.1, shared by the session."""
    with echo_server() as port:
        yield port


@contextlib.contextmanager
def mock_env(request: pytest.FixtureRequest) -> Iterator[DriverEnv]:
    port = request.getfixturevalue("echo_port")
    driver = WifiDriverMock(mock_environment(port))
    driver.open()
    try:
        yield DriverEnv(
            "mock",
            driver,
            HOME,
            HIDDEN,
            OPEN,
            WPA3,
            b"NoSuchNet",
            ("echo.test", port),
            connect_timeout_s=5.0,
            scan_timeout_s=5.0,
        )
    finally:
        driver.close()


@contextlib.contextmanager
def nl80211_env(request: pytest.FixtureRequest) -> Iterator[DriverEnv]:
    """The nl80211 driver on the device radio of the hwsim guest. Registered only inside
    the guest (``WSS_HWSIM_GUEST``); the host runs it through
    ``tests/integration/hwsim/test_hwsim_contract.py``."""
    import hwsim_topology as topo  # tests/integration/hwsim, on the guest's PYTHONPATH

    import hal

    def net(n: topo.Net) -> NetworkUnderTest:
        return NetworkUnderTest(n.ssid, n.security, n.key, n.hidden)

    driver = hal.load_driver("nl80211", **topo.DRIVER_OPTIONS)
    driver.open()
    try:
        yield DriverEnv(
            "nl80211",
            driver,
            net(topo.HOME),
            net(topo.HIDDEN),
            net(topo.OPEN),
            net(topo.WPA3),
            topo.ABSENT_SSID,
            (topo.HOME.gateway, topo.ECHO_PORT),
        )
    finally:
        driver.close()


#: UART rate of the ESP-AT emulator in the contract suite: high, so that wire time stays
#: small (the rate is paced all the same; the benchmark measures at 115200).
ESP_AT_TEST_BAUD = 2_000_000


@contextlib.contextmanager
def esp_at_env(request: pytest.FixtureRequest) -> Iterator[DriverEnv]:
    """The ESP-AT driver on the ESP-AT emulator's pty, in the mock twin of the topology."""
    from hal.esp_at import WifiDriverEspAt
    from wss.emulators.esp_at import EspAtEmulator

    port = request.getfixturevalue("echo_port")
    with EspAtEmulator(mock_environment(port), baud=ESP_AT_TEST_BAUD) as emulator:
        driver = WifiDriverEspAt(emulator.path, baud=ESP_AT_TEST_BAUD)
        driver.open()
        try:
            yield DriverEnv("esp_at", driver, HOME, HIDDEN, OPEN, WPA3, b"NoSuchNet", ("echo.test", port), 10.0, 10.0)
        finally:
            driver.close()


#: Driver name → factory of its environment. A new driver adds its factory here.
ENV_FACTORIES: Dict[str, Callable[[pytest.FixtureRequest], ContextManager[DriverEnv]]] = {
    "mock": mock_env,
    "esp_at": esp_at_env,
}
if os.environ.get("WSS_HWSIM_GUEST"):
    ENV_FACTORIES["nl80211"] = nl80211_env


def _selected() -> list:
    wanted = os.environ.get("WSS_HAL_CONTRACT")
    if not wanted:
        return sorted(ENV_FACTORIES)
    names = [n.strip() for n in wanted.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENV_FACTORIES]
    if unknown:
        raise pytest.UsageError(f"WSS_HAL_CONTRACT names unknown drivers {unknown}; known: {sorted(ENV_FACTORIES)}")
    return names


@pytest.fixture(params=_selected())
def driver_env(request: pytest.FixtureRequest) -> Iterator[DriverEnv]:
    """An opened driver in its environment, once per selected driver."""
    with ENV_FACTORIES[request.param](request) as env:
        yield env
