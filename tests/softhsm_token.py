"""SoftHSM2 tokens made by the tests in a temporary folder, for the PKCS#11 key tests.

Keys are generated IN the token by OpenSC's ``pkcs11-tool`` (an independent PKCS#11
client), so their private values never exist outside it. The PKCS#11 module reads
``SOFTHSM2_CONF`` once, at ``C_Initialize``, and the core keeps a module initialised for
the life of the process: every test of a run therefore shares one token folder, made once
(:func:`session_tokens`), with every token and key the tests need.

Needs the Debian packages ``softhsm2`` and ``opensc`` (Makefile ``TEST_DEBS``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from wss._binding import MBEDTLS_VERSION, lib

#: Where Debian (and most distributions) install SoftHSM2's module.
_MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")

#: The token every key test uses, and its keys (label: CKA_ID hex, key type, usages).
TOKEN = "wss-dev"
PIN = "715349"
SO_PIN = "86420097"
#: A token only the wrong-PIN test opens: PKCS#11 logins are per application and token,
#: so a token another test is logged into would not check a PIN again.
PIN_TOKEN = "wss-pin"
#: Tokens a test deletes while a key of theirs is open (:meth:`Tokens.remove`), one per
#: test: SoftHSM2 sees only the tokens present at C_Initialize, so none is made later.
GONE_TOKENS = ("wss-gone-ops", "wss-gone-tls")
KEYS = {
    "dha": ("01", "EC:prime256v1", ("--usage-sign", "--usage-derive")),
    "signonly": ("02", "EC:prime256v1", ("--usage-sign",)),
    "p384": ("03", "EC:secp384r1", ("--usage-sign", "--usage-derive")),
    "rsa": ("04", "rsa:2048", ("--usage-sign",)),
}


@dataclass(frozen=True)
class Tokens:
    module: str
    dir: Path

    def tool(self, *args: str, token: str = TOKEN, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``pkcs11-tool`` on ``token``, logged in with the user PIN."""
        cmd = ["pkcs11-tool", "--module", self.module, "--token-label", token, "--login", "--pin", PIN, *args]
        return subprocess.run(cmd, capture_output=True, check=check, timeout=60)

    def public_key_der(self, key_id: str, token: str = TOKEN) -> bytes:
        """The key's public-key object as DER SubjectPublicKeyInfo, read by pkcs11-tool."""
        out = self.dir / f"pub-{token}-{key_id}.der"
        self.tool("--read-object", "--type", "pubkey", "--id", key_id, "-o", str(out), token=token)
        return out.read_bytes()

    def remove(self, token: str) -> None:
        """Delete ``token`` (its folder) under a process that has its key open: SoftHSM2's
        closest thing to pulling a token out (its sessions stay, its objects are gone)."""
        cmd = ["softhsm2-util", "--delete-token", "--token", token]
        subprocess.run(cmd, capture_output=True, check=True, timeout=60)


_tokens: Optional[Tokens] = None

#: Why a token key cannot sign a TLS handshake with this mbedTLS library (csrc/wss_pkcs11.c,
#: docs/pkcs11.md "Mutual TLS"); None where it can (2.28, and 3.x libraries whose
#: mbedtls_eckey_info has the layout wss restates: Debian's 3.6 among them, checked by
#: tests/crypto/test_pkcs11_tls_layout.py).
NO_TLS_HOOK = (
    None
    if lib.wss_p11_tls_hook() == 0
    else f"mbedTLS {MBEDTLS_VERSION}: its mbedtls_eckey_info does not have the layout wss restates, so a token"
    " key cannot sign a TLS handshake (docs/pkcs11.md)"
)
#: Skips a test that needs a token key to sign a TLS handshake, naming why.
needs_tls_hook = pytest.mark.skipif(NO_TLS_HOOK is not None, reason=NO_TLS_HOOK or "")


def softhsm_module() -> Optional[str]:
    return next((m for m in _MODULES if os.path.exists(m)), None)


def session_tokens(tmp_path_factory) -> Tokens:
    """Make (once per test run) the token folder, point ``SOFTHSM2_CONF`` at it, create
    the tokens and generate the keys. Skips, naming what is missing, without SoftHSM2 or
    pkcs11-tool."""
    global _tokens
    if _tokens is not None:
        return _tokens
    module = softhsm_module()
    if module is None:
        pytest.skip("SoftHSM2 is not installed (Debian package softhsm2: `make test-deps`)")
    if shutil.which("pkcs11-tool") is None or shutil.which("softhsm2-util") is None:
        pytest.skip("pkcs11-tool or softhsm2-util is missing (Debian packages opensc, softhsm2: `make test-deps`)")
    top = tmp_path_factory.mktemp("softhsm")
    (top / "tokens").mkdir()
    conf = top / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {top / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    tokens = Tokens(module, top)
    for label in (TOKEN, PIN_TOKEN, *GONE_TOKENS):
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN],
            capture_output=True,
            check=True,
            timeout=60,
        )
    for label, (key_id, key_type, usages) in KEYS.items():
        tokens.tool("--keypairgen", "--key-type", key_type, *usages, "--label", label, "--id", key_id)
    for label in (PIN_TOKEN, *GONE_TOKENS):
        tokens.tool("--keypairgen", "--key-type", "EC:prime256v1", "--usage-sign", "--usage-derive",
                    "--label", "dha", "--id", "01", token=label)  # fmt: skip
    _tokens = tokens
    return tokens
