"""The SoftAP follows the station's channel (hal.nl80211), on the host.

Most radios run an AP and a station on one channel, so before a join the driver moves a
running SoftAP to the 2.4 GHz channel where the network was heard: announced with a
channel switch, else hostapd restarted there, else the SoftAP stopped and the join goes
on. The running move (CHAN_SWITCH, the phone following it) is tested in the hwsim guest
(tests/integration/hwsim/test_hwsim_softap.py, test_hwsim_ble.py).
"""

from __future__ import annotations

import pytest

from hal import DriverEvent, NetworkConfig, ScanResult, Security, SoftAPConfig
from hal.errors import InterfaceError, ScanFailed
from hal.nl80211 import softap
from hal.nl80211.driver import WifiDriverNl80211


class FakeSoftAP:
    """Stands in for HostapdSoftAP: records the moves asked for."""

    def __init__(self, channel=6, fails=False):
        self.channel, self.fails, self.moves, self.stopped = channel, fails, [], False

    def follow(self, channel):
        self.moves.append(channel)
        if self.fails:
            raise InterfaceError("hostapd exited with status 1")
        self.channel = channel

    def stop(self):
        self.stopped = True


def heard(ssid, freq, rssi=-50):
    return ScanResult(ssid, bytes([2, 0, 0, 0, rssi & 0xFF, freq % 256]), freq, 1, rssi, Security.WPA2_PSK)


def driver_with(ap, results=()):
    made = WifiDriverNl80211("wlan0")
    made._scan_completed(list(results))
    made._softap = ap
    events = []
    made.add_event_callback(events.append)
    return made, events


def home(ssid=b"HomeNet", hidden=False):
    return NetworkConfig(ssid, Security.WPA2_PSK, b"a passphrase", hidden=hidden)


def test_the_softap_moves_to_the_channel_of_the_strongest_bss_heard():
    ap = FakeSoftAP()
    made, events = driver_with(ap, [heard(b"HomeNet", 2462, -70), heard(b"HomeNet", 2412, -40), heard(b"Other", 2437)])
    made._softap_follows(home())
    assert ap.moves == [1] and not ap.stopped and DriverEvent.SOFTAP_STOPPED not in events


def test_a_5ghz_network_leaves_the_softap_where_it_is():
    ap = FakeSoftAP()
    made, _ = driver_with(ap, [heard(b"HomeNet", 5180)])
    made._softap_follows(home())
    assert ap.moves == [] and made._softap is ap


def test_no_softap_means_no_scan(monkeypatch):
    made, _ = driver_with(None)
    monkeypatch.setattr(made, "scan", lambda *a, **k: pytest.fail("scanned without a SoftAP"))
    made._softap_follows(home())


def test_a_softap_that_cannot_move_is_stopped_and_the_join_goes_on():
    ap = FakeSoftAP(fails=True)
    made, events = driver_with(ap, [heard(b"HomeNet", 2437)])
    made._softap_follows(home())  # does not raise: the join goes on
    assert ap.moves == [6] and ap.stopped and made._softap is None
    assert events[-1] is DriverEvent.SOFTAP_STOPPED


def test_a_network_the_last_scan_did_not_hear_is_scanned_for_probing_a_hidden_name(monkeypatch):
    asked = []

    def scan(ssids=(), timeout_s=15.0):  # the driver's own scan (start_scan, then SCAN_DONE)
        asked.append(tuple(ssids))
        return (heard(b"Hidden", 2462), heard(b"Other", 2412))

    ap = FakeSoftAP(channel=1)
    made, _ = driver_with(ap, [heard(b"Other", 2412)])
    monkeypatch.setattr(made, "scan", scan)
    made._softap_follows(home(b"Hidden", hidden=True))
    assert asked == [(b"Hidden",)] and ap.moves == [11]


def test_a_failed_scan_leaves_the_softap_where_it_is(monkeypatch):
    def scan(ssids=(), timeout_s=15.0):
        raise ScanFailed("the scan failed")

    ap = FakeSoftAP()
    made, _ = driver_with(ap)
    monkeypatch.setattr(made, "scan", scan)
    made._softap_follows(home())
    assert ap.moves == [] and made._softap is ap


def _hostapd_softap(monkeypatch, announced):
    """A HostapdSoftAP 'running' on channel 6 whose hostapd calls are recorded."""
    ap = softap.HostapdSoftAP("wlan0", bytes(6), lambda detail: None)
    ap._config, ap._run_dir = SoftAPConfig(b"PROV_1", channel=6), "/nonexistent"
    calls = []
    monkeypatch.setattr(ap, "_announce_switch", lambda channel: calls.append(("announce", channel)) or announced)
    monkeypatch.setattr(ap, "_start_hostapd", lambda config: calls.append(("start", config.channel)))
    monkeypatch.setattr(softap, "EventPump", lambda path, on_event: "pump")
    monkeypatch.setattr(softap, "_stop_process", lambda proc: calls.append(("stop", proc)))
    return ap, calls


def test_an_announced_switch_moves_the_softap_without_a_restart(monkeypatch):
    ap, calls = _hostapd_softap(monkeypatch, announced=True)
    ap.follow(1)
    assert calls == [("announce", 1)] and ap.channel == 1


def test_hostapd_is_restarted_on_the_new_channel_when_the_switch_does_not_finish(monkeypatch):
    ap, calls = _hostapd_softap(monkeypatch, announced=False)
    ap.follow(11)
    assert calls == [("announce", 11), ("stop", None), ("start", 11)] and ap._pump == "pump"


def test_the_same_channel_needs_nothing(monkeypatch):
    ap, calls = _hostapd_softap(monkeypatch, announced=True)
    ap.follow(6)
    assert calls == []
