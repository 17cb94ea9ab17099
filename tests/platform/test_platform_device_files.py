"""A device's credential files, checked before anything runs: one error naming the file
and the real cause (wss.platform.device_files.load_credentials), and the platform's
deadlines (DevicePolicy)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from hal.mock import WifiDriverMock
from wss.errors import ConfigError
from wss.http import HTTPLimits
from wss.mfg.dev_pki import create_dev_pki
from wss.platform.device import DevicePolicy
from wss.platform.device_files import DeviceFiles, load_credentials
from wss.provisioning import provision
from wss.store import ProvisioneeStore


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return create_dev_pki(tmp_path_factory.mktemp("files") / "pki", product_index="Xy12")


@pytest.fixture
def files(pki):
    return DeviceFiles.from_pki(pki.folder)


def _pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_the_files_of_a_dev_pki_load(files):
    loaded = load_credentials(files, tls_timeout_s=3)
    assert loaded.product_index == "Xy12" and len(loaded.cloud_public_key_der) == 91
    assert loaded.tls_config.read_timeout_s == 3 and loaded.tls_config.chain_length >= 2


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("device_chain", b"", "the device certificate chain holds no PEM certificate"),
        ("dss_ca", b"\xff\xfe not text", "the DSS trust anchors holds no PEM certificate"),
        (
            "dss_ca",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "holds a certificate that does not parse",
        ),
        ("device_key", _pem(ed25519.Ed25519PrivateKey.generate()), "only P-256 EC keys are supported"),
        ("device_key", _pem(ec.generate_private_key(ec.SECP384R1())), "not an EC key on P-256"),
        ("device_key", _pem(ec.generate_private_key(ec.SECP256R1())), "does not belong to the first certificate"),
        ("cloud_public_key", _pem(ec.generate_private_key(ec.SECP256R1())), "holds a private key, not a PUBLIC KEY"),
    ],
)
def test_a_bad_file_is_named_with_its_real_cause(files, tmp_path, name, content, words):
    bad = tmp_path / "bad.pem"
    bad.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_credentials(replace(files, **{name: bad}))
    assert str(bad) in str(caught.value) and words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_chain_of_more_than_5_certificates_is_named(files, tmp_path):
    long = tmp_path / "long.pem"
    chain = files.device_chain.read_bytes()
    long.write_bytes(chain * 2)
    count = 2 * chain.count(b"-----BEGIN CERTIFICATE-----")
    with pytest.raises(ConfigError, match=rf"long\.pem: {count} certificates; a device chain holds 1 to 5"):
        load_credentials(replace(files, device_chain=long))


def test_a_huge_file_is_refused_without_reading_it_all(files, tmp_path):
    huge = tmp_path / "huge.pem"
    huge.write_bytes(b"x" * (1024 * 1024 + 1))
    with pytest.raises(ConfigError, match="larger than 1048576 bytes"):
        load_credentials(replace(files, dss_ca=huge))


def test_a_product_index_file_is_never_quoted(files, pki):
    with pytest.raises(ConfigError) as caught:
        load_credentials(replace(files, product_index=pki.device.private_key))
    assert "holds no product index" in str(caught.value) and "PRIVATE" not in str(caught.value)


def test_provision_checks_ports_and_files_before_touching_driver_or_store(files, tmp_path):
    store = ProvisioneeStore.open(str(tmp_path / "store.json"))
    driver = WifiDriverMock({"access_points": []})
    with pytest.raises(ValueError, match="setup_network_port"):
        provision(driver, files, store, setup_port=0)
    with pytest.raises(ConfigError):
        provision(driver, replace(files, device_chain=tmp_path / "missing.pem"), store)
    assert not driver.is_open
    assert not (tmp_path / "store.json").exists()


def test_the_policy_carries_the_dss_deadlines_to_the_http_limits():
    limits = DevicePolicy(dss_response_deadline_s=5, dss_operation_deadline_s=9).http_limits()
    assert (limits.response_deadline_s, limits.operation_deadline_s) == (5, 9)
    assert limits.max_body_bytes == HTTPLimits().max_body_bytes


@pytest.mark.parametrize("field", ["dss_response_deadline_s", "dss_operation_deadline_s", "scan_timeout_s"])
@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf")])
def test_the_policy_refuses_nonsense(field, value):
    with pytest.raises(ValueError, match=field):
        DevicePolicy(**{field: value})
