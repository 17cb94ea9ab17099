"""The driver contract (hal/base.py), run against every driver through ``driver_env``.

Only behaviour the contract promises is asserted, in terms any driver's environment can
provide (see conftest.py), so the same suite runs on the mock, on nl80211 in the hwsim
guest and on ESP-AT against its emulator.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import List

import pytest

from hal import (
    Capabilities,
    ConnectionState,
    ConnectivityCheck,
    DriverEvent,
    FailureReason,
    NetworkConfig,
    Security,
    SoftAPConfig,
)
from hal.errors import (
    DriverClosedError,
    DriverNotSupported,
    InvalidArgument,
    NetworkUnreachable,
    StreamClosed,
    StreamTimeout,
)
from hal.types import freq_mhz_to_channel


def _events(env) -> List[DriverEvent]:
    seen: List[DriverEvent] = []
    env.driver.add_event_callback(seen.append)
    return seen


def _connect(env, *networks, check=None) -> ConnectionState:
    for net in networks:
        env.driver.add_network(net if isinstance(net, NetworkConfig) else net.config())
    return env.driver.connect(timeout_s=env.connect_timeout_s, check=check)


def _find(results, ssid: bytes):
    return [r for r in results if r.ssid == ssid]


# ------------------------------------------------------------------ lifecycle --


def test_capabilities_are_a_frozen_dataclass(driver_env):
    caps = driver_env.driver.capabilities()
    assert isinstance(caps, Capabilities)
    with pytest.raises(dataclasses.FrozenInstanceError):
        caps.wpa3 = not caps.wpa3  # type: ignore[misc]
    assert caps.max_scan_ssids >= (1 if caps.directed_scan else 0)


def test_operations_need_an_open_driver_and_reopen_works(driver_env):
    driver = driver_env.driver
    driver.close()
    driver.close()  # idempotent
    with pytest.raises(DriverClosedError):
        driver.scan(timeout_s=driver_env.scan_timeout_s)
    with pytest.raises(DriverClosedError):
        driver.connect(timeout_s=1.0)
    driver.open()
    assert driver.connection_state() is ConnectionState.IDLE
    assert _find(driver.scan(timeout_s=driver_env.scan_timeout_s), driver_env.home.ssid)


# ------------------------------------------------------------------- scanning --


def test_scan_reports_each_network_with_its_security_and_frequency(driver_env):
    results = driver_env.driver.scan(timeout_s=driver_env.scan_timeout_s)
    nets = [driver_env.home, driver_env.open] + ([driver_env.wpa3] if driver_env.wpa3 else [])
    for net in nets:
        found = _find(results, net.ssid)
        assert len(found) == 1, net.ssid
        assert found[0].security is net.security
    for r in results:
        assert len(r.bssid) == 6 and len(r.ssid) <= 32
        assert freq_mhz_to_channel(r.freq_mhz) == r.channel
        assert -120 <= r.rssi_dbm <= 0


def test_scan_results_are_one_per_bssid_strongest_first(driver_env):
    results = driver_env.driver.scan(timeout_s=driver_env.scan_timeout_s)
    assert len({r.bssid for r in results}) == len(results)
    assert [r.rssi_dbm for r in results] == sorted((r.rssi_dbm for r in results), reverse=True)
    assert driver_env.driver.scan_results() == results


def test_hidden_network_is_named_only_by_a_directed_scan(driver_env):
    driver, hidden = driver_env.driver, driver_env.hidden
    wildcard = driver.scan(timeout_s=driver_env.scan_timeout_s)
    assert not _find(wildcard, hidden.ssid)
    directed = driver.scan(ssids=[hidden.ssid], timeout_s=driver_env.scan_timeout_s)
    found = _find(directed, hidden.ssid)
    assert len(found) == 1
    assert found[0].hidden and found[0].security is hidden.security


def test_each_scan_fires_scan_done_once(driver_env):
    seen = _events(driver_env)
    driver_env.driver.scan(timeout_s=driver_env.scan_timeout_s)
    driver_env.driver.scan(timeout_s=driver_env.scan_timeout_s)
    assert seen.count(DriverEvent.SCAN_DONE) == 2
    assert DriverEvent.SCAN_FAILED not in seen


@pytest.mark.parametrize("bad", [b"", b"x" * 33, "text"])
def test_scan_rejects_bad_ssids_to_probe(driver_env, bad):
    with pytest.raises(InvalidArgument):
        driver_env.driver.start_scan([bad])


# ----------------------------------------------------------------- connecting --


def test_connect_joins_a_network_and_records_the_attempt(driver_env):
    seen = _events(driver_env)
    assert _connect(driver_env, driver_env.home) is ConnectionState.ASSOCIATED
    driver = driver_env.driver
    assert driver.connection_state() is ConnectionState.ASSOCIATED
    details = driver.connection_details()
    assert (details.ssid, details.state) == (driver_env.home.ssid, ConnectionState.ASSOCIATED)
    (attempt,) = driver.connection_attempts()
    assert attempt.succeeded and attempt.ssid == driver_env.home.ssid
    assert seen.count(DriverEvent.CONNECTED) == 1
    assert seen.count(DriverEvent.ATTEMPT_RECORDED) == 1


def test_ip_address_is_the_joined_networks_ipv4_address(driver_env):
    # Optional in the contract (local discovery reads it); every shipped driver reports it.
    driver = driver_env.driver
    if not hasattr(type(driver), "ip_address"):
        pytest.skip(f"{type(driver).__name__} does not report its address (optional)")
    assert driver.ip_address is None
    _connect(driver_env, driver_env.home)
    address = ipaddress.IPv4Address(driver.ip_address)
    assert not address.is_unspecified
    driver.disconnect()
    assert driver.ip_address is None


def test_connect_joins_a_hidden_network(driver_env):
    assert _connect(driver_env, driver_env.hidden) is ConnectionState.ASSOCIATED


def test_connect_joins_an_open_network(driver_env):
    assert _connect(driver_env, driver_env.open) is ConnectionState.ASSOCIATED


def test_connect_joins_wpa3_with_a_psk_family_credential(driver_env):
    if driver_env.wpa3 is None or not driver_env.driver.capabilities().wpa3:
        pytest.skip(f"{driver_env.name}: no WPA3 network or no SAE support")
    # The DSS reports personal networks as WPA_PSK (§4.1): that credential must do.
    config = driver_env.wpa3.config(security=Security.WPA_PSK)
    assert _connect(driver_env, config) is ConnectionState.ASSOCIATED


def test_wrong_key_is_recorded_as_wrong_key(driver_env):
    state = _connect(driver_env, driver_env.home.config(key=b"not the passphrase"))
    assert state is ConnectionState.FAILED
    (attempt,) = driver_env.driver.connection_attempts()
    assert (attempt.state, attempt.failure) == (ConnectionState.FAILED, FailureReason.WRONG_KEY)


def test_absent_network_is_recorded_as_ap_not_found(driver_env):
    absent = NetworkConfig(driver_env.absent_ssid, Security.WPA2_PSK, b"whatever123")
    assert _connect(driver_env, absent) is ConnectionState.FAILED
    (attempt,) = driver_env.driver.connection_attempts()
    assert attempt.failure is FailureReason.AP_NOT_FOUND
    assert driver_env.driver.connection_details().failure is FailureReason.AP_NOT_FOUND


def test_networks_are_tried_in_priority_then_insertion_order(driver_env):
    absent = NetworkConfig(driver_env.absent_ssid, Security.WPA2_PSK, b"whatever123")
    wrong = driver_env.home.config(key=b"not the passphrase")
    good = driver_env.home.config()
    driver = driver_env.driver
    driver.add_network(good)  # added first, but lowest priority
    driver.add_network(dataclasses.replace(absent, priority=5))
    driver.add_network(dataclasses.replace(wrong, priority=5))
    assert [n.priority for n in driver.networks()] == [5, 5, 0]
    assert driver.connect(timeout_s=driver_env.connect_timeout_s) is ConnectionState.ASSOCIATED
    attempts = driver.connection_attempts()
    assert [a.failure for a in attempts] == [FailureReason.AP_NOT_FOUND, FailureReason.WRONG_KEY, None]


def test_connect_with_nothing_configured_records_no_configured_networks(driver_env):
    assert driver_env.driver.connect(timeout_s=driver_env.connect_timeout_s) is ConnectionState.FAILED
    (attempt,) = driver_env.driver.connection_attempts()
    assert (attempt.ssid, attempt.failure) == (b"", FailureReason.NO_CONFIGURED_NETWORKS)


def test_unresolvable_check_host_is_limited_connectivity(driver_env):
    check = ConnectivityCheck("no-such-host.invalid", 443)
    assert _connect(driver_env, driver_env.home, check=check) is ConnectionState.FAILED
    assert driver_env.driver.connection_attempts()[-1].failure is FailureReason.LIMITED_CONNECTIVITY


def test_reachable_check_passes(driver_env):
    check = ConnectivityCheck(*driver_env.echo)
    assert _connect(driver_env, driver_env.home, check=check) is ConnectionState.ASSOCIATED


def test_attempts_pop_oldest_first_then_none(driver_env):
    _connect(driver_env, driver_env.home.config(key=b"not the passphrase"), driver_env.home)
    driver = driver_env.driver
    first, second = driver.pop_connection_attempt(), driver.pop_connection_attempt()
    assert first.failure is FailureReason.WRONG_KEY and second.succeeded
    assert driver.pop_connection_attempt() is None
    assert driver.connection_attempts() == ()


def test_remove_network_of_the_joined_network_disconnects(driver_env):
    _connect(driver_env, driver_env.home)
    seen = _events(driver_env)
    assert driver_env.driver.remove_network(driver_env.home.ssid) == 1
    assert driver_env.driver.connection_state() is ConnectionState.DISCONNECTED
    assert seen == [DriverEvent.DISCONNECTED]
    assert driver_env.driver.networks() == ()


def test_remove_network_of_another_network_keeps_the_link(driver_env):
    _connect(driver_env, driver_env.home)
    driver_env.driver.add_network(driver_env.open.config())
    assert driver_env.driver.remove_network(driver_env.open.ssid) == 1
    assert driver_env.driver.remove_network(driver_env.absent_ssid) == 0
    assert driver_env.driver.connection_state() is ConnectionState.ASSOCIATED


def test_disconnect_fires_disconnected_and_connect_leaves_the_old_network(driver_env):
    _connect(driver_env, driver_env.home)
    seen = _events(driver_env)
    driver_env.driver.remove_network(driver_env.home.ssid)
    _connect(driver_env, driver_env.open)
    assert _connect(driver_env) is ConnectionState.ASSOCIATED  # reconnect leaves first
    driver_env.driver.disconnect()
    driver_env.driver.disconnect()  # no-op when not joined
    assert seen.count(DriverEvent.DISCONNECTED) == 3
    assert driver_env.driver.connection_state() is ConnectionState.DISCONNECTED


# -------------------------------------------------------------------- streams --


def test_stream_needs_a_joined_network(driver_env):
    with pytest.raises(NetworkUnreachable):
        driver_env.driver.open_tcp_stream(*driver_env.echo, timeout_s=5.0)


def test_stream_carries_bytes_both_ways(driver_env):
    _connect(driver_env, driver_env.home)
    payload = bytes(range(256)) * 64
    with driver_env.driver.open_tcp_stream(*driver_env.echo, timeout_s=10.0) as stream:
        stream.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = stream.recv(4096)
            assert chunk, "echo closed early"
            got += chunk
    assert got == payload


def test_stream_recv_times_out_and_close_is_final(driver_env):
    _connect(driver_env, driver_env.home)
    stream = driver_env.driver.open_tcp_stream(*driver_env.echo, timeout_s=10.0)
    stream.settimeout(0.2)
    with pytest.raises(StreamTimeout) as info:
        stream.recv(10)
    assert isinstance(info.value, TimeoutError)
    stream.close()
    stream.close()
    with pytest.raises(StreamClosed):
        stream.send(b"x")
    with pytest.raises(StreamClosed):
        stream.recv(1)


def test_stream_fileno_matches_the_capability(driver_env):
    _connect(driver_env, driver_env.home)
    with driver_env.driver.open_tcp_stream(*driver_env.echo, timeout_s=10.0) as stream:
        if driver_env.driver.capabilities().stream_fileno:
            assert stream.fileno() >= 0
        else:
            with pytest.raises(DriverNotSupported):
                stream.fileno()


# --------------------------------------------------------------------- SoftAP --


def test_softap_matches_the_capability(driver_env):
    driver = driver_env.driver
    config = SoftAPConfig(b"Device-Setup", Security.WPA2_PSK, b"softap passphrase", channel=6)
    if not driver.capabilities().softap:
        with pytest.raises(DriverNotSupported):
            driver.start_softap(config)
        return
    seen = _events(driver_env)
    driver.start_softap(config)
    driver.stop_softap()
    driver.stop_softap()  # no-op when none runs
    assert seen == [DriverEvent.SOFTAP_STARTED, DriverEvent.SOFTAP_STOPPED]


def test_softap_listen_matches_the_capability(driver_env):
    driver = driver_env.driver
    if not driver.capabilities().softap:
        with pytest.raises(DriverNotSupported):
            driver.softap_listen(0)
        return
    with pytest.raises(NetworkUnreachable):
        driver.softap_listen(0)  # no SoftAP yet
    with pytest.raises(InvalidArgument):
        driver.softap_listen(70000)
    driver.start_softap(SoftAPConfig(b"Device-Setup"))
    listener = driver.softap_listen(0)
    host, port = listener.address
    assert host and 0 < port < 65536
    with pytest.raises(StreamTimeout):
        listener.accept(0.05)
    driver.stop_softap()  # closes its listeners
    with pytest.raises(StreamClosed):
        listener.accept(0.05)


def test_mac_address_is_six_octets_or_not_supported(driver_env):
    try:
        mac = driver_env.driver.mac_address()
    except DriverNotSupported:
        return
    assert isinstance(mac, bytes) and len(mac) == 6
