"""The factory line and ``wss provision`` with the device key in a software TPM 2.0
(swtpm through tpm2-pkcs11 1.9.0, Debian 12), against the local DSS.

The factory line works through the TPM: ``wss mfg device-csr --generate-in-token`` has the
TPM create the DHA key (CKM_EC_KEY_PAIR_GEN) and sign the CSR (CKM_ECDSA), ``wss mfg
sign`` issues it with the dev PKI's DAK, ``wss mfg control-log --key`` reads the key back.
The Amazon encoded setup network cannot be used: its passphrase comes from ECDH with the
device key (protocol §7.1), and tpm2-pkcs11 1.9.0 has no ECDH (``C_DeriveKey`` answers
CKR_FUNCTION_NOT_SUPPORTED). As the protocol wants, that is one warning line (without the
PIN) and the device joins the fallback setup network ``simple_setup`` (§7.3); there the
TPM signs the mutual-TLS handshakes with the DSS, and the run reaches DONE (mbedTLS 2.28;
on 3.x the token key is refused as a TLS key in one line, docs/pkcs11.md, "TPM 2.0
through tpm2-pkcs11").
"""

from __future__ import annotations

import base64
import json
import logging
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from e2e_world import access_point, accounts, provision_args
from swtpm_token import PIN, TOKEN, session_tpm

from wss._binding import lib
from wss.cli import main
from wss.cloud import DSSServer
from wss.crypto import PrivateKey

PIN_ENV = "WSS_TEST_TPM_PIN"
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo
#: The SDK's default fallback setup network (protocol §7.3), open and hidden.
FALLBACK_AP = access_point("simple_setup", "02:00:00:00:06:01", "OPEN", channel=1, hidden=True)


@pytest.fixture(scope="module")
def tpm(tmp_path_factory):
    return session_tpm(tmp_path_factory)


def test_factory_line_in_the_tpm_then_provision_on_the_fallback_setup_network(
    pki, tpm, tmp_path, monkeypatch, capsys, caplog
):
    monkeypatch.setenv(PIN_ENV, PIN)
    ca, out = pki.folder / "ca", tmp_path / "mfg"
    uri = f"pkcs11:token={TOKEN};object=factory;id=%20"
    token = ["--key", uri, "--pkcs11-module", tpm.module, "--pkcs11-pin-env", PIN_ENV]
    config = ["--config", str(ca / "device.conf")]
    assert main(["mfg", "device-csr", *config, "--out", str(out), *token, "--generate-in-token"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["device.csr"]  # the key stays in the TPM
    csr = x509.load_pem_x509_csr((out / "device.csr").read_bytes())
    assert csr.is_signature_valid  # the TPM's CKM_ECDSA signature, checked by pyca
    dak = ["--ca", str(ca / "dak-certificate.pem"), "--ca-key", str(ca / "dak_private_key.pem")]
    sign = ["--csr", str(out / "device.csr"), *config, "--extensions", "req_ext", *dak, "--days", "30"]
    assert main(["mfg", "sign", *sign, "--out", str(out)]) == 0
    key = PrivateKey.from_pkcs11(uri, tpm.module, pin_env=PIN_ENV)
    leaf = x509.load_pem_x509_certificate((out / "device-certificate.pem").read_bytes())
    assert leaf.public_key().public_bytes(serialization.Encoding.DER, SPKI) == key.public_key_der()
    assert key.public_key_der() != tpm.public_der  # a new key, not the fixture's
    capsys.readouterr()
    control = ["mfg", "control-log", *token]
    assert main([*control, "--cert", str(out / "device-certificate.pem")]) == 0
    assert base64.b64decode(capsys.readouterr().out.split("barcode:")[0]) == key.public_key_der()

    with DSSServer(pki.folder, accounts()) as server:
        args = provision_args(tmp_path, pki, server)
        home = tmp_path / "home.json"  # the home of provision_args, with the fallback network in range
        environment = json.loads(home.read_text())
        environment["access_points"].append(FALLBACK_AP)
        home.write_text(json.dumps(environment))
        with caplog.at_level(logging.WARNING):
            status = main([*args, "--device-chain", str(out / "certificate.pem"), "--device-key", uri, *token[2:]])
    captured = capsys.readouterr()
    assert PIN not in captured.out + captured.err + caplog.text
    if lib.wss_p11_tls_hook() != 0:  # a library wss cannot hook: refused in one line before any TLS
        assert status == 1 and "cannot sign TLS handshakes with a token key" in captured.err
        return
    # the encoded setup network needs ECDH with the device key: one warning line, then §7.3
    warnings = [r.getMessage() for r in caplog.records if "encoded setup network unavailable" in r.getMessage()]
    assert warnings == [
        "encoded setup network unavailable: ECDH with the token key: the PKCS#11 module does not offer this"
        " operation for the key (CKR_FUNCTION_NOT_SUPPORTED or CKR_MECHANISM_INVALID)"
    ]
    assert status == 0, captured.out + captured.err
    assert re.search(r"simple_setup +OPEN +ASSOCIATED", captured.out), captured.out
    assert "result: DONE, joined the home network 'HomeNet'" in captured.out  # the TPM signed the DSS handshakes
