"""``wss provision`` with the device key in a PKCS#11 token (SoftHSM2), against the local DSS.

The factory line first: ``wss mfg device-csr --generate-in-token`` makes the DHA key in the
token and writes only the CSR, ``wss mfg sign`` issues it with the dev PKI's DAK. Then
the run reaches DONE only if the token's ECDH gives the setup network the provisioner
emulation derives from the certificate's key, and the token signs the mutual-TLS
handshakes (mbedTLS 2.28; docs/pkcs11.md).
"""

from __future__ import annotations

import base64
import shutil
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from e2e_world import accounts, provision_args
from softhsm_token import PIN, TOKEN, session_tokens

from wss._binding import lib
from wss.cli import main
from wss.cloud import DSSServer

PIN_ENV = "WSS_TEST_TOKEN_PIN"
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo


def _factory_line(pki, tokens, out, capsys, key_id):
    """``wss mfg device-csr --generate-in-token`` then ``wss mfg sign``: the DHA chain of a
    key made in the token (CKA_ID ``key_id``, hex), signed by the dev PKI's DAK. Returns
    (the key's URI, the chain)."""
    ca = pki.folder / "ca"
    uri = f"pkcs11:token={TOKEN};object=factory-{key_id};id=%{key_id}"
    token = ["--key", uri, "--pkcs11-module", tokens.module, "--pkcs11-pin-env", PIN_ENV, "--generate-in-token"]
    config = ["--config", str(ca / "device.conf")]
    assert main(["mfg", "device-csr", *config, "--out", str(out), *token]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["device.csr"]  # no key file: the key stays in the token
    dak = ["--ca", str(ca / "dak-certificate.pem"), "--ca-key", str(ca / "dak_private_key.pem")]
    sign = ["--csr", str(out / "device.csr"), *config, "--extensions", "req_ext", *dak, "--days", "30"]
    assert main(["mfg", "sign", *sign, "--out", str(out)]) == 0
    leaf = x509.load_pem_x509_certificate((out / "device-certificate.pem").read_bytes())
    token_public = tokens.public_key_der(key_id)  # pkcs11-tool reads the generated key's public object
    assert leaf.public_key().public_bytes(serialization.Encoding.DER, SPKI) == token_public
    out_text = capsys.readouterr().out
    assert "generated in the token" in out_text and PIN not in out_text
    # the control log: the certificate must certify the token's key
    control = ["mfg", "control-log", *token[:-1]]
    assert main([*control, "--cert", str(out / "device-certificate.pem")]) == 0
    assert base64.b64decode(capsys.readouterr().out.split("barcode:")[0]) == token_public
    assert main([*control, "--cert", str(pki.folder / "device" / "certificate.pem")]) == 1
    assert "certifies another key than the token's" in capsys.readouterr().err
    # a second --generate-in-token under the same name is refused: a key is never replaced
    assert main(["mfg", "device-csr", *config, "--out", str(out / "again"), *token]) == 1
    assert "already holds a key" in capsys.readouterr().err
    return uri, out / "certificate.pem"


def _provision(pki, tmp_path, *extra):
    with DSSServer(pki.folder, accounts()) as server:
        return main([*provision_args(tmp_path, pki, server), *extra])


@pytest.mark.parametrize("layout, key_id", [("options", "10"), ("pki-folder", "11")])
def test_factory_line_then_provision_with_the_key_in_the_token(
    pki, tmp_path, tmp_path_factory, monkeypatch, capsys, layout, key_id
):
    tokens = session_tokens(tmp_path_factory)
    monkeypatch.setenv(PIN_ENV, PIN)
    uri, chain = _factory_line(pki, tokens, tmp_path / "mfg", capsys, key_id)
    token = ["--pkcs11-module", tokens.module, "--pkcs11-pin-env", PIN_ENV]
    if layout == "options":
        status = _provision(pki, tmp_path, "--device-chain", str(chain), "--device-key", uri, *token)
    else:  # the PKI folder's layout: device/private_key.pkcs11 holds the URI, no private_key.pem
        folder = tmp_path / "pki"
        shutil.copytree(pki.folder, folder)
        (folder / "device" / "private_key.pem").unlink()
        (folder / "device" / "private_key.pkcs11").write_text(uri + "\n")
        shutil.copy(chain, folder / "device" / "certificate.pem")
        status = _provision(SimpleNamespace(folder=folder, cloud_private_key=pki.cloud_private_key), tmp_path, *token)
    captured = capsys.readouterr()
    if lib.wss_p11_tls_hook() != 0:  # a library wss cannot hook: refused in one line before any TLS
        assert status == 1
        assert "cannot sign TLS handshakes with a token key" in captured.err and PIN not in captured.err
        assert "does not have the layout wss was built for" in captured.err  # names why
        assert len(captured.err.strip().splitlines()) == 1
        return
    assert status == 0, captured.out + captured.err
    assert "result: DONE, joined the home network 'HomeNet'" in captured.out


def test_wrong_pin_is_one_line_without_the_pin(pki, tmp_path, tmp_path_factory, monkeypatch, capsys):
    tokens = session_tokens(tmp_path_factory)
    monkeypatch.setenv(PIN_ENV, "000000")
    uri = "pkcs11:token=wss-pin;object=dha"  # a token no other test is logged into
    token = ["--device-key", uri, "--pkcs11-module", tokens.module, "--pkcs11-pin-env", PIN_ENV]
    status = _provision(pki, tmp_path, *token)
    captured = capsys.readouterr()
    assert status != 0
    assert "the token refused the PIN" in captured.err
    assert "000000" not in captured.err + captured.out
    assert not (tmp_path / "state" / "provisionee.json").exists()


def test_pin_value_in_the_uri_is_a_usage_error(pki, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["provision", "--pki", str(pki.folder), "--device-key", "pkcs11:object=dha?pin-value=4711"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "pin-value is refused" in err and "4711" not in err


def test_pkcs11_module_without_a_token_key_is_a_usage_error(pki, tmp_path, capsys):
    status = main(
        ["provision", "--pki", str(pki.folder), "--pkcs11-module", "/etc/hostname", "--state-dir", str(tmp_path / "s")]
    )
    assert status == 2
    assert "need a key in a token" in capsys.readouterr().err
