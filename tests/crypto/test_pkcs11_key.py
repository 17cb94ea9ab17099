"""P-256 keys in a PKCS#11 token (SoftHSM2): sign, ECDH, the key's secrecy, and the errors.

Peers: SoftHSM2 holds the keys, OpenSC's pkcs11-tool generated them and reads the public
keys, python-pkcs11 (an independent client) tries to read the private value, and
pyca/cryptography verifies the signatures and computes the other side of ECDH.
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from softhsm_token import GONE_TOKENS, PIN, PIN_TOKEN, TOKEN, session_tokens

from wss._binding import ffi, lib, strerror
from wss.crypto import PrivateKey
from wss.crypto._pkcs11 import parse_pkcs11_uri
from wss.errors import TokenError, UsageError

PIN_ENV = "WSS_TEST_TOKEN_PIN"


@pytest.fixture(scope="module")
def tokens(tmp_path_factory):
    return session_tokens(tmp_path_factory)


@pytest.fixture
def pin_env(monkeypatch):
    monkeypatch.setenv(PIN_ENV, PIN)
    return PIN_ENV


def _peer():
    """A pyca P-256 key and its DER SubjectPublicKeyInfo: the other side of ECDH."""
    peer = ec.generate_private_key(ec.SECP256R1())
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return peer, peer.public_key().public_bytes(serialization.Encoding.DER, spki)


def _open(tokens, uri, pin_env=PIN_ENV):
    return PrivateKey.from_pkcs11(uri, tokens.module, pin_env=pin_env)


@pytest.fixture
def dha(tokens, pin_env):
    return _open(tokens, f"pkcs11:token={TOKEN};object=dha")


def test_public_key_is_the_tokens(tokens, dha):
    assert dha.in_token
    assert dha.public_key_der() == tokens.public_key_der("01")


def test_signature_verifies_with_pyca_against_the_tokens_public_key(tokens, dha):
    public = serialization.load_der_public_key(tokens.public_key_der("01"))
    for message in (b"", b"nonce and session id", bytes(range(256)) * 40):
        public.verify(dha.sign(message), message, ec.ECDSA(hashes.SHA256()))


def test_signature_is_strict_der_and_verifies_with_the_core(dha):
    from wss.crypto import ecdsa_verify

    for i in range(64):  # r or s with the top bit set (a 0x00 pad) turns up within a few
        message = i.to_bytes(2, "big")
        assert ecdsa_verify(dha.public_key_der(), message, dha.sign(message))


def test_ecdh_equals_pycas_from_the_other_side(dha):
    token_public = serialization.load_der_public_key(dha.public_key_der())
    for _ in range(3):
        peer, peer_der = _peer()
        assert dha.ecdh(peer_der) == peer.exchange(ec.ECDH(), token_public)


def test_key_found_by_id_alone_and_pin_from_a_file(tokens, tmp_path, dha):
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    key = PrivateKey.from_pkcs11(f"pkcs11:token={TOKEN};id=%01?pin-source=file:{pin_file}", tokens.module)
    assert key.public_key_der() == dha.public_key_der()


def test_uri_without_token_refused_when_several_tokens_are_present(tokens, pin_env):
    # both test tokens hold a key with CKA_ID 01: the first match could be either
    with pytest.raises(TokenError) as err:
        _open(tokens, "pkcs11:id=%01")
    assert err.value.code == lib.WSS_ERR_P11_AMBIGUOUS
    assert "name the token with token=" in str(err.value)


def test_module_path_may_come_from_the_uri(tokens, pin_env):
    key = PrivateKey.from_pkcs11(f"pkcs11:token={TOKEN};object=dha?module-path={tokens.module}", pin_env=pin_env)
    assert key.public_key_der() == tokens.public_key_der("01")


_READ_VALUE = """
import sys
import pkcs11
from pkcs11 import Attribute, ObjectClass
from pkcs11.exceptions import AttributeSensitive

module, token_label, pin, label = sys.argv[1:]
with pkcs11.lib(module).get_token(token_label=token_label).open(user_pin=pin) as session:
    key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
    print(key[Attribute.SENSITIVE], key[Attribute.EXTRACTABLE], key[Attribute.NEVER_EXTRACTABLE])
    try:
        key[Attribute.VALUE]
    except AttributeSensitive:
        print("CKA_VALUE refused")
    else:
        print("CKA_VALUE READ")
"""


def _read_private_value(tokens, label):
    """python-pkcs11's view of the private key ``label``, in its own process (a process
    initialises a module once, and ours already has)."""
    pytest.importorskip("pkcs11", reason="python-pkcs11 (the [test] extra) is not installed")
    args = [sys.executable, "-c", _READ_VALUE, tokens.module, TOKEN, PIN, label]
    run = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.split("\n")[:2]


def test_private_value_cannot_be_read_from_the_token(tokens):
    assert _read_private_value(tokens, "dha") == ["True False True", "CKA_VALUE refused"]


def test_key_generated_in_the_token_is_sensitive_and_works(tokens, pin_env):
    uri = f"pkcs11:token={TOKEN};object=generated;id=%20"
    key = PrivateKey.generate_in_pkcs11(uri, tokens.module, pin_env=PIN_ENV)
    assert key.in_token and key.public_key_der() == tokens.public_key_der("20")
    public = serialization.load_der_public_key(key.public_key_der())
    public.verify(key.sign(b"m"), b"m", ec.ECDSA(hashes.SHA256()))
    peer, peer_der = _peer()
    assert key.ecdh(peer_der) == peer.exchange(ec.ECDH(), public)  # CKA_DERIVE set
    assert _read_private_value(tokens, "generated") == ["True False True", "CKA_VALUE refused"]
    with pytest.raises(TokenError) as err:  # never a second key under the same name
        PrivateKey.generate_in_pkcs11(uri, tokens.module, pin_env=PIN_ENV)
    assert err.value.code == lib.WSS_ERR_P11_KEY_EXISTS
    assert "cannot generate PKCS#11 key" in str(err.value)


def test_no_secret_in_repr_no_pickling_no_copy(dha):
    assert repr(dha).startswith("<PrivateKey P-256 PKCS#11 public-sha256=")
    assert PIN not in repr(dha)
    for attempt in (lambda: pickle.dumps(dha), lambda: copy.copy(dha), lambda: copy.deepcopy(dha)):
        with pytest.raises(TypeError):
            attempt()


def test_wrong_pin_refused_without_showing_it(tokens, monkeypatch):
    monkeypatch.setenv(PIN_ENV, "999111")
    with pytest.raises(TokenError) as err:
        _open(tokens, f"pkcs11:token={PIN_TOKEN};object=dha")
    assert err.value.code == lib.WSS_ERR_P11_PIN_INCORRECT
    assert "refused the PIN" in str(err.value)
    assert "999111" not in str(err.value) and "\n" not in str(err.value)
    monkeypatch.setenv(PIN_ENV, PIN)  # the right PIN still works afterwards
    assert _open(tokens, f"pkcs11:token={PIN_TOKEN};object=dha").in_token


@pytest.mark.parametrize(
    "uri, code, text",
    [
        (f"pkcs11:token={TOKEN};object=nothing", "WSS_ERR_P11_NO_KEY", "no matching private key"),
        (f"pkcs11:token={TOKEN};id=%7f", "WSS_ERR_P11_NO_KEY", "no matching private key"),
        ("pkcs11:token=no-such-token;object=dha", "WSS_ERR_P11_NO_TOKEN", "no PKCS#11 token"),
        (f"pkcs11:token={TOKEN};object=p384", "WSS_ERR_P11_KEY_TYPE", "not an EC key on P-256"),
        (f"pkcs11:token={TOKEN};object=rsa", "WSS_ERR_P11_KEY_TYPE", "not an EC key on P-256"),
    ],
)
def test_key_errors_are_distinct_one_line_and_name_the_uri(tokens, pin_env, uri, code, text):
    with pytest.raises(TokenError) as err:
        _open(tokens, uri)
    assert err.value.code == getattr(lib, code)
    assert text in str(err.value) and uri in str(err.value)
    assert PIN not in str(err.value) and "\n" not in str(err.value)


def test_key_without_derive_usage_signs_but_refuses_ecdh(tokens, pin_env, dha):
    key = _open(tokens, f"pkcs11:token={TOKEN};object=signonly")
    assert key.sign(b"x")
    with pytest.raises(TokenError) as err:
        key.ecdh(dha.public_key_der())
    assert err.value.code == lib.WSS_ERR_P11_KEY_USAGE


def test_token_removed_mid_run_is_one_line_without_the_pin(tokens, pin_env, dha):
    uri = f"pkcs11:token={GONE_TOKENS[0]};object=dha"
    key = _open(tokens, uri)
    peer_der = _peer()[1]
    assert key.sign(b"before") and len(key.ecdh(peer_der)) == 32
    tokens.remove(GONE_TOKENS[0])  # the session stays open, the key's object is gone
    for use in (lambda: key.sign(b"after"), lambda: key.ecdh(peer_der)):
        with pytest.raises(TokenError) as err:
            use()
        assert err.value.code == lib.WSS_ERR_P11_TOKEN_REMOVED
        assert "the token was removed" in str(err.value)
        assert PIN not in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(TokenError) as err:  # opening it again: the token is not there
        _open(tokens, uri)
    assert err.value.code == lib.WSS_ERR_P11_NO_TOKEN
    assert dha.sign(b"the other token's key still works")


@pytest.mark.parametrize("name", sorted(n for n in dir(lib) if n.startswith("WSS_ERR_P11_")))
def test_every_token_error_text_is_whole(name):
    code = getattr(lib, name)
    roomy = ffi.new("char[]", 1024)
    lib.wss_strerror(code, roomy, len(roomy))
    whole = ffi.string(roomy).decode("ascii")
    assert strerror(code) == whole  # the messages' buffer does not cut it
    assert whole and "\n" not in whole and not whole.startswith("UNKNOWN")


@pytest.mark.parametrize("module", ["/nonexistent/libtoken.so", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc"])
def test_missing_or_foreign_module_refused(module, pin_env):
    with pytest.raises(TokenError) as err:
        PrivateKey.from_pkcs11(f"pkcs11:token={TOKEN};object=dha", module, pin_env=pin_env)
    assert err.value.code == lib.WSS_ERR_P11_MODULE
    assert f"module {module}" in str(err.value)


def test_no_module_at_all_is_a_usage_error(pin_env):
    with pytest.raises(UsageError, match="no PKCS#11 module"):
        PrivateKey.from_pkcs11(f"pkcs11:token={TOKEN};object=dha", pin_env=pin_env)


def test_pin_variable_not_set_is_a_usage_error(tokens, monkeypatch):
    monkeypatch.delenv("WSS_TEST_NO_SUCH_PIN", raising=False)
    with pytest.raises(UsageError, match="WSS_TEST_NO_SUCH_PIN is not set"):
        _open(tokens, f"pkcs11:token={TOKEN};object=dha", pin_env="WSS_TEST_NO_SUCH_PIN")


# ---- the URI (RFC 7512) ---------------------------------------------------------------------


def test_uri_attributes_are_percent_decoded():
    uri = parse_pkcs11_uri("pkcs11:token=My%20Token;object=d%3Dha;id=%01%aB;type=private?pin-source=file:///run/p%20in")
    assert (uri.token, uri.object, uri.id, uri.pin_source) == ("My Token", "d=ha", b"\x01\xab", "/run/p in")


@pytest.mark.parametrize(
    "uri, message",
    [
        ("token=dev;object=dha", "starting with 'pkcs11:'"),
        ("pkcs11:object=dha?pin-value=123456", "pin-value is refused"),
        ("pkcs11:object=dha;pin-value=123456", "pin-value is refused"),
        ("pkcs11:token=dev", "names no key"),
        ("pkcs11:object=dha;type=public", "type must be 'private'"),
        ("pkcs11:object=dha;serial=42", "'serial' is not supported"),
        ("pkcs11:object=dha;object=dak", "given twice"),
        ("pkcs11:object=dha?pin-source=env:PIN", "pin-source must be file:PATH"),
        ("pkcs11:object", "'object' is not supported"),
    ],
)
def test_bad_uris_are_usage_errors_without_the_pin(uri, message):
    with pytest.raises(UsageError) as err:
        parse_pkcs11_uri(uri)
    assert message in str(err.value)
    assert "123456" not in str(err.value)


def test_pin_file_and_pin_variable_together_refused(tokens, tmp_path, pin_env):
    with pytest.raises(UsageError, match="not both"):
        _open(tokens, f"pkcs11:object=dha?pin-source=file:{tmp_path / 'pin'}")


def test_unreadable_pin_file_is_a_usage_error(tokens, tmp_path):
    with pytest.raises(UsageError, match="cannot read the PIN file"):
        _open(tokens, f"pkcs11:object=dha?pin-source=file:{tmp_path / 'absent'}", pin_env=None)


def test_after_fork_the_child_opens_the_key_again(tokens, pin_env, dha):
    # PKCS#11 v2.40 §6.7.7: a child initialises the module again; the parent's session and
    # handles mean nothing there. The child reports through its exit status.
    public = serialization.load_der_public_key(dha.public_key_der())
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            try:
                dha.sign(b"before")
                status = 2
            except TokenError as err:
                if err.code == lib.WSS_ERR_P11_FORKED and "open it again" in str(err):
                    again = _open(tokens, f"pkcs11:token={TOKEN};object=dha")
                    public.verify(again.sign(b"child"), b"child", ec.ECDSA(hashes.SHA256()))
                    status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    public.verify(dha.sign(b"parent"), b"parent", ec.ECDSA(hashes.SHA256()))  # the parent's key still works


def test_one_key_used_by_several_threads_at_once(dha):
    # one PKCS#11 session per key, used under the key's session lock (PKCS#11 v2.40 §5.1)
    from concurrent.futures import ThreadPoolExecutor

    public = serialization.load_der_public_key(dha.public_key_der())
    peer, peer_der = _peer()
    expected = peer.exchange(ec.ECDH(), public)

    def work(i):
        message = b"thread %d" % i
        public.verify(dha.sign(message), message, ec.ECDSA(hashes.SHA256()))
        return dha.ecdh(peer_der)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(work, range(64))) == {expected}
