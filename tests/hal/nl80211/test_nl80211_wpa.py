"""wpa_supplicant control client, network blocks and join outcomes (hal.nl80211), on the host.

The join transcripts are the event sequences wpa_supplicant 2.10 produced in the hwsim
guest (``tests/integration/hwsim``); the control-socket peer here is a plain Unix datagram
socket answering like wpa_supplicant, to reach the error paths.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from hal import FailureReason, NetworkConfig, Security
from hal.errors import InterfaceError
from hal.nl80211.association import JoinTracker, network_settings
from hal.nl80211.wpa_ctrl import EventPump, WpaCtrl, parse_event


def test_event_parsing():
    ev = parse_event(
        '<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="Home Net" auth_failures=1 duration=10 reason=WRONG_KEY'
    )
    assert ev is not None and (ev.level, ev.name) == (3, "CTRL-EVENT-SSID-TEMP-DISABLED")
    assert ev.fields == {"id": "0", "ssid": "Home Net", "auth_failures": "1", "duration": "10", "reason": "WRONG_KEY"}
    assert ev.network_id() == 0
    connected = parse_event("<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=7 id_str=wss]")
    assert connected is not None and connected.network_id() == 7
    assert parse_event("OK\n") is None and parse_event("") is None
    assert parse_event("<2>CTRL-EVENT-SCAN-RESULTS ").network_id() is None  # type: ignore[union-attr]


def feed(events):
    tracker = JoinTracker(0)
    for line in events:
        outcome = tracker.feed(parse_event(line))
        if outcome is not None:
            return outcome
    return None


def test_wrong_wpa2_passphrase():
    outcome = feed(
        [
            "<3>CTRL-EVENT-SCAN-RESULTS ",
            "<3>Associated with 02:00:00:00:01:00",
            "<3>CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=15",
            '<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="HomeNet" auth_failures=1 duration=10 reason=WRONG_KEY',
        ]
    )
    assert outcome is not None and outcome.reason is FailureReason.WRONG_KEY


def test_wrong_sae_password():
    reject = "<3>CTRL-EVENT-AUTH-REJECT 02:00:00:00:01:01 auth_type=3 auth_transaction=2 status_code=1"
    outcome = feed(
        [
            "<3>CTRL-EVENT-SCAN-RESULTS ",
            reject,
            reject,
            '<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="Wpa3Only" auth_failures=1 duration=10 reason=CONN_FAILED',
        ]
    )
    assert outcome is not None and outcome.reason is FailureReason.WRONG_KEY
    assert "SAE" in outcome.detail


def test_association_rejected_is_unknown():
    outcome = feed(
        [
            "<3>CTRL-EVENT-ASSOC-REJECT bssid=02:00:00:00:01:00 status_code=17",
            '<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="X" auth_failures=1 duration=10 reason=CONN_FAILED',
        ]
    )
    assert outcome is not None and outcome.reason is FailureReason.UNKNOWN and "status=17" in outcome.detail


def test_not_found_counts_only_after_a_scan_of_this_attempt():
    assert feed(["<3>CTRL-EVENT-NETWORK-NOT-FOUND "]) is None  # verdict from stale cached results
    outcome = feed(
        [
            "<3>CTRL-EVENT-NETWORK-NOT-FOUND ",
            "<3>CTRL-EVENT-SCAN-STARTED ",
            "<3>CTRL-EVENT-SCAN-RESULTS ",
            "<3>CTRL-EVENT-NETWORK-NOT-FOUND ",
        ]
    )
    assert outcome is not None and outcome.reason is FailureReason.AP_NOT_FOUND


def test_hidden_networks_get_more_scans():
    tracker = JoinTracker(0, scans=2)
    scan_missed = ["<3>CTRL-EVENT-SCAN-RESULTS ", "<3>CTRL-EVENT-NETWORK-NOT-FOUND "]
    assert [tracker.feed(parse_event(line)) for line in scan_missed] == [None, None]
    assert tracker.rescan
    tracker.rescan = False
    assert tracker.feed(parse_event("<3>CTRL-EVENT-NETWORK-NOT-FOUND ")) is None  # not after a new scan
    outcome = [tracker.feed(parse_event(line)) for line in scan_missed][-1]
    assert outcome is not None and outcome.reason is FailureReason.AP_NOT_FOUND and not tracker.rescan


def test_connected_and_other_networks():
    assert feed(['<3>CTRL-EVENT-SSID-TEMP-DISABLED id=4 ssid="Other" reason=WRONG_KEY']) is None
    outcome = feed(["<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=wss]"])
    assert outcome is not None and outcome.joined


def settings(config, **kw):
    return dict(network_settings(config, **kw))


def test_psk_block_offers_sae_with_optional_pmf():
    s = settings(
        NetworkConfig(b"Home Net", Security.WPA_PSK, b'pass "phrase"', hidden=True, priority=3),
        sae=True,
        scan_freqs_mhz=[2412, 2437],
    )
    assert s == {
        "ssid": b"Home Net".hex(),
        "id_str": '"wss"',
        "priority": "3",
        "key_mgmt": "WPA-PSK WPA-PSK-SHA256 SAE",
        "psk": '"pass "phrase""',
        "ieee80211w": "1",
        "scan_ssid": "1",
        "scan_freq": "2412 2437",
    }


def test_raw_psk_and_no_sae_support_leave_sae_out():
    raw = b"a" * 64
    assert settings(NetworkConfig(b"N", Security.WPA2_PSK, raw), sae=True)["psk"] == "a" * 64
    assert settings(NetworkConfig(b"N", Security.WPA2_PSK, raw), sae=True)["key_mgmt"] == "WPA-PSK WPA-PSK-SHA256"
    assert (
        settings(NetworkConfig(b"N", Security.WPA2_PSK, b"passphrase"), sae=False)["key_mgmt"]
        == "WPA-PSK WPA-PSK-SHA256"
    )


def test_non_ascii_passphrase_becomes_its_psk():
    # IEEE 802.11-2020 J.4.2 test vector: "password" / "IEEE"; here with a non-ASCII twin
    assert settings(NetworkConfig(b"IEEE", Security.WPA2_PSK, "passwörd".encode()), sae=True)["psk"] != '"passwörd"'
    from hashlib import pbkdf2_hmac

    assert (
        pbkdf2_hmac("sha1", b"password", b"IEEE", 4096, 32).hex()
        == "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"
    )
    s = settings(NetworkConfig(b"IEEE", Security.WPA2_PSK, "pässword".encode()), sae=True)
    assert s["psk"] == pbkdf2_hmac("sha1", "pässword".encode(), b"IEEE", 4096, 32).hex()
    assert "SAE" not in s["key_mgmt"]


@pytest.mark.parametrize(
    "key, wep", [(b"abcde", '"abcde"'), (b"0123456789", "0123456789"), (b"13-characters", '"13-characters"')]
)
def test_wep_and_open_blocks(key, wep):
    s = settings(NetworkConfig(b"W", Security.WEP, key), sae=True)
    assert (s["key_mgmt"], s["wep_key0"], s["wep_tx_keyidx"], s["auth_alg"]) == ("NONE", wep, "0", "OPEN SHARED")
    assert settings(NetworkConfig(b"O", Security.OPEN), sae=True)["key_mgmt"] == "NONE"


class Peer:
    """A Unix datagram socket answering like wpa_supplicant's control interface."""

    def __init__(self, path: str, replies: dict) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.replies, self.clients, self.seen = replies, [], []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            cmd = data.decode()
            self.seen.append(cmd)
            if cmd == "ATTACH":
                self.clients.append(addr)
            reply = self.replies.get(cmd.split(" ")[0], "OK\n")
            if reply is not None:
                try:
                    self.sock.sendto(reply.encode(), addr)
                except OSError:
                    return

    def event(self, text: str) -> None:
        for addr in self.clients:
            self.sock.sendto(text.encode(), addr)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def peer(tmp_path):
    p = Peer(str(tmp_path / "wlan0"), {"PING": "PONG\n", "SET_NETWORK": "FAIL\n", "SLOW": None})
    yield p
    p.close()


def test_refusal_never_shows_the_secret(peer):
    ctrl = WpaCtrl(str(peer.sock.getsockname()))
    try:
        assert ctrl.request("PING").strip() == "PONG"
        with pytest.raises(InterfaceError) as info:
            ctrl.command('SET_NETWORK 0 psk "very-secret-passphrase"')
        assert "very-secret" not in str(info.value) and "SET_NETWORK 0 psk" in str(info.value)
        with pytest.raises(InterfaceError, match="did not answer SLOW"):
            ctrl.request("SLOW", timeout_s=0.2)
        assert "very-secret" not in repr(ctrl)
    finally:
        ctrl.close()


def test_connect_errors_say_what_to_do(tmp_path):
    with pytest.raises(InterfaceError, match="wpa_supplicant is not running for wlan7: no control socket"):
        WpaCtrl(str(tmp_path / "wlan7"))
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(str(tmp_path / "wlan8"))
    stale.close()
    with pytest.raises(InterfaceError, match="stale socket"):
        WpaCtrl(str(tmp_path / "wlan8"))


def test_event_pump_fans_out_and_reports_loss(peer, monkeypatch):
    monkeypatch.setattr(EventPump, "PING_INTERVAL_S", 0.2)
    seen = []
    pump = EventPump(str(peer.sock.getsockname()), on_event=seen.append)
    try:
        q = pump.subscribe()
        deadline = time.monotonic() + 5
        while not peer.clients and time.monotonic() < deadline:
            time.sleep(0.01)
        peer.event("<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=wss]")
        assert q.get(timeout=5).name == "CTRL-EVENT-CONNECTED"
        pump.unsubscribe(q)
        peer.close()  # wpa_supplicant gone: the pump's next liveness probe is refused
        deadline = time.monotonic() + 5
        while seen[-1].name != EventPump.LOST and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        pump.stop()
    assert [e.name for e in seen] == ["CTRL-EVENT-CONNECTED", EventPump.LOST]


@pytest.mark.parametrize("value", ["--0", "-", "²", "1²", "٣", "99999999999999999999", ""])
def test_a_malformed_network_id_is_none(value):
    """Fuzzing finding (fuzz/wpa_event/corpus/regression-minus-minus-id): ``id=--0``
    passed ``lstrip("-").isdigit()`` and int() raised; so would ``²``."""
    event = parse_event(f"<3>CTRL-EVENT-SSID-TEMP-DISABLED id={value} reason=WRONG_KEY")
    assert event is not None and event.network_id() is None


def test_a_negative_network_id_is_still_read():
    event = parse_event("<3>CTRL-EVENT-X id=-1")
    assert event is not None and event.network_id() == -1
