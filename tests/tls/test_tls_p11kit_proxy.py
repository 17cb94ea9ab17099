"""The device key behind a PKCS#11 proxy whose far end dies mid-run (docs/pkcs11.md "Errors").

`p11-kit server` (Debian p11-kit) exports the test's SoftHSM2 token on a Unix socket, and
the core loads `p11-kit-client.so` (Debian p11-kit-modules): a second PKCS#11 module, not
ours, that forwards every call over p11-kit's RPC to a `p11-kit-remote` process holding
SoftHSM2. That is how a key reaches a sandboxed process, and the shape of a secure element
owned by a daemon. Killing the server's process group is that daemon dying: the module then
answers CKR_DEVICE_ERROR, and each operation must fail in one line
(WSS_ERR_P11_DEVICE_ERROR) that holds no PIN, in a signature, a TLS handshake and a new open.

The tests of this file run in order: the last one kills the server.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import time
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from softhsm_token import PIN, TOKEN, needs_tls_hook, session_tokens
from tls_server import echo_over_tls

from wss._binding import lib
from wss.crypto import PrivateKey
from wss.errors import TLSError, TokenError
from wss.tls import TLSConfig, TLSConnection

CLIENT_MODULES = sorted(glob.glob("/usr/lib/*/pkcs11/p11-kit-client.so"))
#: How long `p11-kit server` may take to create its socket, seconds.
START_S = 10.0


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if shutil.which("p11-kit") is None or not CLIENT_MODULES:
        pytest.skip("p11-kit's server or client module is missing (Debian p11-kit, p11-kit-modules: `make test-deps`)")
    tokens = session_tokens(tmp_path_factory)
    folder = tmp_path_factory.mktemp("p11-kit")
    sock = folder / "server.sock"
    cmd = ["p11-kit", "server", "--foreground", "-n", str(sock), "--provider", tokens.module, f"pkcs11:token={TOKEN}"]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + START_S
    while not sock.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"p11-kit server did not start: {server.communicate()[1].decode(errors='replace')}")
        time.sleep(0.05)
    previous = os.environ.get("P11_KIT_SERVER_ADDRESS")
    os.environ["P11_KIT_SERVER_ADDRESS"] = f"unix:path={sock}"  # read by p11-kit-client.so at C_Initialize
    pin_file = folder / "pin"
    pin_file.write_text(PIN + "\n")
    yield SimpleNamespace(
        module=CLIENT_MODULES[0], server=server, tokens=tokens, uri=f"pkcs11:token={TOKEN};object=dha", pin=pin_file
    )
    _kill(server)
    if previous is None:
        os.environ.pop("P11_KIT_SERVER_ADDRESS", None)
    else:
        os.environ["P11_KIT_SERVER_ADDRESS"] = previous


def _kill(server: subprocess.Popen) -> None:
    """The server and the p11-kit-remote it started for our connection (its process group)."""
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=10)


def _open(proxy) -> PrivateKey:
    return PrivateKey.from_pkcs11(f"{proxy.uri}?pin-source=file:{proxy.pin}", proxy.module)


def test_the_key_through_the_proxy_is_the_tokens_and_signs(proxy):
    key = _open(proxy)
    assert key.public_key_der() == proxy.tokens.public_key_der("01")
    public = serialization.load_der_public_key(key.public_key_der())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(key.sign(b"through p11-kit"), b"through p11-kit", ec.ECDSA(hashes.SHA256()))


@needs_tls_hook
def test_mutual_tls_with_the_key_through_the_proxy(proxy, pki, token_pki, token_server, server_name):
    config = TLSConfig(token_pki["chain"], _open(proxy), pki.server_ca_pem, handshake_timeout_s=10)
    echo_over_tls(config, token_server.port, server_name)
    assert token_server.peer_subjects == ["TOKENSERIAL01"]


@needs_tls_hook
def test_the_proxy_dying_fails_each_operation_in_one_line(proxy, pki, token_pki, token_server, server_name):
    key = _open(proxy)
    config = TLSConfig(token_pki["chain"], key, pki.server_ca_pem, handshake_timeout_s=10)
    echo_over_tls(config, token_server.port, server_name)
    _kill(proxy.server)

    with pytest.raises(TokenError) as signing:
        key.sign(b"after the daemon died")
    with pytest.raises(TLSError) as handshake:  # the CertificateVerify cannot be signed
        TLSConnection.connect(config, "127.0.0.1", token_server.port, server_hostname=server_name)
    with pytest.raises(TokenError) as opening:
        _open(proxy)
    for err in (signing, handshake, opening):
        message = str(err.value)
        assert err.value.code == lib.WSS_ERR_P11_DEVICE_ERROR, message
        assert "the token stopped working (CKR_DEVICE_ERROR" in message
        assert "\n" not in message and PIN not in message
    assert token_server.peer_subjects == ["TOKENSERIAL01"]  # only the handshake before the death
