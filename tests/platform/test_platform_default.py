"""DefaultCompat without a DSS: configuration values, policy, setup networks, store checkpoints."""

from __future__ import annotations

import base64
import json

import pytest

from hal.mock import WifiDriverMock
from hal.types import Capabilities, ScanResult, Security
from wss import crypto
from wss.compat import (
    C_NAMES,
    Compat,
    ConfigKey,
    FfsResult,
    ProvisioneeState,
    RegistrationRequest,
    RegistrationState,
    SecurityProtocol,
    WifiConfiguration,
)
from wss.mfg.dev_pki import create_dev_pki
from wss.platform.default import DefaultCompat
from wss.platform.device import DevicePolicy
from wss.platform.device_files import DeviceFiles, build_default_compat
from wss.provisioning import compute_encoded_network
from wss.setup_network import is_encoded_setup_ssid
from wss.store import ProvisioneeStore

AIR = {
    "access_points": [
        {
            "ssid": "Home",
            "bssid": "02:00:00:00:00:01",
            "channel": 6,
            "rssi": -40,
            "security": "WPA2_PSK",
            "passphrase": "home password",
        },
        {"ssid": "Cafe", "bssid": "02:00:00:00:00:02", "channel": 1, "rssi": -60, "security": "OPEN"},
    ]
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return create_dev_pki(tmp_path_factory.mktemp("compat") / "pki", product_index="Xy12")


@pytest.fixture
def compat(pki, tmp_path):
    driver = WifiDriverMock(AIR)
    driver.open()
    store = ProvisioneeStore.open(str(tmp_path / "store.json"))
    made = build_default_compat(
        driver,
        DeviceFiles.from_pki(pki.folder),
        store,
        dss_host="dss.test",
        dss_port=8443,
        pin="12345678",
        ble_device_name="Lamp",
    )
    yield made
    made.close()
    driver.close()


def test_it_implements_the_whole_contract(compat):
    assert isinstance(compat, Compat) and not DefaultCompat.__abstractmethods__
    assert all(callable(getattr(compat, name)) for name in C_NAMES.values())


def test_device_values_come_from_the_files_and_cannot_be_overwritten(compat, pki):
    spki = crypto.PrivateKey.from_pem(pki.device.private_key.read_bytes()).public_key_der()
    assert compat.ffs_get_configuration_value(ConfigKey.DEVICE_EC_PUBLIC_KEY_DER) == (FfsResult.SUCCESS, spki)
    assert compat.ffs_get_configuration_value(ConfigKey.PRODUCT_INDEX) == (FfsResult.SUCCESS, "Xy12")
    assert compat.ffs_get_configuration_value(ConfigKey.SERIAL_NUMBER) == (FfsResult.SUCCESS, pki.device.serial)
    assert compat.ffs_get_configuration_value(ConfigKey.DSS_PORT) == (FfsResult.SUCCESS, 8443)
    assert compat.ffs_get_configuration_value(ConfigKey.CPU_ID) == (FfsResult.NOT_IMPLEMENTED, None)
    assert compat.ffs_set_configuration_value(ConfigKey.PRODUCT_INDEX, "Evil") is FfsResult.NOT_IMPLEMENTED
    assert compat.ffs_set_configuration_value(ConfigKey.MARKETPLACE, "ATVPDKIKX0DER") is FfsResult.SUCCESS
    assert compat.ffs_set_configuration_value(ConfigKey.DSS_HOST, "moved.test") is FfsResult.SUCCESS
    assert compat.ffs_get_configuration_value(ConfigKey.DSS_HOST) == (FfsResult.SUCCESS, "moved.test")


def test_registration_details_follow_the_token(compat):
    assert compat.ffs_get_registration_details().state is RegistrationState.NOT_REGISTERED
    assert compat.ffs_get_registration_token() == (FfsResult.NOT_IMPLEMENTED, None)
    compat.ffs_set_registration_token(RegistrationRequest(b"token", 99))
    assert compat.ffs_get_registration_details().state is RegistrationState.COMPLETE
    assert compat.ffs_get_registration_token() == (FfsResult.SUCCESS, b"token")


def test_the_fallback_setup_network_is_not_implemented_unless_configured(compat):
    assert compat.ffs_get_setup_network_configuration() == (FfsResult.NOT_IMPLEMENTED, None)


def test_crypto_rows_match_the_setup_network_vector_chain(compat, pki):
    """ECDH key of row 5 = SHA-256 of the raw shared secret: the passphrase must agree."""
    key = crypto.PrivateKey.from_pem(pki.device.private_key.read_bytes())
    cloud = compat.cloud_public_key_der
    network = compute_encoded_network(key, cloud, "Xy12", bytes(12))
    mac = compat.ffs_compute_hmac_sha256(compat.ffs_compute_ecdh_key(cloud), bytes(12))
    assert network.passphrase == base64.b64encode(mac)
    assert is_encoded_setup_ssid(network.ssid, compat.ffs_sha256(key.public_key_der()))
    assert not is_encoded_setup_ssid(network.ssid, compat.ffs_sha256(cloud))
    assert len(compat.ffs_random_bytes(12)) == 12


def test_the_cloud_signature_row_accepts_exactly_what_the_cloud_key_signed(compat, pki):
    """ffsVerifyCloudSignature (protocol §3.1 row 11, §8.2) of the real platform: the exact body
    bytes, the device type's cloud key, strict DER; every other case is a plain False."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    cloud = serialization.load_pem_private_key(pki.cloud_private_key.read_bytes(), None)
    body = b'{"canProceed":true,"nonce":"T3stT3stT3stT3s"}'
    signature = cloud.sign(body, ec.ECDSA(hashes.SHA256()))
    assert compat.ffs_verify_cloud_signature(body, signature) is True
    assert compat.ffs_verify_cloud_signature(body + b"\n", signature) is False  # one byte more
    assert compat.ffs_verify_cloud_signature(body.replace(b"true", b"fals"), signature) is False
    stranger = ec.generate_private_key(ec.SECP256R1()).sign(body, ec.ECDSA(hashes.SHA256()))
    assert compat.ffs_verify_cloud_signature(body, stranger) is False  # another key
    assert compat.ffs_verify_cloud_signature(body, signature[:-1]) is False  # truncated DER
    assert compat.ffs_verify_cloud_signature(body, b"") is False


def test_scan_posts_only_what_the_policy_keeps_and_stops_when_exhausted(compat):
    assert compat.ffs_wifi_provisionee_can_post_wifi_scan_data(1, 0, False)
    results = []
    while (result := compat.ffs_get_wifi_scan_result()) is not None:
        results.append(result)
    assert [(r.ssid, r.security, r.frequency_band) for r in results] == [(b"Home", SecurityProtocol.WPA_PSK, 6)]
    assert compat.seen_ssids == {b"Home", b"Cafe"}
    assert not compat.ffs_wifi_provisionee_can_post_wifi_scan_data(2, 0, False)
    assert compat.ffs_wifi_provisionee_can_get_wifi_credentials(1, False)
    assert not compat.ffs_wifi_provisionee_can_get_wifi_credentials(2, True)


def test_policy_keeps_joinable_named_networks_only():
    caps = Capabilities(wpa3=False, wep=True, band_5ghz=False)

    def result(security, ssid=b"n", freq=2437):
        return ScanResult(ssid, b"\x02" * 6, freq, 6, -50, security)

    default, permissive = DevicePolicy(), DevicePolicy.permissive()
    assert default.keeps(result(Security.WPA2_PSK), caps) and default.keeps(result(Security.WPA2_WPA3), caps)
    assert not default.keeps(result(Security.WPA3_SAE), caps)  # no SAE on this radio
    assert not default.keeps(result(Security.WPA2_PSK, freq=5180), caps)  # no 5 GHz
    assert not default.keeps(result(Security.WPA2_PSK, ssid=b""), caps)  # hidden
    assert not default.keeps(result(Security.WEP), caps) and permissive.keeps(result(Security.WEP), caps)
    assert not default.keeps(result(Security.OPEN), caps) and permissive.keeps(result(Security.OPEN), caps)
    assert not permissive.keeps(result(Security.ENTERPRISE), caps)


def test_the_store_is_written_at_transitions_that_carry_durable_data(compat, tmp_path):
    path = tmp_path / "store.json"

    def on_disk():
        return json.loads(path.read_text())

    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.NOT_PROVISIONED)
    assert on_disk()["state"] == "NOT_PROVISIONED"  # task start: always written
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.CONNECTING_TO_SETUP_NETWORK)
    assert on_disk()["state"] == "NOT_PROVISIONED"  # only the state changed: not yet
    compat.ffs_add_wifi_configuration(WifiConfiguration(b"Setup", SecurityProtocol.NONE, is_hidden=True))
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.START_PROVISIONING)
    assert on_disk()["state"] == "NOT_PROVISIONED"  # a setup network is transient
    compat.ffs_set_configuration_value(ConfigKey.MARKETPLACE, "ATVPDKIKX0DER")
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.COMPUTE_CONFIGURATION)
    assert on_disk()["state"] == "COMPUTE_CONFIGURATION" and ConfigKey.MARKETPLACE in on_disk()["configuration"]
    assert len(on_disk()["networks"]) == 1  # what was pending goes with it
    compat.ffs_add_wifi_configuration(WifiConfiguration(b"Home", SecurityProtocol.WPA_PSK, b"home password"))
    assert len(on_disk()["networks"]) == 1  # changes wait for the transition
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.CONNECTING_TO_USER_NETWORK)
    assert [n["ssid"] for n in on_disk()["networks"]] == [b"Setup".hex(), b"Home".hex()]
    compat.ffs_remove_wifi_configuration(b"Setup")
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.CONNECTED_TO_USER_NETWORK)
    assert len(on_disk()["networks"]) == 2  # leaving the setup network is not worth a write
    compat.finish(joined_home_network=True)  # the last state, the mode and what was pending
    stored = on_disk()
    assert stored["state"] == "CONNECTED_TO_USER_NETWORK" and stored["softap_mode"] is False
    assert [n["ssid"] for n in stored["networks"]] == [b"Home".hex()]


def test_setup_networks_are_tried_before_user_networks(compat):
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.CONNECTING_TO_USER_NETWORK)
    compat.ffs_add_wifi_configuration(WifiConfiguration(b"Home", SecurityProtocol.WPA_PSK, b"home password"))
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.NOT_PROVISIONED)  # a new run forgets it
    assert compat.bridge.configured_networks() == () and compat.store.networks == ()
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.CONNECTING_TO_SETUP_NETWORK)
    compat.ffs_add_wifi_configuration(WifiConfiguration(b"Cafe", SecurityProtocol.NONE, is_hidden=True))
    compat.ffs_set_wifi_provisionee_state(ProvisioneeState.CONNECTING_TO_USER_NETWORK)
    compat.ffs_add_wifi_configuration(WifiConfiguration(b"Home", SecurityProtocol.WPA_PSK, b"home password"))
    compat.ffs_add_wifi_configuration(WifiConfiguration(b"Cafe", SecurityProtocol.NONE, is_hidden=True))
    assert [n.ssid for n in compat.bridge.configured_networks()] == [b"Cafe", b"Cafe", b"Home"]


def test_the_kill_switch_and_a_disabled_wss_stop_the_task(pki, tmp_path):
    stop = {"now": False}
    with WifiDriverMock(AIR) as driver:
        store = ProvisioneeStore.open(str(tmp_path / "s.json"))
        compat = build_default_compat(
            driver, DeviceFiles.from_pki(pki.folder), store, kill_switch=lambda: not stop["now"]
        )
        assert compat.ffs_wifi_provisionee_can_proceed()
        stop["now"] = True
        assert not compat.ffs_wifi_provisionee_can_proceed()
        stop["now"] = False
        store.fall_back_to_softap()
        assert not compat.ffs_wifi_provisionee_can_proceed()
