"""``wss mfg dak-csr`` / ``device-csr``: requests OpenSSL accepts and would have made itself."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from conftest import openssl, run_mfg, text_fields, tree
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from wss.errors import ConfigError
from wss.mfg.csr import create_key_and_csr, request_spec
from wss.mfg.files import OutputError
from wss.mfg.opensslconf import parse

RICH_CONF = r"""# comments, variables, quotes, escapes, repeated fields, continuation
vendor = Example Devices   # trailing comment
oid_section = my_oids

[ my_oids ]
DeviceTypeId = 1.3.6.1.4.1.4843.1.3
DeviceSerial = 1.3.6.1.4.1.4843.1.1

[ req ]
prompt = no
default_md = sha384
distinguished_name = subject
req_extensions = ext
string_mask = utf8only

[ subject ]
C = US
ST = "Wash\#ington"
O = $vendor Inc.
0.OU = Line ${req::default_md}
1.OU = Station \
 7
CN = dev-001.example.com
emailAddress = factory@example.com
DeviceTypeId = A13HOHDXTVQYZO
DeviceSerial = P7pCXsWt0AXF

[ ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:dev-001.example.com, IP:10.0.0.1
"""


@pytest.fixture()
def configs(tmp_path, vectors):
    for name in ("dak.conf", "device.conf"):
        shutil.copy(vectors / name, tmp_path / name)
    (tmp_path / "rich.conf").write_text(RICH_CONF)
    return tmp_path


def _openssl_csr(config: Path, out: Path) -> x509.CertificateSigningRequest:
    """The guide's commands: ecparam, then req -new -nodes -newkey ec:params."""
    params = out.parent / "params.pem"
    openssl("ecparam", "-name", "prime256v1", "-out", str(params))
    openssl(
        "req",
        "-new",
        "-nodes",
        "-config",
        str(config),
        "-newkey",
        f"ec:{params}",
        "-keyout",
        str(out.parent / "openssl.key"),
        "-out",
        str(out),
    )
    return x509.load_pem_x509_csr(out.read_bytes())


@pytest.mark.parametrize(
    "name,command,key_name,csr_name",
    [
        ("dak.conf", "dak-csr", "dak_private_key.pem", "dak.csr"),
        ("device.conf", "device-csr", "private_key.pem", "device.csr"),
        ("rich.conf", "device-csr", "private_key.pem", "device.csr"),
    ],
)
def test_request_equals_openssl_and_verifies(configs, name, command, key_name, csr_name):
    out = configs / "ours"
    assert run_mfg([command, "--config", str(configs / name), "--out", str(out)]) == 0
    assert sorted(tree(out)) == sorted([key_name, csr_name])
    verdict = openssl("req", "-verify", "-in", str(out / csr_name), "-noout")
    assert b"verify OK" in verdict.stderr
    ours = x509.load_pem_x509_csr((out / csr_name).read_bytes())
    theirs = _openssl_csr(configs / name, configs / "openssl.csr")
    assert ours.subject.public_bytes() == theirs.subject.public_bytes()  # same DER, string types
    assert ours.signature_hash_algorithm.name == theirs.signature_hash_algorithm.name
    ignore = ("pub:", "04:", "Signature Value", "30:")
    fields = [
        text_fields(openssl("req", "-in", str(p), "-noout", "-text").stdout.decode(), ignore)
        for p in (out / csr_name, configs / "openssl.csr")
    ]
    assert fields[0] == fields[1]


def test_key_file_is_pkcs8_p256_mode_0600_and_matches(configs):
    key_path, csr_path, csr = create_key_and_csr(configs / "dak.conf", configs / "o", "k.pem", "r.csr")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    assert key.curve.name == "secp256r1"
    assert key.public_key() == csr.public_key()
    openssl("pkey", "-in", str(key_path), "-check", "-noout")


def test_cli_output_never_shows_the_key(configs, capsys):
    assert run_mfg(["dak-csr", "--config", str(configs / "dak.conf"), "--out", str(configs / "o")]) == 0
    printed = capsys.readouterr()
    key_body = (configs / "o" / "dak_private_key.pem").read_text().splitlines()[1]
    assert key_body not in printed.out + printed.err
    assert "PRIVATE KEY-----" not in printed.out + printed.err


def test_two_runs_give_different_keys(configs):
    _, _, first = create_key_and_csr(configs / "device.conf", configs / "a", "k", "c")
    _, _, second = create_key_and_csr(configs / "device.conf", configs / "b", "k", "c")
    assert first.public_key() != second.public_key()


# --- bad configurations: an error naming the line, and no output ---------------------------

BAD = [
    (
        "oid_section = OIDs\n[ OIDs ]\nX=1.2.3\n[ req ]\nprompt = no\ndistinguished_name = nosuch\n",
        "config.conf:6: section [nosuch] (named by 'distinguished_name') not found",
    ),
    (
        "[ req ]\nprompt = yes\ndistinguished_name = dn\n[ dn ]\nCN = x\n",
        "config.conf:2: interactive prompting is not supported",
    ),
    (
        "[ req ]\nprompt = no\ndefault_md = md5\ndistinguished_name = dn\n[ dn ]\nCN = x\n",
        "config.conf:3: default_md 'md5' is not supported",
    ),
    (
        "[ req ]\nprompt = no\nattributes = attrs\ndistinguished_name = dn\n[ dn ]\nCN = x\n",
        "config.conf:3: 'attributes' in [req] is not supported",
    ),
    (
        "[ req ]\nprompt = no\ndistinguished_name = dn\n[ dn ]\nCN = x\nFavouriteColour = blue\n",
        "config.conf:6: unknown subject field 'FavouriteColour'",
    ),
    ("[ req ]\nprompt = no\ndistinguished_name = dn\n[ dn ]\nC = USA\n", "config.conf:5: subject field 'C'"),
    (
        "[ req ]\nprompt = no\ndistinguished_name = dn\nreq_extensions = ext\n[ dn ]\nCN = x\n[ ext ]\n"
        "authorityKeyIdentifier = keyid\n",
        "config.conf:8: authorityKeyIdentifier: only allowed when signing",
    ),
    (
        "oid_section = OIDs\n[ req ]\nprompt = no\ndistinguished_name = dn\n[ dn ]\nCN = x\n",
        "config.conf:1: section [OIDs] (named by 'oid_section') not found",
    ),
    ("[ dn ]\nCN = x\n", "config.conf: section [req] not found"),
    (".include other.conf\n", "config.conf:1: directive .include is not supported"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_config_names_the_line_and_writes_nothing(tmp_path, text, message, capsys):
    conf = tmp_path / "config.conf"
    conf.write_text(text)
    with pytest.raises(ConfigError) as info:
        create_key_and_csr(conf, tmp_path / "out", "k.pem", "r.csr")
    assert message in str(info.value).replace(str(tmp_path) + "/", "")
    assert not (tmp_path / "out").exists()
    assert run_mfg(["device-csr", "--config", str(conf), "--out", str(tmp_path / "out")]) == 1
    assert message in capsys.readouterr().out.replace(str(tmp_path) + "/", "")
    assert tree(tmp_path) == ["config.conf"]


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        create_key_and_csr(tmp_path / "nope.conf", tmp_path / "out", "k", "c")
    assert tree(tmp_path) == []


def test_unwritable_output_leaves_nothing(configs):
    (configs / "blocker").write_text("file")
    with pytest.raises(OutputError):
        create_key_and_csr(configs / "dak.conf", configs / "blocker" / "sub", "k", "c")
    assert (configs / "blocker").read_text() == "file"


def test_existing_key_is_never_overwritten(configs):
    out = configs / "o"
    out.mkdir()
    (out / "dak_private_key.pem").write_text("precious")
    with pytest.raises(OutputError, match="already exists"):
        create_key_and_csr(configs / "dak.conf", out, "dak_private_key.pem", "dak.csr")
    assert tree(out) == ["dak_private_key.pem"]
    assert (out / "dak_private_key.pem").read_text() == "precious"


def test_missing_folder_is_created_and_removed_again_on_failure(configs):
    out = configs / "a" / "b"
    create_key_and_csr(configs / "dak.conf", out, "k.pem", "r.csr")
    assert tree(configs / "a") == ["b", "b/k.pem", "b/r.csr"]
    target = configs / "x" / "y"
    (configs / "x").mkdir()
    (configs / "x" / "y").write_text("a file where the folder should be")
    with pytest.raises(OutputError):
        create_key_and_csr(configs / "dak.conf", target / "z", "k.pem", "r.csr")
    assert tree(configs / "x") == ["y"]


def test_request_spec_of_real_dak_conf(configs):
    spec = request_spec(parse((configs / "dak.conf").read_text(), "dak.conf"))
    assert spec.subject.rfc4514_string() == "1.3.6.1.4.1.4843.1.5=SoftwareDev,1.3.6.1.4.1.4843.1.3=A13HOHDXTVQYZO"
    assert spec.digest.name == "sha256"
    assert spec.extensions_section is None
