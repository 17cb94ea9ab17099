"""Base-class behaviour no single driver exercises: asynchronous scan completion, scan
timeouts and failures, error mapping in connect(), interface loss.

``ScriptedDriver`` is a small driver written for these tests: its outcomes come from the
test, and it reports them through the same helpers a real driver uses.
"""

from __future__ import annotations

import threading
from typing import Dict, Optional, Tuple

import pytest

from hal import (
    Capabilities,
    ConnectionState,
    DriverEvent,
    FailureReason,
    NetworkConfig,
    ScanResult,
    Security,
    WifiDriver,
)
from hal.errors import (
    AssociationFailed,
    DriverBusyError,
    DriverNotSupported,
    DriverTimeout,
    HALError,
    InterfaceError,
    InvalidArgument,
    ScanFailed,
)

AP = ScanResult(b"net", bytes.fromhex("020000000001"), 2412, 1, -40, Security.WPA2_PSK)


class ScriptedDriver(WifiDriver):
    """scan: "async" (a thread reports results), "fail", or "never"; associate: per SSID,
    None (joins) or an exception to raise."""

    def __init__(self, scan: str = "async", outcomes: Optional[Dict[bytes, Exception]] = None) -> None:
        super().__init__()
        self.scan_mode = scan
        self.outcomes = outcomes or {}
        self.aborted = 0
        self.joined: Optional[bytes] = None

    def attach(self) -> None:
        pass

    def detach(self) -> None:
        pass

    def capabilities(self) -> Capabilities:
        return Capabilities(directed_scan=True, max_scan_ssids=1)

    def trigger_scan(self, ssids: Tuple[bytes, ...]) -> None:
        if self.scan_mode == "async":
            threading.Timer(0.05, self._scan_completed, args=([AP, AP],)).start()
        elif self.scan_mode == "fail":
            threading.Timer(0.05, self._scan_failed, args=("radio busy",)).start()

    def associate(self, config, timeout_s, check) -> None:
        outcome = self.outcomes.get(config.ssid)
        if outcome is not None:
            raise outcome
        self.joined = config.ssid

    def disassociate(self) -> None:
        self.joined = None

    def tcp_connect(self, host, port, timeout_s):
        raise HALError("no streams in this test driver")


def net(name: bytes) -> NetworkConfig:
    return NetworkConfig(name, Security.WPA2_PSK, b"passphrase")


def test_scan_waits_for_results_reported_from_another_thread():
    with ScriptedDriver("async") as driver:
        assert driver.scan(timeout_s=5.0) == (AP,)
        assert driver.event_count(DriverEvent.SCAN_DONE) == 1


def test_scan_failure_raises_scan_failed_and_frees_the_scanner():
    with ScriptedDriver("fail") as driver:
        with pytest.raises(ScanFailed):
            driver.scan(timeout_s=5.0)
        driver.scan_mode = "async"
        assert driver.scan(timeout_s=5.0) == (AP,)


def test_scan_timeout_raises_and_allows_the_next_scan():
    with ScriptedDriver("never") as driver:
        with pytest.raises(DriverTimeout):
            driver.scan(timeout_s=0.05)
        driver.start_scan()
        with pytest.raises(DriverBusyError):
            driver.start_scan()


def test_directed_scan_limits_come_from_capabilities():
    with ScriptedDriver("never") as driver:
        with pytest.raises(InvalidArgument) as info:
            driver.start_scan([b"a", b"b"])
        assert "at most 1" in str(info.value)


def test_connect_maps_driver_errors_to_reasons_and_goes_on():
    outcomes = {
        b"timeout": DriverTimeout("slow"),
        b"glitch": HALError("firmware said no"),
        b"portal": AssociationFailed(FailureReason.CAPTIVE_PORTAL, "login page"),
    }
    with ScriptedDriver(outcomes=outcomes) as driver:
        for name in (b"timeout", b"glitch", b"portal", b"home"):
            driver.add_network(net(name))
        assert driver.connect(timeout_s=1.0) is ConnectionState.ASSOCIATED
        reasons = [a.failure for a in driver.connection_attempts()]
        assert reasons == [FailureReason.TIMEOUT, FailureReason.INTERNAL, FailureReason.CAPTIVE_PORTAL, None]
        assert driver.joined == b"home"


def test_interface_failure_during_connect_is_recorded_and_raised():
    with ScriptedDriver(outcomes={b"home": InterfaceError("chip reset")}) as driver:
        driver.add_network(net(b"home"))
        with pytest.raises(InterfaceError):
            driver.connect(timeout_s=1.0)
        (attempt,) = driver.connection_attempts()
        assert attempt.failure is FailureReason.INTERNAL
        assert driver.connection_state() is ConnectionState.FAILED


def test_interface_loss_blocks_operations_until_reopened():
    driver = ScriptedDriver()
    seen = []
    driver.add_event_callback(seen.append)
    driver.open()
    driver.add_network(net(b"home"))
    driver.connect(timeout_s=1.0)
    driver._interface_lost("usb unplugged")
    assert seen[-2:] == [DriverEvent.DISCONNECTED, DriverEvent.INTERFACE_LOST]
    assert not driver.is_open
    with pytest.raises(InterfaceError):
        driver.scan(timeout_s=1.0)
    driver.open()
    assert driver.is_open and driver.connect(timeout_s=1.0) is ConnectionState.ASSOCIATED


def test_link_loss_reported_by_a_driver_marks_disconnected_once():
    with ScriptedDriver() as driver:
        driver.add_network(net(b"home"))
        driver.connect(timeout_s=1.0)
        driver._link_lost("deauthenticated")
        driver._link_lost("again")
        assert driver.connection_state() is ConnectionState.DISCONNECTED
        assert driver.event_count(DriverEvent.DISCONNECTED) == 1


def test_optional_ops_default_to_not_supported():
    with ScriptedDriver() as driver:
        for call in (driver.abort_scan, driver.stop_softap):
            with pytest.raises(DriverNotSupported) as info:
                call()
            assert isinstance(info.value, NotImplementedError)


def test_concurrent_connect_is_refused():
    release = threading.Event()

    class Slow(ScriptedDriver):
        def associate(self, config, timeout_s, check):
            release.wait(5.0)

    with Slow() as driver:
        driver.add_network(net(b"home"))
        worker = threading.Thread(target=driver.connect, kwargs={"timeout_s": 5.0})
        worker.start()
        try:
            for _ in range(200):
                if driver.connection_state() is ConnectionState.UNAUTHENTICATED:
                    break
                threading.Event().wait(0.01)
            with pytest.raises(DriverBusyError):
                driver.connect(timeout_s=1.0)
        finally:
            release.set()
            worker.join()
        assert driver.connection_state() is ConnectionState.ASSOCIATED


def test_listeners_run_with_no_driver_lock_held():
    """A listener may wait for another thread that uses the driver (no deadlock)."""
    with ScriptedDriver() as driver:
        states = []

        def listener(event):
            worker = threading.Thread(target=lambda: states.append(driver.connection_state()))
            worker.start()
            worker.join(2.0)
            states.append(event if not worker.is_alive() else "blocked")

        driver.add_network(net(b"home"))
        driver.connect(timeout_s=1.0)
        driver.add_event_callback(listener)
        driver.disconnect()
        driver.connect(timeout_s=1.0)
        driver.remove_network(b"home")
        assert "blocked" not in states
        assert states.count(DriverEvent.DISCONNECTED) == 2
