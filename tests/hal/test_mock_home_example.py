"""examples/home.yaml, the demo's radio environment, loads and tells the story it claims."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from hal_mock_envs import SETUP_PASSPHRASE, SETUP_SSID, FakeProvisioner

from hal import ConnectionState, FailureReason, NetworkConfig, Security
from hal.mock import ProvisionerSpec, WifiDriverMock

HOME = pathlib.Path(__file__).resolve().parents[2] / "examples" / "home.yaml"


@pytest.fixture
def home():
    specs = []

    def factory(spec: ProvisionerSpec) -> FakeProvisioner:
        specs.append(spec)
        return FakeProvisioner()

    driver = WifiDriverMock(HOME, provisioner_factory=factory)
    driver.open()
    yield driver, specs
    driver.close()


def saved_networks():
    """The customer's saved networks, from the file's accounts section, in the order the
    DSS offers them: a higher priority first (as in wpa_supplicant)."""
    (customer,) = yaml.safe_load(HOME.read_text(encoding="utf-8"))["customers"]
    return sorted(customer["networks"], key=lambda n: -n["priority"])


def test_the_neighbourhood_has_every_kind_of_network(home):
    driver, _ = home
    results = driver.scan()
    securities = {r.security for r in results}
    assert {Security.WPA2_PSK, Security.WPA3_SAE, Security.WPA2_WPA3, Security.WEP, Security.OPEN} <= securities
    assert any(r.hidden and r.ssid == b"" for r in results)
    assert {r.freq_mhz // 1000 for r in results} == {2, 5}


def test_the_provisioner_key_path_is_relative_to_the_file(home):
    driver, specs = home
    driver.scan(ssids=[SETUP_SSID.encode()])
    (spec,) = specs
    assert spec.cloud_private_key == HOME.parent / "pki" / "cloud" / "private_key.pem"
    assert any(r.ssid == SETUP_SSID.encode() for r in driver.scan_results())


def test_the_saved_networks_fail_then_succeed_as_the_story_says(home):
    driver, _ = home
    seen = {r.ssid for r in driver.scan()}
    in_range = [n for n in saved_networks() if n["ssid"].encode() in seen]
    assert [n["ssid"] for n in saved_networks() if n not in in_range] == ["Grandma"]
    for n in in_range:
        driver.add_network(NetworkConfig(n["ssid"].encode(), Security(n["security"]), n["key"].encode()))
    assert driver.connect(timeout_s=5.0) is ConnectionState.ASSOCIATED
    attempts = driver.connection_attempts()
    assert [(a.ssid, a.failure) for a in attempts] == [
        (b"Smith-Home-5G", FailureReason.WRONG_KEY),
        (b"Smith-Home", None),
    ]


def test_the_setup_network_is_joinable_and_the_cafe_is_a_captive_portal(home):
    driver, _ = home
    driver.add_network(NetworkConfig(b"Cafe Corner Free WiFi", Security.OPEN))
    driver.add_network(NetworkConfig(SETUP_SSID.encode(), Security.WPA_PSK, SETUP_PASSPHRASE.encode(), hidden=True))
    assert driver.connect(timeout_s=5.0) is ConnectionState.ASSOCIATED
    assert [a.failure for a in driver.connection_attempts()] == [FailureReason.CAPTIVE_PORTAL, None]
