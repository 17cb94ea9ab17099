"""The freshness rule of the posted scan, where DefaultCompat enforces it.

postWifiScanData posts only networks the device heard within ``DevicePolicy.scan_reuse_s``
seconds (25 s by default) of posting, the age counted from the moment the scan *started*:
a younger scan (the one taken while looking for the setup network) is reused, an older one
is replaced by a new scan, so a network that left the air since is not posted.

The mock radio runs on a manual clock shared with the compat layer, so no test sleeps.
"""

from __future__ import annotations

import pytest

from hal import DriverEvent
from hal.mock import ManualClock, WifiDriverMock
from wss.compat import ProvisioneeState, SecurityProtocol, WifiConfiguration
from wss.errors import WssError
from wss.mfg.dev_pki import create_dev_pki
from wss.platform.device import DevicePolicy
from wss.platform.device_files import DeviceFiles, build_default_compat
from wss.store import ProvisioneeStore


def _ap(ssid, last_octet, channel, **extra):
    return {
        "ssid": ssid,
        "bssid": f"02:00:00:00:00:0{last_octet}",
        "channel": channel,
        "rssi": -50,
        "security": "WPA2_PSK",
        "passphrase": "a passphrase",
        **extra,
    }


#: Home stays; Neighbour leaves the air 10 s after the driver opened; a hidden setup AP.
AIR = {
    "access_points": [
        _ap("Home", 1, 6),
        _ap("Neighbour", 2, 11),
        _ap("simple_setup", 3, 1, hidden=True),
    ],
    "faults": [{"type": "ap_vanishes", "ssid": "Neighbour", "after_s": 10}],
}
SETUP = WifiConfiguration(b"simple_setup", SecurityProtocol.WPA_PSK, b"a passphrase", is_hidden=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return create_dev_pki(tmp_path_factory.mktemp("reuse") / "pki", product_index="Xy12")


@pytest.fixture
def make(pki, tmp_path):
    made = []

    def build(scan_time_s=0.0, **policy):
        clock = ManualClock(100.0)
        driver = WifiDriverMock(AIR, clock=clock, scan_time_s=scan_time_s)
        driver.open()
        store = ProvisioneeStore.open(str(tmp_path / f"store-{len(made)}.json"))
        compat = build_default_compat(
            driver,
            DeviceFiles.from_pki(pki.folder),
            store,
            dss_host="dss.test",
            policy=DevicePolicy(**policy),
            clock=clock.monotonic,
        )
        made.append((compat, driver))
        return compat, driver, clock

    yield build
    for compat, driver in made:
        compat.close()
        driver.close()


def scans(driver):
    return driver.event_count(DriverEvent.SCAN_DONE)


def posted(compat):
    """Post every page (the hook sequence of handle_post_wifi_scan_data); the SSIDs."""
    out = []
    sequence_number = 1
    while compat.ffs_wifi_provisionee_can_post_wifi_scan_data(sequence_number, 0, False):
        while (result := compat.ffs_get_wifi_scan_result()) is not None:
            out.append(result.ssid)
        sequence_number += 1
    return out


def join_setup_network(compat):
    """What CONNECTING_TO_SETUP_NETWORK asks of the compat layer (protocol §7.2)."""
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.NOT_PROVISIONED)
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.CONNECTING_TO_SETUP_NETWORK)
    compat.ffs_add_wifi_configuration(SETUP)
    compat.ffs_connect_to_wifi()


def test_a_scan_younger_than_the_window_is_reused(make):
    compat, driver, clock = make()
    compat.scan()
    clock.advance(24.9)
    assert sorted(posted(compat)) == [b"Home", b"Neighbour"]
    assert scans(driver) == 1


def test_an_older_scan_is_not_reused_and_a_network_that_vanished_is_not_posted(make):
    compat, driver, clock = make()
    compat.scan()
    assert b"Neighbour" in compat.seen_ssids
    clock.advance(25.1)  # Neighbour left the air at 10 s
    assert posted(compat) == [b"Home"]
    assert scans(driver) == 2
    assert b"Neighbour" not in compat.seen_ssids


def test_the_age_counts_from_the_start_of_the_scan(make):
    # a 5 s scan that started 26 s ago ended 21 s ago: still too old
    compat, driver, clock = make(scan_time_s=5.0)
    compat.scan()
    clock.advance(21.0)
    posted(compat)
    assert scans(driver) == 2


def test_a_window_of_zero_always_scans_again(make):
    compat, driver, _clock = make(scan_reuse_s=0)
    compat.scan()
    posted(compat)
    assert scans(driver) == 2


def test_each_post_takes_a_fresh_look_at_the_list_not_the_last_pages_position(make):
    compat, driver, _clock = make()
    compat.scan()
    assert len(posted(compat)) == 2
    assert len(posted(compat)) == 2  # a second postWifiScanData loop posts it all again
    assert scans(driver) == 1


def test_joining_the_setup_network_probes_for_it_and_that_scan_is_posted(make):
    compat, driver, clock = make()
    join_setup_network(compat)
    assert scans(driver) == 1
    heard = {r.ssid for r in driver.scan_results()}
    assert b"simple_setup" in heard  # the hidden setup SSID was probed by name
    assert compat.ffs_get_wifi_connection_details().ssid == b"simple_setup"
    clock.advance(5.0)
    assert sorted(posted(compat)) == [b"Home", b"Neighbour"]  # never the setup network
    assert scans(driver) == 1


def test_a_fresh_scan_is_not_repeated_before_a_setup_join(make):
    compat, driver, clock = make()
    join_setup_network(compat)
    clock.advance(10.0)
    compat.ffs_connect_to_wifi()  # e.g. the fallback network after the encoded one failed
    assert scans(driver) == 1
    clock.advance(15.1)  # the first scan is now too old: the next setup join scans again
    compat.ffs_connect_to_wifi()
    assert scans(driver) == 2


def test_a_failed_scan_is_not_reused(make):
    compat, driver, _clock = make()
    compat.scan()
    driver.close()  # the radio goes away: the next scan fails
    with pytest.raises(WssError):
        compat.scan()
    assert compat.scan_age_s() is None


def test_joining_a_user_network_does_not_scan_first(make):
    compat, driver, _clock = make()
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.NOT_PROVISIONED)
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.CONNECTING_TO_USER_NETWORK)
    compat.ffs_add_wifi_configuration(WifiConfiguration(b"Home", SecurityProtocol.WPA_PSK, b"a passphrase"))
    compat.ffs_connect_to_wifi()
    assert scans(driver) == 0


@pytest.mark.parametrize("value", [-1, float("inf"), float("nan"), True, "30"])
def test_the_policy_refuses_a_window_that_is_not_a_number_of_seconds(value):
    with pytest.raises(ValueError, match="scan_reuse_s"):
        DevicePolicy(scan_reuse_s=value)
