"""``wss mfg sign``: DHA certificates equal to the guide's ``openssl x509 -req`` output."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from conftest import openssl, run_mfg, text_fields, tree, x509_text
from cryptography import x509

from wss.errors import ConfigError, InvalidSignature
from wss.mfg.certs import cert_pem, certs_pem
from wss.mfg.chain import load_chain, not_after, not_before, verify_links
from wss.mfg.files import OutputError
from wss.mfg.opensslconf import load, parse
from wss.mfg.sign import load_ca, load_csr, sign_csr, sign_files

#: What legitimately differs between two certificates from the same inputs.
VOLATILE = ("Serial Number", "Not Before", "Not After", "Signature Value", "30:", "Signature Algorithm: ecdsa")


@pytest.fixture()
def work(tmp_path, vectors):
    for name in ("device.conf", "dak.conf"):
        shutil.copy(vectors / name, tmp_path / name)
    return tmp_path


def _guide_sign(work: Path, csr: Path, ca, out: Path) -> None:
    """The guide's step 3.2 with the openssl CLI."""
    openssl(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-extfile",
        str(work / "device.conf"),
        "-extensions",
        "req_ext",
        "-CA",
        str(ca.dak_certificate),
        "-CAkey",
        str(ca.dak_private_key),
        "-days",
        "1825",
        "-out",
        str(out),
        "-outform",
        "PEM",
        "-CAcreateserial",
        "-sha256",
    )


def _sign(work: Path, csr: Path, ca, out: Path, *extra: str) -> int:
    return run_mfg(
        [
            "sign",
            "--csr",
            str(csr),
            "--config",
            str(work / "device.conf"),
            "--extensions",
            "req_ext",
            "--ca",
            str(ca.dak_certificate),
            "--ca-key",
            str(ca.dak_private_key),
            "--days",
            "1825",
            "--out",
            str(out),
            *extra,
        ]
    )


def test_same_csr_gives_the_same_certificate_as_openssl(work, dak_pki):
    assert run_mfg(["device-csr", "--config", str(work / "device.conf"), "--out", str(work / "dev")]) == 0
    csr = work / "dev" / "device.csr"
    _guide_sign(work, csr, dak_pki, work / "openssl.pem")
    assert _sign(work, csr, dak_pki, work / "ours") == 0
    theirs = text_fields(x509_text(work / "openssl.pem"), VOLATILE)
    ours = text_fields(x509_text(work / "ours" / "device-certificate.pem"), VOLATILE)
    assert ours == theirs
    assert any("Authority Key Identifier" in line for line in ours)
    assert any("Digital Signature, Key Encipherment" in line for line in ours)
    for path in (work / "openssl.pem", work / "ours" / "device-certificate.pem"):
        cert = load_chain(path.read_bytes(), str(path))[0]
        assert not_after(cert) - not_before(cert) == datetime.timedelta(days=1825)


def test_whole_guide_pipeline_matches_ours_field_by_field(work, dak_pki):
    """openssl req + openssl x509 -req versus wss device-csr + wss sign, ignoring keys."""
    openssl("ecparam", "-name", "prime256v1", "-out", str(work / "dak-params.pem"))
    openssl(
        "req",
        "-new",
        "-nodes",
        "-config",
        str(work / "device.conf"),
        "-newkey",
        f"ec:{work / 'dak-params.pem'}",
        "-keyout",
        str(work / "private_key.pem"),
        "-out",
        str(work / "device.csr"),
    )
    _guide_sign(work, work / "device.csr", dak_pki, work / "openssl.pem")
    assert run_mfg(["device-csr", "--config", str(work / "device.conf"), "--out", str(work / "w")]) == 0
    assert _sign(work, work / "w" / "device.csr", dak_pki, work / "w") == 0
    ignore = VOLATILE + ("pub:", "04:", "X509v3 Subject Key Identifier")
    theirs = text_fields(x509_text(work / "openssl.pem"), ignore)
    ours = text_fields(x509_text(work / "w" / "device-certificate.pem"), ignore)
    assert ours == theirs
    assert any("Subject: 1.3.6.1.4.1.4843.1.3 = A13HOHDXTVQYZO" in line for line in ours)


def test_openssl_verifies_our_chain(work, dak_pki):
    run_mfg(["device-csr", "--config", str(work / "device.conf"), "--out", str(work / "d")])
    assert _sign(work, work / "d" / "device.csr", dak_pki, work / "d") == 0
    chain = work / "d" / "certificate.pem"
    out = openssl(
        "verify",
        "-x509_strict",
        "-purpose",
        "sslclient",
        "-CAfile",
        str(dak_pki.dha_root),
        "-untrusted",
        str(chain),
        str(work / "d" / "device-certificate.pem"),
    )
    assert out.stdout.strip().endswith(b": OK")
    certs = load_chain(chain.read_bytes(), "chain")
    dak_file = load_chain(dak_pki.dak_certificate.read_bytes(), "dak")
    assert certs[1:] == dak_file
    assert certs[0] == load_chain((work / "d" / "device-certificate.pem").read_bytes(), "leaf")[0]
    verify_links(certs)


def test_serials_are_unique(work, dak_pki):
    run_mfg(["device-csr", "--config", str(work / "device.conf"), "--out", str(work / "d")])
    ca = load_ca(dak_pki.dak_certificate, dak_pki.dak_private_key)
    csr = load_csr(work / "d" / "device.csr")
    config = load(work / "device.conf")
    serials = {sign_csr(csr, ca, config, "req_ext", 30).serial_number for _ in range(50)}
    assert len(serials) == 50
    assert all(0 < s < 1 << 159 for s in serials)


def test_signs_with_a_ca_made_by_openssl(work, tmp_path):
    """A DAK certificate produced by openssl (as the developer console would) is usable."""
    openssl(
        "req",
        "-x509",
        "-new",
        "-nodes",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-keyout",
        str(tmp_path / "ca.key"),
        "-out",
        str(tmp_path / "ca.pem"),
        "-days",
        "30",
        "-subj",
        "/CN=Test DAK",
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "-addext",
        "keyUsage=critical,digitalSignature,keyCertSign",
    )
    run_mfg(["device-csr", "--config", str(work / "device.conf"), "--out", str(work / "d")])
    assert (
        run_mfg(
            [
                "sign",
                "--csr",
                str(work / "d" / "device.csr"),
                "--config",
                str(work / "device.conf"),
                "--ca",
                str(tmp_path / "ca.pem"),
                "--ca-key",
                str(tmp_path / "ca.key"),
                "--out",
                str(work / "d"),
            ]
        )
        == 0
    )
    openssl("verify", "-CAfile", str(tmp_path / "ca.pem"), str(work / "d" / "device-certificate.pem"))


# --- bad input: a clear error and no output -------------------------------------------------


@pytest.fixture()
def csr_path(work):
    run_mfg(["device-csr", "--config", str(work / "device.conf"), "--out", str(work / "in")])
    return work / "in" / "device.csr"


def _expect_failure(work, dak_pki, csr, capsys, message, **paths):
    out = work / "out"
    argv = [
        "sign",
        "--csr",
        str(csr),
        "--config",
        str(paths.get("config", work / "device.conf")),
        "--extensions",
        paths.get("section", "req_ext"),
        "--ca",
        str(paths.get("ca", dak_pki.dak_certificate)),
        "--ca-key",
        str(paths.get("ca_key", dak_pki.dak_private_key)),
        "--out",
        str(out),
    ]
    assert run_mfg(argv) == 1
    text = capsys.readouterr().out
    assert message in text, text
    assert not out.exists()


def test_unknown_extension_section(work, dak_pki, csr_path, capsys):
    _expect_failure(work, dak_pki, csr_path, capsys, "section [v3_nothere]", section="v3_nothere")


def test_unsupported_extension_names_the_line(work, dak_pki, csr_path, capsys):
    conf = work / "bad.conf"
    conf.write_text((work / "device.conf").read_text() + "nsComment = hello\n")
    line = len(conf.read_text().splitlines())
    _expect_failure(work, dak_pki, csr_path, capsys, f"bad.conf:{line}: nsComment", config=conf)


def test_ca_key_that_does_not_match(work, dak_pki, csr_path, capsys):
    _expect_failure(
        work, dak_pki, csr_path, capsys, "does not belong to the CA certificate", ca_key=dak_pki.device.private_key
    )


def test_expired_ca(work, tmp_path, csr_path, capsys, dak_pki):
    ca = _expired_ca(tmp_path)
    _expect_failure(work, dak_pki, csr_path, capsys, "expired on 2021-01-01", ca=ca, ca_key=tmp_path / "old.key")
    out = openssl("verify", "-CAfile", str(ca), str(ca), check=False)
    assert b"expired" in out.stdout + out.stderr  # the peer agrees


def _expired_ca(tmp_path):
    from wss.mfg import certs as C

    key = C.generate_key()
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Old DAK")])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    cert = C.issue(
        subject=name,
        public_key=key.public_key(),
        issuer_name=name,
        issuer_key=key,
        not_before=start,
        not_after=datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc),
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)],
    )
    (tmp_path / "old.key").write_bytes(C.private_key_pem(key))
    (tmp_path / "old.pem").write_bytes(C.cert_pem(cert))
    return tmp_path / "old.pem"


def test_csr_with_bad_signature(work, dak_pki, csr_path, capsys):
    der = bytearray(openssl("req", "-in", str(csr_path), "-outform", "DER").stdout)
    der[-5] ^= 0x01  # inside the ECDSA signature's s value
    bad = work / "bad.csr"
    bad.write_bytes(bytes(der))
    with pytest.raises(InvalidSignature):
        load_csr(bad)
    _expect_failure(work, dak_pki, bad, capsys, "signature does not verify")
    peer = openssl("req", "-verify", "-in", str(bad), "-inform", "DER", "-noout", check=False)
    assert b"verify failure" in peer.stderr  # OpenSSL 3.0 exits 0 here; its message is the verdict


def test_csr_for_another_device_type(work, dak_pki, capsys):
    conf = work / "other.conf"
    conf.write_text((work / "device.conf").read_text().replace("A13HOHDXTVQYZO", "AOTHERTYPE0000"))
    run_mfg(["device-csr", "--config", str(conf), "--out", str(work / "o")])
    _expect_failure(work, dak_pki, work / "o" / "device.csr", capsys, "device type AOTHERTYPE0000")


def test_unwritable_output_folder(work, dak_pki, csr_path, capsys):
    blocker = work / "blocker"
    blocker.write_text("a file, not a folder")
    argv = [
        "sign",
        "--csr",
        str(csr_path),
        "--config",
        str(work / "device.conf"),
        "--ca",
        str(dak_pki.dak_certificate),
        "--ca-key",
        str(dak_pki.dak_private_key),
        "--out",
        str(blocker / "out"),
    ]
    with pytest.raises(SystemExit) as stopped:  # refused while parsing: a usage error
        run_mfg(argv)
    assert stopped.value.code == 2
    assert "blocker is not a folder" in capsys.readouterr().err
    assert blocker.read_text() == "a file, not a folder"


def test_failure_while_placing_files_removes_the_ones_already_placed(work, dak_pki, csr_path):
    out = work / "out"
    out.mkdir()
    (out / "certificate.pem").mkdir()  # the second output cannot be created
    ca = load_ca(dak_pki.dak_certificate, dak_pki.dak_private_key)
    with pytest.raises(OutputError, match="is a folder"):
        sign_files(csr_path, load(work / "device.conf"), "req_ext", ca, 10, out)
    assert tree(out) == ["certificate.pem"]


def test_existing_outputs_are_not_overwritten_without_force(work, dak_pki, csr_path, capsys):
    out = work / "out"
    assert _sign(work, csr_path, dak_pki, out) == 0
    first = (out / "device-certificate.pem").read_bytes()
    assert _sign(work, csr_path, dak_pki, out) == 1
    assert "already exists" in capsys.readouterr().out
    assert (out / "device-certificate.pem").read_bytes() == first
    assert _sign(work, csr_path, dak_pki, out, "--force") == 0
    assert (out / "device-certificate.pem").read_bytes() != first


def test_ca_file_out_of_order(work, dak_pki, csr_path, capsys, tmp_path):
    certs = load_chain(dak_pki.dak_certificate.read_bytes(), "dak")
    swapped = tmp_path / "swapped.pem"
    swapped.write_bytes(certs_pem([certs[0], certs[2], certs[1]]))
    _expect_failure(work, dak_pki, csr_path, capsys, "ordered leaf first", ca=swapped)


def test_non_ca_certificate_cannot_sign(work, dak_pki, csr_path, capsys, tmp_path):
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(cert_pem(load_chain(dak_pki.device.certificate.read_bytes(), "x")[0]))
    _expect_failure(
        work, dak_pki, csr_path, capsys, "is not a CA certificate", ca=leaf, ca_key=dak_pki.device.private_key
    )


def test_days_out_of_range(dak_pki, csr_path, work):
    ca = load_ca(dak_pki.dak_certificate, dak_pki.dak_private_key)
    with pytest.raises(ConfigError, match="--days 0"):
        sign_csr(load_csr(csr_path), ca, parse("[req_ext]\nkeyUsage=digitalSignature\n"), "req_ext", 0)


def test_amazon_dak_file_loads_and_a_foreign_key_is_refused(vectors, dak_pki):
    """The console's real dak-certificate file (4 certificates, 68-character CNs) is accepted
    as a CA chain; without its private key, signing is refused before anything happens."""
    with pytest.raises(ConfigError, match="does not belong to the CA certificate"):
        load_ca(vectors / "dak-certificate-42D6AD.pem", dak_pki.dak_private_key)
