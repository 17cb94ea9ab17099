"""Where the nl80211 driver looks for a network before joining it (``_join_plans``), on the host.

A network the last scan named is looked for on its channels; a hidden one not yet seen
(the encoded setup network appears only after the provisioner heard the probe, protocol
§7.1, on 2.4 GHz) on channels 1/6/11, then the whole 2.4 GHz band, before every channel.
"""

from __future__ import annotations

from hal import NetworkConfig, ScanResult, Security
from hal.nl80211.driver import WifiDriverNl80211

BAND_2G4 = tuple(range(2412, 2473, 5))
BAND_5G = (5180, 5200, 5220, 5240, 5745)


def driver(freqs=BAND_2G4 + BAND_5G, scan_freqs_mhz=None, heard=()):
    made = WifiDriverNl80211("wlan0", scan_freqs_mhz=scan_freqs_mhz)
    made._freqs_mhz = tuple(freqs)
    made._scan_completed(list(heard))
    return made


def net(ssid=b"Setup", hidden=True):
    return NetworkConfig(ssid, Security.WPA2_PSK, b"a passphrase", hidden=hidden)


def heard(ssid, freq):
    return ScanResult(ssid, bytes([2, 0, 0, 0, 0, freq % 256]), freq, 1, -50, Security.WPA2_PSK)


def test_a_hidden_network_not_seen_is_looked_for_on_2g4_first():
    plans = driver()._join_plans(net())
    assert plans == [((2412, 2437, 2462), 1), (BAND_2G4, WifiDriverNl80211.HIDDEN_SCANS), (None, 1)]


def test_a_network_the_scan_named_is_looked_for_where_it_was_heard():
    plans = driver(heard=[heard(b"Setup", 2437), heard(b"Other", 2412)])._join_plans(net())
    hidden = WifiDriverNl80211.HIDDEN_SCANS
    assert plans == [((2437,), hidden), (None, hidden)]


def test_a_visible_network_not_seen_gets_one_scan_of_every_channel():
    assert driver()._join_plans(net(b"Home", hidden=False)) == [(None, 1)]


def test_a_2g4_only_radio_does_not_scan_the_same_band_twice():
    plans = driver(freqs=BAND_2G4)._join_plans(net())
    assert plans == [((2412, 2437, 2462), 1), (None, 1)]


def test_configured_channels_bound_every_plan():
    plans = driver(scan_freqs_mhz=(2412, 2437, 5180))._join_plans(net())
    assert plans == [((2412, 2437), WifiDriverNl80211.HIDDEN_SCANS), ((2412, 2437, 5180), 1)]
