"""Data structures and shared helpers of the contract (hal.types, hal.helpers, hal.stream)."""

from __future__ import annotations

import socket
import threading

import pytest

from hal.errors import (
    InvalidArgument,
    NameResolutionError,
    StreamClosed,
    StreamRefused,
    StreamReset,
    StreamTimeout,
)
from hal.helpers import AttemptLog, EventHub, NetworkList, dedupe_by_bssid, merge_scan_results
from hal.stream import SocketStream, connect_socket_stream
from hal.types import (
    ConnectionAttempt,
    ConnectionState,
    DriverEvent,
    NetworkConfig,
    ScanResult,
    Security,
    SoftAPConfig,
    channel_to_freq_mhz,
    credential_fits,
    format_bssid,
    freq_mhz_to_channel,
    parse_bssid,
)

B1, B2 = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


@pytest.mark.parametrize(
    "channel,freq", [(1, 2412), (6, 2437), (13, 2472), (14, 2484), (36, 5180), (100, 5500), (165, 5825)]
)
def test_channel_and_frequency_convert_both_ways(channel, freq):
    assert channel_to_freq_mhz(channel) == freq
    assert freq_mhz_to_channel(freq) == channel


@pytest.mark.parametrize("channel", [0, 15, 31, 178])
def test_impossible_channels_are_refused(channel):
    with pytest.raises(InvalidArgument):
        channel_to_freq_mhz(channel)


def test_six_ghz_frequencies_map_to_channels():
    assert freq_mhz_to_channel(5955) == 1 and freq_mhz_to_channel(5935) == 2
    with pytest.raises(InvalidArgument):
        freq_mhz_to_channel(2413)


def test_bssid_text_round_trip():
    assert parse_bssid("02:00:00:00:00:01") == B1 == parse_bssid("02-00-00-00-00-01") == parse_bssid("020000000001")
    assert format_bssid(bytes.fromhex("A0B1C2D3E4F5")) == "a0:b1:c2:d3:e4:f5"
    for bad in ("02:00:00:00:00", "02:00:00:00:00:0g", "02:00-00:00:00:01", 12):
        with pytest.raises(InvalidArgument):
            parse_bssid(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "security,key",
    [
        (Security.OPEN, b""),
        (Security.WEP, b"abcde"),
        (Security.WEP, b"0123456789"),
        (Security.WEP, b"abcdefghijklm"),
        (Security.WPA2_PSK, b"8 chars!"),
        (Security.WPA_PSK, b"a" * 63),
        (Security.WPA3_SAE, b"f" * 64),
    ],
)
def test_valid_keys_are_accepted(security, key):
    assert NetworkConfig(b"net", security, key).key == key


@pytest.mark.parametrize(
    "security,key",
    [
        (Security.OPEN, b"x"),
        (Security.WEP, b"abcd"),
        (Security.WEP, b"012345678z"),
        (Security.WPA2_PSK, b"7 chars"),
        (Security.WPA2_PSK, b"g" * 64),
        (Security.WPA2_PSK, b"a" * 65),
        (Security.ENTERPRISE, b"whatever1"),
        (Security.OTHER, b""),
    ],
)
def test_impossible_keys_are_refused_without_showing_them(security, key):
    with pytest.raises(InvalidArgument) as info:
        NetworkConfig(b"net", security, key)
    if key:
        assert key.decode() not in str(info.value)


def test_ssid_sizes_are_enforced():
    NetworkConfig(b"x" * 32, Security.OPEN)
    for bad in (b"", b"x" * 33, "text"):
        with pytest.raises(InvalidArgument):
            NetworkConfig(bad, Security.OPEN)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        ScanResult(b"x" * 33, B1, 2412, 1, -40, Security.OPEN)
    with pytest.raises(InvalidArgument):
        ScanResult(b"x", b"\x00" * 5, 2412, 1, -40, Security.OPEN)


def test_keys_never_appear_in_reprs():
    secret = b"hunter2hunter2"
    assert secret.decode() not in repr(NetworkConfig(b"net", Security.WPA2_PSK, secret))
    assert secret.decode() not in repr(SoftAPConfig(b"ap", Security.WPA2_PSK, secret))


def test_softap_config_refuses_wep_and_5ghz_channels():
    with pytest.raises(InvalidArgument):
        SoftAPConfig(b"ap", Security.WEP, b"abcde")
    with pytest.raises(InvalidArgument):
        SoftAPConfig(b"ap", channel=36)


def test_psk_family_credentials_fit_every_personal_ap():
    psk = (Security.WPA_PSK, Security.WPA2_PSK, Security.WPA3_SAE, Security.WPA2_WPA3)
    for ap in psk:
        for cred in psk:
            assert credential_fits(ap, cred)
    assert not credential_fits(Security.WPA3_SAE, Security.WPA_PSK, wpa3=False)
    assert credential_fits(Security.WPA2_WPA3, Security.WPA_PSK, wpa3=False)
    assert credential_fits(Security.OPEN, Security.OPEN) and credential_fits(Security.WEP, Security.WEP)
    assert not credential_fits(Security.WPA2_PSK, Security.OPEN)
    assert not credential_fits(Security.OPEN, Security.WPA2_PSK)
    assert not credential_fits(Security.ENTERPRISE, Security.WPA2_PSK)
    assert not credential_fits(Security.OTHER, Security.OTHER)


def test_dedupe_prefers_the_named_entry_of_a_hidden_ap():
    beacon = ScanResult(b"", B1, 2437, 6, -30, Security.WPA2_PSK, hidden=True)
    probe_resp = ScanResult(b"simple_setup", B1, 2437, 6, -33, Security.WPA2_PSK, hidden=False)
    (merged,) = dedupe_by_bssid([beacon, probe_resp])
    assert merged.ssid == b"simple_setup" and merged.hidden and merged.rssi_dbm == -33
    (merged,) = dedupe_by_bssid([probe_resp, beacon])
    assert merged.ssid == b"simple_setup" and merged.hidden


def test_merge_keeps_the_strongest_per_bssid_and_sorts_strongest_first():
    weak = ScanResult(b"a", B1, 2412, 1, -70, Security.OPEN)
    strong = ScanResult(b"a", B1, 2412, 1, -40, Security.OPEN)
    other = ScanResult(b"b", B2, 2412, 1, -50, Security.OPEN)
    assert merge_scan_results([weak, other, strong]) == (strong, other)


def test_network_list_orders_by_priority_then_insertion():
    nets = NetworkList()
    a, b = NetworkConfig(b"a", Security.OPEN), NetworkConfig(b"b", Security.OPEN, priority=2)
    c, a2 = NetworkConfig(b"c", Security.OPEN), NetworkConfig(b"a", Security.OPEN, priority=2)
    for n in (a, b, c, a2):
        nets.add(n)
    assert nets.ordered() == (b, a2, a, c)
    assert nets.remove(b"a") == 2 and nets.ordered() == (b, c)


def test_attempt_log_drops_the_oldest_beyond_its_limit():
    log = AttemptLog(limit=2)
    attempts = [ConnectionAttempt(bytes([65 + i]), Security.OPEN, ConnectionState.ASSOCIATED) for i in range(3)]
    for a in attempts:
        log.record(a)
    assert log.snapshot() == tuple(attempts[1:])
    assert log.pop() == attempts[1] and log.pop() == attempts[2] and log.pop() is None


def test_event_hub_keeps_calling_listeners_after_one_fails():
    hub = EventHub()
    seen = []

    def broken(event):
        raise RuntimeError("listener bug")

    hub.add(broken)
    hub.add(seen.append)
    hub.emit(DriverEvent.SCAN_DONE)
    assert seen == [DriverEvent.SCAN_DONE] and hub.count(DriverEvent.SCAN_DONE) == 1
    hub.remove(broken)
    hub.remove(broken)


def test_event_hub_wait_sees_an_event_from_another_thread():
    hub = EventHub()
    since = hub.snapshot()
    threading.Timer(0.05, hub.emit, args=(DriverEvent.SCAN_FAILED,)).start()
    assert hub.wait_for([DriverEvent.SCAN_DONE, DriverEvent.SCAN_FAILED], since, 5.0) is DriverEvent.SCAN_FAILED
    assert hub.wait_for([DriverEvent.SCAN_DONE], hub.snapshot(), 0.01) is None


def test_socket_stream_maps_errors():
    left, right = socket.socketpair()
    stream = SocketStream(left)
    stream.settimeout(0.05)
    with pytest.raises(StreamTimeout):
        stream.recv(1)
    right.sendall(b"hi")
    assert stream.recv(10) == b"hi" and stream.send(b"") == 0
    right.close()
    assert stream.recv(10) == b""
    with pytest.raises(StreamReset) as info:
        for _ in range(100):
            stream.send(b"x" * 65536)
    assert isinstance(info.value, ConnectionError)
    stream.close()
    with pytest.raises(StreamClosed):
        stream.fileno()


def test_connect_socket_stream_maps_refusal_and_bad_names():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(StreamRefused) as info:
        connect_socket_stream(("127.0.0.1", port), 2.0)
    assert isinstance(info.value, ConnectionRefusedError)
    with pytest.raises(NameResolutionError):
        connect_socket_stream(("no-such-host.invalid", 80), 2.0)
