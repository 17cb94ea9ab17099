"""Protocol §12.1 and §12.3 vectors that need only the primitives: the setup-network
passphrase chain (ECDH → SHA-256 → HMAC-SHA256 → base64), the hashed PIN and the
RFC 6979 DSS response signature. Values come from tests/vectors/wss_protocol_vectors.json."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from vector_files import load_json

from wss import crypto

VECTORS = load_json("wss_protocol_vectors.json")
SDK = VECTORS["sdk_unit_tests"]
OWN = VECTORS["self_contained"]


def _key(scalar_hex: str) -> crypto.PrivateKey:
    pyca = ec.derive_private_key(int(scalar_hex, 16), ec.SECP256R1())
    return crypto.PrivateKey.from_der(
        pyca.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def test_sdk_public_key_hash_and_ami():
    digest = crypto.sha256(bytes.fromhex(SDK["public_key_der"]))
    assert digest.hex() == SDK["public_key_sha256"]
    assert digest[-9:].hex() == SDK["ami"]
    assert base64.b64encode(digest).decode() == SDK["mock_passphrase_base64_of_hash"]


def test_sdk_sample_passphrase_chain_from_z():
    lnx = SDK["lnx_sample"]
    k = crypto.sha256(bytes.fromhex(lnx["ecdh_z"]))
    assert k.hex() == lnx["k"]
    mac = crypto.hmac_sha256(k, bytes.fromhex(SDK["nonce"]))
    assert mac.hex() == lnx["hmac"]
    assert base64.b64encode(mac).decode() == lnx["passphrase"]


@pytest.mark.parametrize("vec", [SDK, OWN], ids=["sdk", "self-contained"])
def test_hashed_pin(vec):
    hashed = crypto.sha256((vec["pin"] + vec["salt"]).encode())
    assert base64.b64encode(hashed).decode() == vec["hashed_pin"]


def test_self_contained_passphrase_chain_both_directions():
    device, cloud = _key(OWN["device_private_scalar"]), _key(OWN["cloud_private_scalar"])
    assert device.public_key_der().hex() == OWN["device_public_key_der"]
    assert cloud.public_key_der().hex() == OWN["cloud_public_key_der"]
    assert crypto.sha256(device.public_key_der()).hex() == OWN["device_public_key_sha256"]
    z = device.ecdh(bytes.fromhex(OWN["cloud_public_key_der"]))
    assert z.hex() == OWN["ecdh_z"]
    assert cloud.ecdh(bytes.fromhex(OWN["device_public_key_der"])) == z  # the provisioner's side
    k = crypto.sha256(z)
    assert k.hex() == OWN["k"]
    mac = crypto.hmac_sha256(k, bytes.fromhex(OWN["nonce"]))
    assert mac.hex() == OWN["hmac"]
    assert base64.b64encode(mac).decode() == OWN["passphrase"]


def test_self_contained_dss_signature_verifies_and_tampering_fails():
    cloud_spki = bytes.fromhex(OWN["cloud_public_key_der"])
    body = OWN["signed_body"].encode()
    signature = base64.b64decode(OWN["signature_header"])
    assert crypto.ecdsa_verify(cloud_spki, body, signature) is True
    assert crypto.ecdsa_verify(cloud_spki, body + b"\n", signature) is False
    device_spki = bytes.fromhex(OWN["device_public_key_der"])
    assert crypto.ecdsa_verify(device_spki, body, signature) is False
