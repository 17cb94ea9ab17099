"""The device key in a software TPM 2.0 (swtpm, through tpm2-pkcs11): what works, and the
one line for what does not.

tpm2-pkcs11 1.9.0 (Debian 12) signs with CKM_ECDSA, so the TPM key is a TLS client key on
mbedTLS 2.28: a mutual-TLS handshake against a real OpenSSL server that requires and
verifies the client chain. It has no ECDH (``C_DeriveKey`` answers
CKR_FUNCTION_NOT_SUPPORTED), so the key cannot give the encoded setup network its
passphrase (protocol §7.1): ``ecdh`` fails with one line naming the unsupported operation,
without the PIN. A TPM stopped under an open key fails the next signature at once, in one
line (docs/pkcs11.md, "TPM 2.0 through tpm2-pkcs11").
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from softhsm_token import needs_tls_hook
from swtpm_token import KEY_LABEL, PIN, TOKEN, session_tpm, start_copy, stop
from tls_pki import client_chain, leaf_for_key
from tls_server import TLSTestServer, echo_over_tls

from wss._binding import lib
from wss.crypto import PrivateKey
from wss.errors import TokenError
from wss.tls import TLSConfig

PIN_ENV = "WSS_TEST_TPM_PIN"
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo


@pytest.fixture(scope="module")
def tpm(tmp_path_factory):
    return session_tpm(tmp_path_factory)


@pytest.fixture
def tpm_key(tpm, monkeypatch):
    monkeypatch.setenv(PIN_ENV, PIN)
    return PrivateKey.from_pkcs11(f"pkcs11:token={TOKEN};object={KEY_LABEL}", tpm.module, pin_env=PIN_ENV)


def test_tpm2_pkcs11_offers_ecdsa_and_no_ecdh(tpm):
    """What pkcs11-tool -M lists: the finding docs/pkcs11.md records. Fails (and the doc is
    then to update) when a tpm2-pkcs11 that advertises CKM_ECDH1_DERIVE is installed."""
    mechanisms = tpm.mechanisms
    assert "ECDSA, " in mechanisms and "ECDSA-KEY-PAIR-GEN" in mechanisms
    assert "ECDH" not in mechanisms


def test_the_tpm_key_is_the_one_pkcs11_tool_reads_and_signs(tpm, tpm_key):
    assert tpm_key.in_token and "PKCS#11" in repr(tpm_key) and PIN not in repr(tpm_key)
    assert tpm_key.public_key_der() == tpm.public_der
    public = serialization.load_der_public_key(tpm_key.public_key_der())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    for message in (b"", b"hello TPM", bytes(range(256)) * 9):
        public.verify(tpm_key.sign(message), message, ec.ECDSA(hashes.SHA256()))  # pyca checks the TPM's signature
    with pytest.raises(InvalidSignature):  # and a signature of another message does not verify
        public.verify(tpm_key.sign(b"one"), b"two", ec.ECDSA(hashes.SHA256()))


def test_ecdh_through_the_tpm_is_one_line_naming_the_unsupported_operation(tpm_key):
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(TokenError) as err:
        tpm_key.ecdh(peer.public_bytes(serialization.Encoding.DER, SPKI))
    message = str(err.value)
    assert err.value.code == lib.WSS_ERR_P11_UNSUPPORTED
    assert message.startswith("ECDH with the token key: the PKCS#11 module does not offer this operation")
    assert "CKR_FUNCTION_NOT_SUPPORTED" in message
    assert "\n" not in message and PIN not in message
    # the key goes on signing after the refusal: the session is intact
    assert tpm_key.sign(b"after") != b""


#: Run in a child process (tpm2-pkcs11 reads its TCTI at C_Initialize, once per process):
#: open the key, sign, wait for the parent to stop swtpm, sign again.
_STOPPED_TPM_CHILD = r"""
import sys
from wss.crypto import PrivateKey
from wss.errors import TokenError
key = PrivateKey.from_pkcs11(sys.argv[1], sys.argv[2], pin_env=sys.argv[3])
key.sign(b"before")
print("signed", flush=True)
sys.stdin.readline()
try:
    key.sign(b"after")
except TokenError as err:
    print(err.code, err, sep="\n")
"""


def test_tpm_stopped_under_an_open_key_fails_the_next_signature_at_once_in_one_line(tpm, tmp_path):
    swtpm, env = start_copy(tpm, tmp_path)
    env[PIN_ENV] = PIN
    uri = f"pkcs11:token={TOKEN};object={KEY_LABEL}"
    cmd = [sys.executable, "-c", _STOPPED_TPM_CHILD, uri, tpm.module, PIN_ENV]
    child = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    watchdog = threading.Timer(60, child.kill)  # readline() has no timeout of its own
    watchdog.start()
    try:
        assert child.stdout is not None and child.stdout.readline() == "signed\n"
        stop(swtpm)
        out, err = child.communicate("go\n", timeout=60)
    finally:
        watchdog.cancel()
        child.kill()
        stop(swtpm)
    assert child.returncode == 0, err
    code, message = out.strip().split("\n")
    assert int(code) == lib.WSS_ERR_P11_FAILED  # tpm2-pkcs11: CKR_GENERAL_ERROR, no removal code
    assert message == "ECDSA sign with the token key: the PKCS#11 module reported an error"
    assert PIN not in out + err


@pytest.fixture(scope="module")
def tpm_chain(tpm, tmp_path_factory):
    """A DHA-shaped chain whose leaf certifies the TPM key, and the root the server trusts."""
    root, (_, *cas) = client_chain("TPM DHA")
    folder = tmp_path_factory.mktemp("tpm-pki")
    (folder / "root.pem").write_bytes(root.cert_pem())
    leaf = leaf_for_key("TPMSERIAL01", tpm.public_der, cas[0])
    return leaf.public_bytes(serialization.Encoding.PEM) + b"".join(c.cert_pem() for c in cas), folder / "root.pem"


@needs_tls_hook
def test_mutual_tls_with_the_tpm_key(pki, tpm_chain, tpm_key, server_name):
    chain, root = tpm_chain
    server = TLSTestServer(pki.server, root).start()
    try:
        config = TLSConfig(chain, tpm_key, pki.server_ca_pem, handshake_timeout_s=10)
        for _ in range(2):  # the key's session serves several handshakes
            echo_over_tls(config, server.port, server_name)
    finally:
        server.stop()
    assert server.peer_subjects == ["TPMSERIAL01", "TPMSERIAL01"]  # OpenSSL verified the TPM-signed handshake
