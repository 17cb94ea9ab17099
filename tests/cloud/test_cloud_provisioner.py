"""Provisioner emulation: recognise an encoded SSID and derive its passphrase (§7.1)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest
from cloud_spec_vectors import SPEC_12_3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from wss.cloud import Provisioner
from wss.cloud.pki import CloudPKI
from wss.cloud.signing import CloudSigner
from wss.setup_network.encoding import ami_of, encode_ssid


def _spki(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _cloud_key_12_3() -> ec.EllipticCurvePrivateKey:
    key = ec.derive_private_key(SPEC_12_3["cloud_scalar"], ec.SECP256R1())
    assert _spki(key) == SPEC_12_3["cloud_spki"]
    return key


def test_identifies_the_12_3_device_and_derives_its_passphrase() -> None:
    provisioner = Provisioner(_cloud_key_12_3(), [SPEC_12_3["device_spki"]])
    hosted = provisioner.identify(SPEC_12_3["ssid"])
    assert hosted.passphrase == SPEC_12_3["passphrase"]
    assert hosted.identity.public_key_der == SPEC_12_3["device_spki"]
    assert hosted.product_index == b"AbCd" and hosted.control == 0
    assert SPEC_12_3["passphrase"] not in repr(hosted)


def test_raw_ascii_bytes_are_accepted() -> None:
    provisioner = Provisioner(_cloud_key_12_3(), [SPEC_12_3["device_spki"]])
    assert provisioner.identify(SPEC_12_3["ssid"].encode()).passphrase == SPEC_12_3["passphrase"]


def test_unknown_device_and_malformed_ssid() -> None:
    provisioner = Provisioner(_cloud_key_12_3(), [])
    with pytest.raises(LookupError, match="no known device"):
        provisioner.identify(SPEC_12_3["ssid"])
    assert provisioner.recognise(SPEC_12_3["ssid"]) is None
    assert provisioner.recognise("HomeNet") is None
    assert provisioner.recognise(b"\xff" * 32) is None


def _device_side(pki_device, cloud_public: ec.EllipticCurvePublicKey, index: bytes, nonce: bytes):
    """What the device computes (with cryptography, independently of wss.cloud)."""
    key = load_pem_private_key(pki_device.private_key.read_bytes(), None)
    ssid = encode_ssid(ami_of(hashlib.sha256(_spki(key)).digest()), index, nonce)
    k = hashlib.sha256(key.exchange(ec.ECDH(), cloud_public)).digest()
    return ssid, base64.b64encode(hmac.new(k, nonce, hashlib.sha256).digest()).decode()


def test_from_pki_hosts_every_device_of_the_directory(pki) -> None:
    cloud = load_pem_private_key(pki.cloud_private_key.read_bytes(), None).public_key()
    provisioner = Provisioner.from_pki(pki.folder)
    for device in (pki.device, pki.devices[0], pki.devices[-1]):
        ssid, passphrase = _device_side(device, cloud, pki.product_index.encode(), os.urandom(12))
        hosted = provisioner.identify(ssid)
        assert hosted.passphrase == passphrase
        assert hosted.identity.serial == device.serial


def test_from_pki_with_accounts_hosts_only_associated_devices(pki) -> None:
    accounts = {"customers": [{"id": "c", "devices": [{"serial": pki.devices[1].serial}], "networks": []}]}
    cloud = load_pem_private_key(pki.cloud_private_key.read_bytes(), None).public_key()
    provisioner = Provisioner.from_pki(pki.folder, accounts)
    nonce = os.urandom(12)
    ssid, passphrase = _device_side(pki.devices[1], cloud, b"AbCd", nonce)
    assert provisioner.identify(ssid).passphrase == passphrase
    other, _ = _device_side(pki.devices[2], cloud, b"AbCd", nonce)
    assert provisioner.recognise(other) is None


def test_from_pki_adds_devices_given_by_public_key_in_accounts(pki) -> None:
    accounts = {"customers": [{"id": "c", "networks": [], "devices": [{"public_key": SPEC_12_3["device_spki"].hex()}]}]}
    provisioner = Provisioner.from_pki(pki.folder, accounts)
    # the 12.3 device is known now, but its passphrase uses this PKI's cloud key
    cloud = CloudPKI(pki.folder).cloud_keys()[None]
    hosted = provisioner.identify(SPEC_12_3["ssid"])
    k = hashlib.sha256(
        cloud.exchange(
            ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), SPEC_12_3["device_spki"][-65:])
        )
    ).digest()
    expected = base64.b64encode(hmac.new(k, SPEC_12_3["nonce"], hashlib.sha256).digest()).decode()
    assert hosted.passphrase == expected


def test_signer_signature_verifies_and_the_12_3_signature_is_accepted() -> None:
    key = _cloud_key_12_3()
    signer = CloudSigner({None: key})
    body = SPEC_12_3["signed_body"]
    public = key.public_key()
    public.verify(base64.b64decode(signer.sign(body)), body, ec.ECDSA(hashes.SHA256()))
    public.verify(base64.b64decode(SPEC_12_3["signature_header"]), body, ec.ECDSA(hashes.SHA256()))
    assert signer.public_key_der("ANY_TYPE") == SPEC_12_3["cloud_spki"]


def test_from_files_accepts_folders_certificates_and_public_keys(pki, tmp_path) -> None:
    cloud = load_pem_private_key(pki.cloud_private_key.read_bytes(), None).public_key()
    key_file = tmp_path / "device5.pub.pem"
    device5 = load_pem_private_key(pki.devices[5].private_key.read_bytes(), None)
    key_file.write_bytes(
        device5.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    provisioner = Provisioner.from_files(
        pki.cloud_private_key, [pki.device.folder, pki.devices[4].certificate, key_file]
    )
    for device in (pki.device, pki.devices[4], pki.devices[5]):
        ssid, passphrase = _device_side(device, cloud, b"AbCd", os.urandom(12))
        assert provisioner.passphrase_for(ssid) == passphrase
    other, _ = _device_side(pki.devices[6], cloud, b"AbCd", os.urandom(12))
    assert provisioner.passphrase_for(other) is None
    assert provisioner.passphrase_for("HomeNet") is None


def test_from_files_names_a_bad_file(pki, tmp_path) -> None:
    from wss.errors import ConfigError

    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"-----BEGIN NOTHING-----\n")
    with pytest.raises(ConfigError, match="junk.pem"):
        Provisioner.from_files(pki.cloud_private_key, [junk])
