"""wss.crypto.certificate_subject_attribute: a subject attribute of a chain's first
certificate, read by mbedTLS's X.509 parser, checked against pyca/cryptography and the
openssl CLI as the peers that make and read the same certificates (RFC 5280 §4.1.2.6;
protocol §9 for the device serial OID)."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from vector_files import vector_path

from wss import crypto
from wss.crypto._x509 import _oid_der
from wss.errors import InvalidKey

SERIAL = "1.3.6.1.4.1.4843.1.1"  # device serial (protocol §9)
DEVICE_TYPE = "1.3.6.1.4.1.4843.1.3"  # device type
DAK_TYPE = "1.3.6.1.4.1.4843.1.5"
CN = "2.5.4.3"
KEY = ec.generate_private_key(ec.SECP256R1())
ISSUER = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test issuer")])


def attr(oid: str, value: str, kind=None) -> x509.NameAttribute:
    if kind is None:
        return x509.NameAttribute(x509.ObjectIdentifier(oid), value)
    return x509.NameAttribute(x509.ObjectIdentifier(oid), value, _type=kind)


def make_cert(subject) -> x509.Certificate:
    """A certificate whose subject is ``subject`` (a list of attributes, or a Name)."""
    name = subject if isinstance(subject, x509.Name) else x509.Name(subject)
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ISSUER)
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(KEY, hashes.SHA256())
    )


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def pyca_value(chain_pem: bytes, oid: str):
    """What cryptography reads: the first such attribute of the first certificate, or None."""
    leaf = x509.load_pem_x509_certificates(chain_pem)[0]
    values = leaf.subject.get_attributes_for_oid(x509.ObjectIdentifier(oid))
    return values[0].value if values else None


# ---- OID encoding (X.690 §8.19) ------------------------------------------------------------


@pytest.mark.parametrize(
    "oid, contents",
    [
        ("1.2.840.113549", "2a864886f70d"),  # X.690 / RFC 8017's rsadsi arc
        ("2.999.3", "883703"),  # X.690 §8.19.5 example
        ("2.5.4.3", "550403"),
        ("0.0", "00"),
        ("1.39", "4f"),
        ("2.40", "78"),
        ("2.47", "7f"),
        ("2.48", "8100"),
        ("1.3.6.1.4.1.4843.1.1", "2b06010401a56b0101"),
        ("1.2.127.128.16383.16384", "2a7f8100ff7f818000"),
    ],
)
def test_oid_der_known_encodings(oid, contents):
    assert _oid_der(oid).hex() == contents


@pytest.mark.parametrize(
    "oid",
    [
        "1.3.6.1.4.1.4843.1.1",
        "2.5.4.3",
        "0.9.2342.19200300.100.1.1",
        "2.999.3",
        "2.25.329800735698586629295641978511506172918",
        "1.2.18446744073709551616.4294967296",
        "1.2.127.128.16383.16384",
        "2.48",
    ],
)
def test_oid_der_matches_openssl(oid):
    out = subprocess.run(
        ["openssl", "asn1parse", "-genstr", f"OID:{oid}", "-noout", "-out", "/dev/stdout"],
        capture_output=True,
        check=True,
    ).stdout
    assert out[0] == 0x06 and out[1] < 0x80  # tag, short length
    assert _oid_der(oid) == out[2 : 2 + out[1]]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1",
        "1.",
        ".1",
        "1..2",
        "3.1",
        "1.40",
        "0.40",
        "01.2",
        "1.02",
        " 1.2",
        "1.2 ",
        "1.-2",
        "1.+2",
        "1.2a",
        "1.2.",
        "1,2",
        "1_0.2",
        "\u0661.\u0662",
        "1.2\n",
        "one.two",
    ],
)
def test_malformed_oid_is_a_plain_value_error(bad):
    cert = pem(make_cert([attr(SERIAL, "X")]))
    with pytest.raises(ValueError) as info:
        crypto.certificate_subject_attribute(cert, bad)
    assert not isinstance(info.value, InvalidKey)


def test_oid_must_be_a_str():
    with pytest.raises(TypeError):
        crypto.certificate_subject_attribute(pem(make_cert([attr(SERIAL, "X")])), b"2.5.4.3")


@settings(max_examples=60, deadline=None)
@given(
    first=st.integers(0, 2),
    second=st.integers(0, 39),
    rest=st.lists(st.integers(0, 2**70), max_size=6),
    big_second=st.integers(40, 2**40),
)
def test_oid_encoding_agrees_with_cryptography(first, second, rest, big_second):
    """An attribute cryptography writes under an arbitrary OID is found by that OID's string."""
    if first == 2:
        second = big_second
    oid = ".".join(str(a) for a in [first, second, *rest])
    chain = pem(make_cert([attr(CN, "dev"), attr(oid, "v-" + oid)]))
    assert crypto.certificate_subject_attribute(chain, oid) == pyca_value(chain, oid) == "v-" + oid


# ---- values ---------------------------------------------------------------------------------


def test_serial_present_and_absent_match_cryptography():
    with_serial = pem(make_cert([attr(DEVICE_TYPE, "A13HOHDXTVQYZO"), attr(SERIAL, "G0A1B2C3D4E5")]))
    without = pem(make_cert([attr(DEVICE_TYPE, "A13HOHDXTVQYZO"), attr(CN, "no serial")]))
    assert crypto.certificate_subject_attribute(with_serial, SERIAL) == "G0A1B2C3D4E5"
    assert pyca_value(with_serial, SERIAL) == "G0A1B2C3D4E5"
    assert crypto.certificate_subject_attribute(without, SERIAL) is None
    assert pyca_value(without, SERIAL) is None
    assert crypto.certificate_subject_attribute(without, CN) == "no serial"
    empty_subject = pem(make_cert([]))
    assert crypto.certificate_subject_attribute(empty_subject, SERIAL) is None is pyca_value(empty_subject, SERIAL)


def test_only_the_first_certificate_is_read():
    leaf = make_cert([attr(CN, "leaf")])
    intermediate = make_cert([attr(CN, "intermediate"), attr(SERIAL, "INTERMEDIATE")])
    chain = pem(leaf, intermediate)
    assert crypto.certificate_subject_attribute(chain, SERIAL) is None
    assert pyca_value(chain, SERIAL) is None
    assert crypto.certificate_subject_attribute(chain, CN) == "leaf"
    swapped = pem(intermediate, leaf)
    assert crypto.certificate_subject_attribute(swapped, SERIAL) == "INTERMEDIATE" == pyca_value(swapped, SERIAL)


def test_first_of_repeated_attributes_and_multi_valued_rdns():
    repeated = pem(make_cert([attr(SERIAL, "FIRST"), attr(CN, "x"), attr(SERIAL, "SECOND")]))
    assert crypto.certificate_subject_attribute(repeated, SERIAL) == "FIRST" == pyca_value(repeated, SERIAL)
    multi = x509.Name(
        [
            x509.RelativeDistinguishedName([attr(CN, "dev"), attr(SERIAL, "IN-RDN")]),
            x509.RelativeDistinguishedName([attr(DEVICE_TYPE, "TYPE")]),
        ]
    )
    chain = pem(make_cert(multi))
    for oid in (SERIAL, CN, DEVICE_TYPE):
        assert crypto.certificate_subject_attribute(chain, oid) == pyca_value(chain, oid)


@pytest.mark.parametrize(
    "kind",
    [
        _ASN1Type.UTF8String,
        _ASN1Type.PrintableString,
        _ASN1Type.IA5String,
        _ASN1Type.BMPString,
        _ASN1Type.UniversalString,
    ],
)
def test_string_types_match_cryptography(kind):
    chain = pem(make_cert([attr(SERIAL, "G0A1B2C3D4E5", kind)]))
    assert crypto.certificate_subject_attribute(chain, SERIAL) == "G0A1B2C3D4E5" == pyca_value(chain, SERIAL)


@pytest.mark.parametrize("value", ["Sérial-ünï", "日本語シリアル", "emoji-\U0001f642", "x" * 1000, ""])
def test_utf8_values_match_cryptography(value):
    chain = pem(make_cert([attr(SERIAL, value)]))
    assert crypto.certificate_subject_attribute(chain, SERIAL) == value == pyca_value(chain, SERIAL)


def test_non_ascii_bmp_value():
    chain = pem(make_cert([attr(SERIAL, "Ünï-日本", _ASN1Type.BMPString)]))
    assert crypto.certificate_subject_attribute(chain, SERIAL) == "Ünï-日本" == pyca_value(chain, SERIAL)


def _patched(kind, replacement: bytes) -> bytes:
    """A DER certificate whose serial value's bytes are replaced (the signature no longer
    verifies, which a parser that does not verify does not notice)."""
    placeholder = b"PLACEHOLDER-" + bytes([0x41 + kind.value % 26])
    data = der(make_cert([attr(SERIAL, placeholder.decode(), kind)]))
    assert data.count(placeholder) == 1 and len(replacement) == len(placeholder)
    return data.replace(placeholder, replacement)


@pytest.mark.parametrize(
    "kind, value",
    [
        (_ASN1Type.UTF8String, b"\xff\xfe-not-utf-8-"),
        (_ASN1Type.UTF8String, b"overlong\xc0\xafxxx"),
        (_ASN1Type.UTF8String, b"surrogate\xed\xa0\x80x"),
        (_ASN1Type.PrintableString, b"non-ascii-\xc3\xa9x"),
    ],
)
def test_invalidly_encoded_value_is_invalid_key(kind, value):
    with pytest.raises(InvalidKey, match="not a valid"):
        crypto.certificate_subject_attribute(_patched(kind, value), SERIAL)


def test_unsupported_string_type_is_invalid_key():
    chain = pem(make_cert([attr(SERIAL, "T61", _ASN1Type.T61String)]))
    with pytest.raises(InvalidKey, match="not a supported string type"):
        crypto.certificate_subject_attribute(chain, SERIAL)


# ---- input forms ----------------------------------------------------------------------------


def test_der_and_every_input_type():
    cert = make_cert([attr(SERIAL, "G0A1B2C3D4E5")])
    text = pem(cert)
    for data in (
        der(cert),
        text,
        text.decode(),
        bytearray(text),
        memoryview(text),
        text + b"\0",
        text + b"\0\0",
        b"subject=ignored text before the block\n" + text,
        bytearray(der(cert)),
    ):
        assert crypto.certificate_subject_attribute(data, SERIAL) == "G0A1B2C3D4E5"
    with pytest.raises(TypeError):
        crypto.certificate_subject_attribute(12345, SERIAL)


def test_openssl_cli_certificates(tmp_path):
    """Certificates made by the openssl CLI: ASCII, non-ASCII, multi-valued RDN, no serial."""
    conf = tmp_path / "req.cnf"  # -subj takes an attribute by name only: name the OID
    conf.write_text(f"oid_section = oids\n[oids]\nDeviceSerial = {SERIAL}\n[req]\ndistinguished_name = dn\n[dn]\n")
    cases = [
        ("/CN=dev/DeviceSerial=G0OPENSSL123", "G0OPENSSL123"),
        ("/CN=dev/DeviceSerial=Sérïal-日本", "Sérïal-日本"),
        ("/CN=dev+DeviceSerial=MULTIVALUED", "MULTIVALUED"),
        ("/CN=no serial", None),
    ]
    for i, (subj, expected) in enumerate(cases):
        key, out = tmp_path / f"k{i}.pem", tmp_path / f"c{i}.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-config",
                str(conf),
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                str(key),
                "-out",
                str(out),
                "-days",
                "1",
                "-utf8",
                "-multivalue-rdn",
                "-subj",
                subj,
            ],
            check=True,
            capture_output=True,
        )
        chain = out.read_bytes()
        assert crypto.certificate_subject_attribute(chain, SERIAL) == expected == pyca_value(chain, SERIAL)
        assert crypto.certificate_subject_attribute(chain, CN) == pyca_value(chain, CN)


# ---- errors ---------------------------------------------------------------------------------


def _corrupt_pem(cert: x509.Certificate) -> bytes:
    lines = pem(cert).splitlines(keepends=True)
    lines[3] = b"A" * (len(lines[3]) - 1) + b"\n"  # valid base64, broken DER
    return b"".join(lines)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        b"\x30\x82\xff\xff" + b"\0" * 40,
        bytes(range(256)),
        b"-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n",
        b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    ],
)
def test_garbage_is_invalid_key(data):
    with pytest.raises(InvalidKey):
        crypto.certificate_subject_attribute(data, SERIAL)


def test_truncated_der_and_non_certificate_pem_are_invalid_key():
    cert = make_cert([attr(SERIAL, "G0A1B2C3D4E5")])
    with pytest.raises(InvalidKey):
        crypto.certificate_subject_attribute(der(cert)[:-10], SERIAL)
    key_pem = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(InvalidKey):
        crypto.certificate_subject_attribute(key_pem, SERIAL)


def test_a_bundle_with_a_broken_certificate_is_invalid_key_like_cryptography():
    good = make_cert([attr(SERIAL, "GOOD")])
    bad = make_cert([attr(SERIAL, "BAD")])
    for chain in (pem(good) + _corrupt_pem(bad), _corrupt_pem(bad) + pem(good)):
        with pytest.raises(InvalidKey) as info:
            crypto.certificate_subject_attribute(chain, SERIAL)
        assert info.value.code != 0
        with pytest.raises(ValueError):
            x509.load_pem_x509_certificates(chain)


# ---- Amazon's sample DHA chain --------------------------------------------------------------


@pytest.mark.parametrize("name", ["certificate.pem", "device-certificate.pem", "dak-certificate-42D6AD.pem"])
@pytest.mark.parametrize("oid", [SERIAL, DEVICE_TYPE, DAK_TYPE, CN])
def test_amazon_sample_chain_matches_cryptography(name, oid):
    chain = vector_path("amazon-dha", name).read_bytes()
    assert crypto.certificate_subject_attribute(chain, oid) == pyca_value(chain, oid)


def test_amazon_sample_dha_leaf_values():
    chain = vector_path("amazon-dha", "certificate.pem").read_bytes()
    assert crypto.certificate_subject_attribute(chain, DEVICE_TYPE) == "A13HOHDXTVQYZO"
    assert crypto.certificate_subject_attribute(chain, SERIAL) is None  # the sample has no serial
    assert crypto.certificate_subject_attribute(chain, DAK_TYPE) is None  # only in the second cert
