"""Amazon's real DHA chain: it loads leaf first and every signature link verifies."""

from __future__ import annotations

import pytest
from conftest import openssl
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from wss.errors import ConfigError, InvalidSignature
from wss.mfg.certs import DAK_TYPE_OID, DEVICE_TYPE_OID, certs_pem
from wss.mfg.chain import check_validity, load_chain, not_after, verify_links


def _load(path):
    return load_chain(path.read_bytes(), str(path))


@pytest.mark.filterwarnings("ignore:Attribute's length must be")
def test_real_chain_loads_leaf_first_and_links_verify(vectors):
    chain = _load(vectors / "certificate.pem")
    assert len(chain) == 5
    verify_links(chain, "certificate.pem")
    leaf, dak, product, manufacturer, root = chain
    assert leaf.subject.get_attributes_for_oid(DEVICE_TYPE_OID)[0].value == "A13HOHDXTVQYZO"
    assert dak.subject.get_attributes_for_oid(DAK_TYPE_OID)[0].value == "SoftwareDev"
    assert "Product_A13HOHDXTVQYZO" in product.subject.rfc4514_string()
    assert "Manufacturer" in manufacturer.subject.rfc4514_string()
    assert root.issuer == root.subject and "Root" in root.subject.rfc4514_string()
    for child, parent in zip(chain, chain[1:]):
        assert child.issuer == parent.subject
    assert chain[0] == _load(vectors / "device-certificate.pem")[0]
    assert chain[1:] == _load(vectors / "dak-certificate-42D6AD.pem")


def test_openssl_agrees_on_the_real_chain(vectors):
    root = vectors / "certificate.pem"
    chain = _load(root)
    tmp_root = certs_pem(chain[-1:])
    proc = openssl(
        "verify",
        "-no_check_time",
        "-CAfile",
        "/dev/stdin",
        "-untrusted",
        str(root),
        str(vectors / "device-certificate.pem"),
        input=tmp_root,
    )
    assert proc.stdout.strip().endswith(b": OK")


def test_reordered_chain_is_refused(vectors):
    chain = _load(vectors / "certificate.pem")
    with pytest.raises(ConfigError, match="ordered leaf first"):
        verify_links([chain[1], chain[0]] + chain[2:], "reordered")
    with pytest.raises(ConfigError, match="ordered leaf first"):
        verify_links(list(reversed(chain)), "reversed")


def test_tampered_signature_is_detected(vectors):
    chain = _load(vectors / "certificate.pem")
    der = bytearray(chain[1].public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01
    broken = x509.load_der_x509_certificate(bytes(der))
    with pytest.raises(InvalidSignature, match="certificate 2"):
        verify_links([chain[0], broken] + chain[2:], "tampered")


def test_real_leaf_validity(vectors):
    leaf = _load(vectors / "device-certificate.pem")[0]
    check_validity(leaf, "leaf", at=not_after(leaf))
    with pytest.raises(ConfigError, match="expired on 2026-08-11 23:05:57 UTC"):
        check_validity(leaf, "leaf", at=not_after(leaf).replace(year=2027))


@pytest.mark.parametrize(
    "data,fragment",
    [
        (b"", "no certificate"),
        (b"hello", "no certificate"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a PEM certificate"),
    ],
)
def test_bad_pem(data, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_chain(data, "x.pem")
