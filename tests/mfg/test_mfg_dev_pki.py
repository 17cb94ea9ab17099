"""``wss mfg dev-pki`` / ``create_dev_pki``: layout, chain shape, and OpenSSL as the peer."""

from __future__ import annotations

import datetime
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from conftest import openssl, run_mfg, tree
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from wss.errors import ConfigError
from wss.mfg.certs import DAK_TYPE_OID, DEVICE_SERIAL_OID, DEVICE_TYPE_OID
from wss.mfg.chain import load_chain, not_after, not_before, verify_links
from wss.mfg.dev_pki import DSS_HOST, SAFE_ALPHABET, create_dev_pki
from wss.mfg.files import OutputError


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    made = create_dev_pki(tmp_path_factory.mktemp("pki") / "dev", devices=3, device_type="A1B2C3D4E5F6G7")
    after = datetime.datetime.now(datetime.timezone.utc)
    return made, before, after


def _chain(path: Path):
    return load_chain(path.read_bytes(), str(path))


def _attr(name: x509.Name, oid) -> list:
    return [a.value for a in name.get_attributes_for_oid(oid)]


def test_layout_and_key_modes(pki):
    made, _, _ = pki
    expected = {
        "dha-root.pem",
        "device/certificate.pem",
        "device/private_key.pem",
        "device/product_index",
        "cloud/private_key.pem",
        "cloud/public_key.pem",
        "dss/certificate.pem",
        "dss/private_key.pem",
        "dss/ca.pem",
        "ca/dak-certificate.pem",
        "ca/dak_private_key.pem",
        "ca/device.conf",
    }
    for n in ("0001", "0002", "0003"):
        expected |= {f"devices/{n}/certificate.pem", f"devices/{n}/private_key.pem", f"devices/{n}/product_index"}
    files = {p for p in tree(made.folder) if (made.folder / p).is_file()}
    assert files == expected
    for path in made.folder.rglob("*key.pem"):
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.name == "public_key.pem":
            assert mode & 0o077 != 0o077  # readable, nothing to hide
        else:
            assert mode == 0o600, path
    assert [d.folder.name for d in made.devices] == ["0001", "0002", "0003"]


def test_product_index_is_four_safe_characters_shared_by_devices(pki):
    made, _, _ = pki
    values = {d.product_index.read_bytes() for d in (made.device,) + made.devices}
    assert values == {made.product_index.encode("ascii")}
    assert len(made.product_index) == 4 and set(made.product_index) <= set(SAFE_ALPHABET)


def test_device_chain_shape_leaf_first(pki):
    made, _, _ = pki
    chain = _chain(made.device.certificate)
    assert len(chain) == 4
    dha, dak, product, manufacturer = chain
    verify_links(chain, "device chain")
    root = _chain(made.dha_root)[0]
    manufacturer.verify_directly_issued_by(root)
    assert _attr(dha.subject, DEVICE_TYPE_OID) == ["A1B2C3D4E5F6G7"]
    assert _attr(dha.subject, DEVICE_SERIAL_OID) == [made.device.serial]
    assert _attr(dak.subject, DEVICE_TYPE_OID) == ["A1B2C3D4E5F6G7"]
    assert _attr(dak.subject, DAK_TYPE_OID) == ["SoftwareDev"]
    assert "Product_A1B2C3D4E5F6G7" in product.subject.rfc4514_string()
    assert "Manufacturer" in manufacturer.subject.rfc4514_string()
    assert dak.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    usage = dha.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment and not usage.key_cert_sign
    for cert in chain + [root]:
        assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
        assert cert.public_key().curve.name == "secp256r1"
        assert cert.signature_algorithm_oid == x509.oid.SignatureAlgorithmOID.ECDSA_WITH_SHA256


def test_device_key_matches_leaf(pki):
    made, _, _ = pki
    for device in (made.device,) + made.devices:
        key = serialization.load_pem_private_key(device.private_key.read_bytes(), None)
        assert device.private_key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        leaf = _chain(device.certificate)[0]
        assert key.public_key() == leaf.public_key()


def test_device_serials_unique_and_all_devices_share_the_dak(pki):
    made, _, _ = pki
    devices = (made.device,) + made.devices
    leaves = [_chain(d.certificate)[0] for d in devices]
    assert len({d.serial for d in devices}) == len(devices)
    assert len({c.serial_number for c in leaves}) == len(devices)
    assert len({_chain(d.certificate)[1].fingerprint(_sha256()) for d in devices}) == 1


def _sha256():
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def test_validity_starts_one_day_back(pki):
    made, before, after = pki
    day = datetime.timedelta(days=1)
    for path in (made.device.certificate, made.dha_root, made.dss_certificate, made.dss_ca):
        for cert in _chain(path):
            assert before - day <= not_before(cert) <= after - day
            assert not_after(cert) - not_before(cert) >= datetime.timedelta(days=3650)


def test_openssl_verifies_every_device_chain_strictly(pki):
    made, _, _ = pki
    for device in (made.device,) + made.devices:
        out = openssl(
            "verify",
            "-x509_strict",
            "-purpose",
            "sslclient",
            "-CAfile",
            str(made.dha_root),
            "-untrusted",
            str(device.certificate),
            str(device.certificate),
        )
        assert out.stdout.strip().endswith(b": OK")


def test_openssl_rejects_chain_against_other_root(pki, tmp_path):
    made, _, _ = pki
    other = create_dev_pki(tmp_path / "other")
    out = openssl(
        "verify",
        "-CAfile",
        str(other.dha_root),
        "-untrusted",
        str(made.device.certificate),
        str(made.device.certificate),
        check=False,
    )
    assert out.returncode != 0


def test_cloud_key_pair(pki):
    made, _, _ = pki
    private = serialization.load_pem_private_key(made.cloud_private_key.read_bytes(), None)
    public = serialization.load_pem_public_key(made.cloud_public_key.read_bytes())
    assert made.cloud_private_key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert made.cloud_public_key.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert private.public_key() == public
    assert private.curve.name == "secp256r1"
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert len(der) == 91


@pytest.mark.parametrize(
    "check", [("-verify_hostname", "localhost"), ("-verify_ip", "127.0.0.1"), ("-verify_hostname", DSS_HOST)]
)
def test_dss_certificate_names(pki, check):
    made, _, _ = pki
    openssl(
        "verify",
        "-x509_strict",
        "-purpose",
        "sslserver",
        *check,
        "-CAfile",
        str(made.dss_ca),
        str(made.dss_certificate),
    )


def test_dss_certificate_not_valid_for_other_names(pki):
    made, _, _ = pki
    out = openssl(
        "verify", "-verify_hostname", "example.com", "-CAfile", str(made.dss_ca), str(made.dss_certificate), check=False
    )
    assert out.returncode != 0


def test_mutual_tls_with_openssl_server_and_client(pki):
    """The DSS side (server, verifying against dha-root.pem) and the device side (client,
    trusting dss/ca.pem) complete a mutual-TLS handshake over loopback."""
    made, _, _ = pki
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(made.dss_certificate, made.dss_private_key)
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    server_ctx.load_verify_locations(made.dha_root)
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(made.dss_ca)
    client_ctx.load_cert_chain(made.devices[1].certificate, made.devices[1].private_key)
    listener = socket.create_server(("127.0.0.1", 0))
    seen = {}

    def serve():
        conn, _ = listener.accept()
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            seen["peer"] = tls.getpeercert()
            tls.sendall(tls.recv(16))

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=10) as raw:
            with client_ctx.wrap_socket(raw, server_hostname=DSS_HOST) as tls:
                tls.sendall(b"ping")
                assert tls.recv(16) == b"ping"
    finally:
        thread.join(10)
        listener.close()
    subject = [pair for rdn in seen["peer"]["subject"] for pair in rdn]
    assert ("1.3.6.1.4.1.4843.1.1", made.devices[1].serial) in subject
    assert ("1.3.6.1.4.1.4843.1.3", made.device_type) in subject


def test_refuses_non_empty_folder_and_leaves_it_alone(tmp_path):
    target = tmp_path / "pki"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="not empty"):
        create_dev_pki(target)
    assert tree(target) == ["keep.txt"]
    assert tree(tmp_path) == ["pki", "pki/keep.txt"]


def test_overwrite_replaces_folder(tmp_path):
    first = create_dev_pki(tmp_path / "pki").dha_root.read_bytes()
    second = create_dev_pki(tmp_path / "pki", overwrite=True)
    assert second.dha_root.read_bytes() != first
    assert tree(tmp_path) == sorted(["pki"] + ["pki/" + p for p in tree(tmp_path / "pki")])


def test_empty_existing_folder_is_used(tmp_path):
    (tmp_path / "pki").mkdir()
    made = create_dev_pki(tmp_path / "pki")
    assert made.device.certificate.is_file()


def test_unwritable_location_leaves_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError):
        create_dev_pki(blocker / "pki")
    assert tree(tmp_path) == ["file"]


@pytest.mark.parametrize("kwargs", [{"device_type": "bad type!"}, {"devices": -1}, {"product_index": "toolong"}])
def test_bad_arguments_are_config_errors_and_write_nothing(tmp_path, kwargs):
    with pytest.raises(ConfigError):
        create_dev_pki(tmp_path / "pki", **kwargs)
    assert tree(tmp_path) == []


def test_cli_dev_pki(tmp_path, capsys):
    assert run_mfg(["dev-pki", "--out", str(tmp_path / "p"), "--devices", "2", "--product-index", "Q9pp"]) == 0
    assert (tmp_path / "p" / "devices" / "0002" / "product_index").read_text() == "Q9pp"
    out = capsys.readouterr().out
    assert "Q9pp" in out and "PRIVATE" not in out
    assert run_mfg(["dev-pki", "--out", str(tmp_path / "p")]) == 1
    assert "not empty" in capsys.readouterr().out


def test_registered_in_the_wss_command(tmp_path, capsys):
    from wss.cli import main

    assert main(["mfg", "dev-pki", "--out", str(tmp_path / "p")]) == 0
    assert (tmp_path / "p" / "dha-root.pem").is_file()
    assert main(["mfg", "dev-pki", "--out", str(tmp_path / "p")]) == 1
    assert "not empty" in capsys.readouterr().err
