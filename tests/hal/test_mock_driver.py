"""Mock-only behaviour: capability overrides and the key forms a real AP accepts."""

from __future__ import annotations

import hashlib

import pytest
from hal_mock_envs import ap

from hal import ConnectionState, FailureReason, NetworkConfig, Security, SoftAPConfig
from hal.errors import DriverNotSupported, InvalidArgument
from hal.mock import WifiDriverMock

AIR = [
    ap("Wpa2", "02:00:00:00:00:01", passphrase="correct horse"),
    ap("Sae", "02:00:00:00:00:02", security="WPA3_SAE", passphrase="sae words here"),
    ap("Mixed", "02:00:00:00:00:03", security="WPA2_WPA3", passphrase="mixed words"),
    ap("Wep", "02:00:00:00:00:04", security="WEP", passphrase="abcde"),
    ap("Five", "02:00:00:00:00:05", channel=149, passphrase="five ghz words"),
    ap("Corp", "02:00:00:00:00:06", security="ENTERPRISE"),
]


def make(**caps: object) -> WifiDriverMock:
    driver = WifiDriverMock({"access_points": AIR}, capabilities=caps)
    driver.open()
    return driver


def outcome(driver: WifiDriverMock, config: NetworkConfig):
    driver.clear_connection_attempts()
    for n in driver.networks():
        driver.remove_network(n.ssid)
    driver.add_network(config)
    driver.connect(timeout_s=5.0)
    return driver.connection_attempts()[-1].failure


def test_a_raw_psk_in_hex_opens_a_wpa2_ap_but_not_an_sae_only_one():
    driver = make()
    pmk = hashlib.pbkdf2_hmac("sha1", b"correct horse", b"Wpa2", 4096, 32).hex().encode()
    assert outcome(driver, NetworkConfig(b"Wpa2", Security.WPA_PSK, pmk.upper())) is None
    sae_pmk = hashlib.pbkdf2_hmac("sha1", b"sae words here", b"Sae", 4096, 32).hex().encode()
    assert outcome(driver, NetworkConfig(b"Sae", Security.WPA_PSK, sae_pmk)) is FailureReason.WRONG_KEY


def test_a_wep_key_may_be_given_as_text_or_hex():
    driver = make()
    assert outcome(driver, NetworkConfig(b"Wep", Security.WEP, b"6162636465")) is None
    assert outcome(driver, NetworkConfig(b"Wep", Security.WEP, b"abcdf")) is FailureReason.WRONG_KEY


def test_security_mismatch_is_ap_not_found():
    driver = make()
    assert outcome(driver, NetworkConfig(b"Wpa2", Security.OPEN)) is FailureReason.AP_NOT_FOUND
    assert outcome(driver, NetworkConfig(b"Corp", Security.WPA_PSK, b"whatever1")) is FailureReason.AP_NOT_FOUND


def test_without_wpa3_only_the_transition_network_is_joinable():
    driver = make(wpa3=False)
    assert outcome(driver, NetworkConfig(b"Sae", Security.WPA_PSK, b"sae words here")) is FailureReason.AP_NOT_FOUND
    assert outcome(driver, NetworkConfig(b"Mixed", Security.WPA_PSK, b"mixed words")) is None
    assert driver.connection_state() is ConnectionState.ASSOCIATED


def test_without_wep_a_wep_ap_is_not_joinable():
    assert outcome(make(wep=False), NetworkConfig(b"Wep", Security.WEP, b"abcde")) is FailureReason.AP_NOT_FOUND


def test_a_2ghz_only_chip_neither_sees_nor_joins_5ghz():
    driver = make(band_5ghz=False)
    assert b"Five" not in [r.ssid for r in driver.scan()]
    assert outcome(driver, NetworkConfig(b"Five", Security.WPA_PSK, b"five ghz words")) is FailureReason.AP_NOT_FOUND
    assert b"Five" in [r.ssid for r in make().scan()]


def test_no_directed_scan_and_no_softap_are_refused():
    driver = make(directed_scan=False, max_scan_ssids=0, softap=False)
    with pytest.raises(DriverNotSupported):
        driver.scan(ssids=[b"hidden"])
    with pytest.raises(DriverNotSupported):
        driver.start_softap(SoftAPConfig(b"Setup"))


def test_unknown_capabilities_are_refused():
    with pytest.raises(InvalidArgument):
        WifiDriverMock({}, capabilities={"teleport": True})


def test_softap_is_recorded_while_it_runs():
    driver = make()
    config = SoftAPConfig(b"Device-1234", Security.WPA2_PSK, b"softap words")
    driver.start_softap(config)
    assert driver.softap == config
    driver.stop_softap()
    assert driver.softap is None
