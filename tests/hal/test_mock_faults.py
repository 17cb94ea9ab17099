"""Each fault of the mock radio, on a manual clock (no test sleeps)."""

from __future__ import annotations

import pytest
from hal_mock_envs import SETUP_PASSPHRASE, SETUP_SSID, FakeProvisioner, ap, psk

from hal import ConnectionState, ConnectivityCheck, DriverEvent, FailureReason, NetworkConfig, Security
from hal.errors import NetworkUnreachable, StreamReset
from hal.mock import ManualClock, WifiDriverMock

HOME = ap("Home", "02:00:00:00:00:01", rssi=-40)
SPARE = ap("Spare", "02:00:00:00:00:02", rssi=-60)


def driver_with(*faults: dict, clock: ManualClock = None, aps=(HOME, SPARE), **env: object) -> WifiDriverMock:
    driver = WifiDriverMock({"access_points": list(aps), "faults": list(faults), **env}, clock=clock or ManualClock())
    driver.open()
    return driver


def attempt_reasons(driver):
    return [a.failure for a in driver.connection_attempts()]


def join(driver, *names, check=None):
    for name in names:
        driver.add_network(psk(name))
    return driver.connect(timeout_s=10.0, check=check)


def test_wrong_psk_rejects_even_the_right_key_and_only_on_its_ap():
    driver = driver_with({"type": "wrong_psk", "ssid": "Home"})
    assert join(driver, "Home", "Spare") is ConnectionState.ASSOCIATED
    assert attempt_reasons(driver) == [FailureReason.WRONG_KEY, None]
    assert driver.connection_details().ssid == b"Spare"


def test_chip_error_fails_the_join_as_internal_and_only_on_its_ap():
    driver = driver_with({"type": "chip_error", "ssid": "Home"})
    assert join(driver, "Home", "Spare") is ConnectionState.ASSOCIATED
    assert attempt_reasons(driver) == [FailureReason.INTERNAL, None]
    assert driver.connection_details().ssid == b"Spare"


def test_ap_vanishing_after_some_seconds_drops_the_link_and_leaves_the_air():
    clock = ManualClock(100.0)  # time counts from open(), not from 0
    driver = driver_with(
        {"type": "ap_vanishes", "ssid": "Home", "after_s": 30}, clock=clock, internet={"hosts": ["echo.test"]}
    )
    seen = []
    driver.add_event_callback(seen.append)
    assert join(driver, "Home") is ConnectionState.ASSOCIATED
    clock.advance(29)
    assert driver.connection_state() is ConnectionState.ASSOCIATED
    assert any(r.ssid == b"Home" for r in driver.scan())
    clock.advance(1)
    assert not any(r.ssid == b"Home" for r in driver.scan())
    assert driver.connection_state() is ConnectionState.DISCONNECTED
    assert seen.count(DriverEvent.DISCONNECTED) == 1
    assert driver.connect(timeout_s=5.0) is ConnectionState.FAILED
    assert attempt_reasons(driver)[-1] is FailureReason.AP_NOT_FOUND


def test_vanishing_ap_resets_an_open_stream(echo_port):
    clock = ManualClock()
    driver = driver_with(
        {"type": "ap_vanishes", "ssid": "Home", "after_s": 5}, clock=clock, internet={"hosts": ["echo.test"]}
    )
    join(driver, "Home")
    stream = driver.open_tcp_stream("echo.test", echo_port, timeout_s=5.0)
    stream.sendall(b"ping")
    assert stream.recv(4) == b"ping"
    clock.advance(5)
    with pytest.raises(StreamReset):
        stream.send(b"more")
    with pytest.raises(NetworkUnreachable):
        driver.open_tcp_stream("echo.test", echo_port, timeout_s=5.0)
    stream.close()


def test_ap_vanishing_on_first_connect_was_seen_then_is_not_found():
    driver = driver_with({"type": "ap_vanishes", "ssid": "Home", "on": "first_connect"})
    assert any(r.ssid == b"Home" for r in driver.scan())
    assert join(driver, "Home", "Spare") is ConnectionState.ASSOCIATED
    assert attempt_reasons(driver) == [FailureReason.AP_NOT_FOUND, None]
    assert not any(r.ssid == b"Home" for r in driver.scan())


def test_captive_portal_fails_the_attempt_and_leaves_no_link():
    driver = driver_with({"type": "captive_portal", "ssid": "Home"})
    assert join(driver, "Home") is ConnectionState.FAILED
    assert attempt_reasons(driver) == [FailureReason.CAPTIVE_PORTAL]
    assert driver.associated_ap is None


def test_limited_connectivity_fails_the_attempt_even_without_a_check():
    driver = driver_with({"type": "limited_connectivity", "bssid": "02:00:00:00:00:01"})
    assert join(driver, "Home") is ConnectionState.FAILED
    assert attempt_reasons(driver) == [FailureReason.LIMITED_CONNECTIVITY]


def test_a_network_that_routes_nothing_fails_only_the_check():
    quiet = dict(HOME, tcp="none")
    driver = driver_with(aps=(quiet,))
    assert join(driver, "Home") is ConnectionState.ASSOCIATED
    with pytest.raises(NetworkUnreachable):
        driver.open_tcp_stream("localhost", 443)
    driver.disconnect()
    assert driver.connect(timeout_s=5.0, check=ConnectivityCheck("localhost", 443)) is ConnectionState.FAILED
    assert attempt_reasons(driver)[-1] is FailureReason.LIMITED_CONNECTIVITY


def test_slow_association_takes_its_delay_on_the_clock():
    clock = ManualClock()
    driver = driver_with({"type": "slow_association", "ssid": "Home", "delay_s": 4}, clock=clock)
    assert join(driver, "Home") is ConnectionState.ASSOCIATED
    assert clock.sleeps[-1] == 4 and clock.now == 4


def test_slow_association_beyond_the_timeout_is_a_timeout():
    clock = ManualClock()
    driver = driver_with({"type": "slow_association", "ssid": "Home", "delay_s": 40}, clock=clock)
    driver.add_network(psk("Home"))
    driver.add_network(psk("Spare"))
    assert driver.connect(timeout_s=10.0) is ConnectionState.ASSOCIATED
    assert attempt_reasons(driver) == [FailureReason.TIMEOUT, None]
    assert clock.now == 10


def test_faults_on_the_setup_network_target_the_provisioners_network():
    driver = WifiDriverMock(
        {"faults": [{"type": "wrong_psk", "setup_network": True}]}, provisioner=FakeProvisioner(), clock=ManualClock()
    )
    driver.open()
    driver.add_network(NetworkConfig(SETUP_SSID.encode(), Security.WPA2_PSK, SETUP_PASSPHRASE.encode(), hidden=True))
    assert driver.connect(timeout_s=5.0) is ConnectionState.FAILED
    assert attempt_reasons(driver) == [FailureReason.WRONG_KEY]
