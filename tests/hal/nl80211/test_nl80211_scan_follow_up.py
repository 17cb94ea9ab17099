"""Which channels the nl80211 driver listens on after an active scan, on the host.

A passive follow-up (about 110 ms a channel, longer than a beacon interval) goes to
channels 1, 6 and 11 when the scan covered them (a probe response later than the active
dwell would cost the home network its place in postWifiScanData), and to any channel where
a hidden AP answered a probe by name but no beacon was heard.
"""

from __future__ import annotations

from hal.nl80211.bss import BssEntry
from hal.nl80211.driver import WifiDriverNl80211

BAND_2G4 = tuple(range(2412, 2473, 5))
BAND_5G = (5180, 5200, 5745)


def driver(freqs=BAND_2G4 + BAND_5G, scan_freqs_mhz=None):
    made = WifiDriverNl80211("wlan0", scan_freqs_mhz=scan_freqs_mhz)
    made._freqs_mhz = tuple(freqs)
    return made


def entry(freq, ssid=b"Net", beacon=True):
    ies = bytes([0, len(ssid)]) + ssid
    return BssEntry(bytes(6), freq, -5000, None, 0x11, ies, ies if beacon else None, not beacon, None, 10)


def test_channels_1_6_11_are_listened_to_whatever_the_active_scan_heard():
    assert driver()._listen_again_mhz([], frozenset()) == (2412, 2437, 2462)
    heard = [entry(f) for f in (2412, 2437, 2462, 5180)]
    assert driver()._listen_again_mhz(heard, frozenset()) == (2412, 2437, 2462)


def test_other_channels_are_left_alone():
    assert driver()._listen_again_mhz([entry(2417), entry(5180)], frozenset()) == (2412, 2437, 2462)


def test_only_scanned_channels_are_listened_to():
    assert driver(scan_freqs_mhz=(2437, 5180))._listen_again_mhz([entry(5180)], frozenset()) == (2437,)
    assert driver(freqs=BAND_5G)._listen_again_mhz([], frozenset()) == ()


def test_a_hidden_ap_that_answered_by_name_without_a_beacon_is_listened_to():
    heard = [entry(2452, b"Setup", beacon=False)]
    assert driver()._listen_again_mhz(heard, frozenset({b"Setup"})) == (2412, 2437, 2452, 2462)
    assert driver(scan_freqs_mhz=(2452,))._listen_again_mhz(heard, frozenset({b"Setup"})) == (2452,)
    assert driver(scan_freqs_mhz=(2452,))._listen_again_mhz(heard, frozenset()) == ()  # not asked for by name
