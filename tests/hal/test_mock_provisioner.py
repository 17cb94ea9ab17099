"""The mock's provisioner: hosts the encoded hidden setup network for a directed probe."""

from __future__ import annotations

import pytest
from hal_mock_envs import SETUP_PASSPHRASE, SETUP_SSID, FakeProvisioner, ap

from hal import ConnectionState, ConnectivityCheck, FailureReason, NetworkConfig, Security
from hal.errors import EnvironmentConfigError, NetworkUnreachable
from hal.mock import ProvisionerSpec, WifiDriverMock

SETUP = SETUP_SSID.encode()
PROVISIONER_BSSID = bytes.fromhex("02aa00000001")


def setup_config(passphrase: str = SETUP_PASSPHRASE) -> NetworkConfig:
    return NetworkConfig(SETUP, Security.WPA_PSK, passphrase.encode(), hidden=True)


def make(provisioner=None, factory=None, **env: object) -> WifiDriverMock:
    data = {
        "provisioner": {"bssid": "02:aa:00:00:00:01", "channel": 11, "rssi": -38},
        "access_points": [ap("Home", "02:00:00:00:00:01", tcp="internet")],
        **env,
    }
    driver = WifiDriverMock(data, provisioner=provisioner, provisioner_factory=factory, dss_setup_port=18888)
    driver.open()
    return driver


def test_a_directed_probe_brings_up_the_hidden_setup_network():
    provisioner = FakeProvisioner()
    driver = make(provisioner)
    assert all(r.bssid != PROVISIONER_BSSID for r in driver.scan())
    (hosted,) = [r for r in driver.scan(ssids=[SETUP]) if r.bssid == PROVISIONER_BSSID]
    assert (hosted.ssid, hosted.security, hosted.hidden, hosted.channel, hosted.rssi_dbm) == (
        SETUP,
        Security.WPA2_PSK,
        True,
        11,
        -38,
    )
    (beacon,) = [r for r in driver.scan() if r.bssid == PROVISIONER_BSSID]
    assert beacon.ssid == b"" and beacon.hidden
    assert provisioner.asked == [SETUP_SSID]


def test_ssids_it_cannot_decode_host_nothing():
    provisioner = FakeProvisioner()
    driver = make(provisioner)
    results = driver.scan(ssids=[b"SomeoneElsesSetup", b"!garbage", "caf\u00e9\u00ff".encode("latin-1")])
    assert all(r.bssid != PROVISIONER_BSSID for r in results)
    assert provisioner.asked == ["SomeoneElsesSetup", "!garbage"]  # non-ASCII never reaches it


def test_probing_a_static_ap_does_not_ask_the_provisioner():
    provisioner = FakeProvisioner()
    make(provisioner).scan(ssids=[b"Home"])
    assert provisioner.asked == []


def test_joining_the_setup_network_probes_it_without_a_prior_scan():
    driver = make(FakeProvisioner())
    assert driver.add_network(setup_config()) is None
    assert driver.connect(timeout_s=5.0) is ConnectionState.ASSOCIATED
    assert driver.associated_ap.setup_host


def test_the_wrong_setup_passphrase_is_wrong_key():
    driver = make(FakeProvisioner())
    driver.add_network(setup_config("not the derived passphrase"))
    assert driver.connect(timeout_s=5.0) is ConnectionState.FAILED
    assert driver.connection_attempts()[0].failure is FailureReason.WRONG_KEY


def test_a_non_hidden_configuration_does_not_find_the_setup_network():
    driver = make(FakeProvisioner())
    driver.scan(ssids=[SETUP])
    driver.add_network(NetworkConfig(SETUP, Security.WPA_PSK, SETUP_PASSPHRASE.encode(), hidden=False))
    assert driver.connect(timeout_s=5.0) is ConnectionState.FAILED
    assert driver.connection_attempts()[0].failure is FailureReason.AP_NOT_FOUND


def test_the_setup_network_reaches_only_the_dss_setup_port_and_home_never_does():
    driver = make(FakeProvisioner())
    driver.add_network(setup_config())
    check = ConnectivityCheck("localhost", 18888)
    assert driver.connect(timeout_s=5.0, check=check) is ConnectionState.ASSOCIATED
    with pytest.raises(NetworkUnreachable):
        driver.open_tcp_stream("localhost", 8443)
    driver.remove_network(SETUP)
    driver.add_network(NetworkConfig(b"Home", Security.WPA_PSK, b"passphrase1"))
    assert driver.connect(timeout_s=5.0, check=check) is ConnectionState.FAILED
    assert driver.connection_attempts()[-1].failure is FailureReason.LIMITED_CONNECTIVITY
    assert driver.connect(timeout_s=5.0, check=ConnectivityCheck("localhost", 8443)) is ConnectionState.ASSOCIATED


def test_the_factory_is_called_once_at_the_first_probe_with_the_resolved_spec(tmp_path):
    calls = []

    def factory(spec: ProvisionerSpec) -> FakeProvisioner:
        calls.append(spec)
        return FakeProvisioner()

    driver = WifiDriverMock(
        {"provisioner": {"cloud_private_key": "pki/cloud/private_key.pem"}},
        base_dir=tmp_path,
        provisioner_factory=factory,
    )
    driver.open()
    driver.scan()
    assert calls == []
    driver.scan(ssids=[SETUP])
    driver.scan(ssids=[b"other"])
    assert len(calls) == 1 and calls[0].cloud_private_key == tmp_path / "pki/cloud/private_key.pem"


def test_a_plain_callable_works_as_the_provisioner():
    driver = make(lambda ssid: SETUP_PASSPHRASE if ssid == SETUP_SSID else None)
    assert any(r.ssid == SETUP for r in driver.scan(ssids=[SETUP]))


def test_a_provisioner_section_needs_a_provisioner_or_a_factory():
    with pytest.raises(EnvironmentConfigError, match="provisioner"):
        WifiDriverMock({"provisioner": {"cloud_private_key": "k.pem"}})


def test_without_a_provisioner_nothing_is_hosted():
    driver = WifiDriverMock({"access_points": [ap("Home", "02:00:00:00:00:01")]})
    driver.open()
    assert [r.ssid for r in driver.scan(ssids=[SETUP])] == [b"Home"]


def test_a_newly_probed_setup_ssid_replaces_the_hosted_one():
    other = "BBanotherDeviceSetupSSIDxxxxxxxx"
    driver = make(FakeProvisioner({SETUP_SSID: SETUP_PASSPHRASE, other: "another passphrase"}))
    driver.scan(ssids=[SETUP])
    hosted = [r.ssid for r in driver.scan(ssids=[other.encode()]) if r.bssid == PROVISIONER_BSSID]
    assert hosted == [other.encode()]
