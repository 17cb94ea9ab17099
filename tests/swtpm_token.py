"""A software TPM 2.0 (swtpm) behind tpm2-pkcs11, for the PKCS#11 key tests.

swtpm runs as a normal process of the test run (no /dev/tpm0, no systemd, no resource
manager daemon), listening on two consecutive loopback ports: libtss2's ``swtpm`` TCTI
takes the command port and uses the next one as the control port. tpm2-pkcs11 keeps its
token metadata (and the TPM-wrapped key blobs) in an SQLite store in the test's temporary
folder (``TPM2_PKCS11_STORE``) and reaches the TPM through ``TPM2_PKCS11_TCTI``. Both are
read at ``C_Initialize``, and the core keeps a module initialised for the life of the
process, so one swtpm and one store serve the whole test run (:func:`session_tpm`); swtpm
is stopped when the run ends.

The token and its key are made through PKCS#11 by OpenSC's ``pkcs11-tool``
(``--init-token``, ``--init-pin``, ``--keypairgen``): the key pair is created by the TPM
(TPM2_Create) and its private part leaves it only wrapped by the TPM's storage key.
``tpm2_ptool`` is not used: it drives tpm2-tools, which leave their transient objects
loaded when no resource manager flushes them, and swtpm's three object slots run out
("tpm:warn(2.0): out of memory for object contexts" from ``tpm2_ptool addtoken``).
For the same reason a second process cannot log in to the token while this one holds it
open ("Error unsealing wrapping key", CKR_GENERAL_ERROR from ``C_Login``): every
``pkcs11-tool`` run happens here, before the tests open a key in the process.

What tpm2-pkcs11 1.9.0 (Debian 12) offers for an EC key (``pkcs11-tool -M``): CKM_ECDSA
(raw, over a digest) and CKM_ECDSA_SHA*, no ECDH mechanism; ``C_DeriveKey`` answers
CKR_FUNCTION_NOT_SUPPORTED. See docs/pkcs11.md, "TPM 2.0 through tpm2-pkcs11".

Needs the Debian packages ``swtpm``, ``libtpm2-pkcs11-1``, ``libtss2-tcti-swtpm0`` and
``opensc`` (Makefile ``TEST_DEBS``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

#: Where Debian installs tpm2-pkcs11's module (libtpm2-pkcs11-1), per architecture.
_MODULE_GLOBS = ("/usr/lib/*/pkcs11/libtpm2_pkcs11.so", "/usr/lib/*/libtpm2_pkcs11.so.1")
#: Where Debian installs libtss2's swtpm TCTI (libtss2-tcti-swtpm0).
_TCTI_GLOBS = ("/usr/lib/*/libtss2-tcti-swtpm.so.0",)

TOKEN = "wss-tpm"
PIN = "240817"
SO_PIN = "97531864"
#: The key pkcs11-tool generates in the TPM for the tests (CKA_LABEL, CKA_ID hex).
KEY_LABEL = "dha"
KEY_ID = "01"
#: Seconds allowed for swtpm to listen, and for each tool run.
START_TIMEOUT_S = 10.0
TOOL_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class SoftwareTPM:
    module: str
    dir: Path
    port: int
    #: The test key's public-key object (DER SubjectPublicKeyInfo) as pkcs11-tool read it
    #: when the key was made, before this process opened the token (see :func:`session_tpm`).
    public_der: bytes = b""
    #: ``pkcs11-tool -M``: the mechanisms the module lists for the token.
    mechanisms: str = ""

    def tool(self, *args: str, login: bool = True, token: Optional[str] = TOKEN) -> subprocess.CompletedProcess:
        """Run ``pkcs11-tool`` on the TPM's token (logged in with the user PIN; ``token``
        None: the module's first slot, where the token is before ``--init-token``)."""
        cmd = ["pkcs11-tool", "--module", self.module]
        cmd += ["--slot-index", "0"] if token is None else ["--token-label", token]
        if login:
            cmd += ["--login", "--pin", PIN]
        done = subprocess.run([*cmd, *args], capture_output=True, timeout=TOOL_TIMEOUT_S)
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"pkcs11-tool {' '.join(args[:2])} failed: {' | '.join(err[-3:]) or done.returncode}")
        return done


_tpm: Optional[SoftwareTPM] = None
#: The swtpm process, held for the life of the run (see :func:`session_tpm`).
_swtpm: Optional[subprocess.Popen] = None


def _first(patterns) -> Optional[str]:
    return next((hit for pattern in patterns for hit in sorted(glob.glob(pattern))), None)


def missing() -> Optional[str]:
    """Why a software TPM cannot be set up here (one line naming what is missing), or None."""
    needs: List[str] = []
    if shutil.which("setpriv") is None:
        needs.append("setpriv (Debian util-linux)")
    if shutil.which("swtpm") is None:
        needs.append("swtpm (Debian swtpm)")
    if _first(_MODULE_GLOBS) is None:
        needs.append("tpm2-pkcs11's module (Debian libtpm2-pkcs11-1)")
    if _first(_TCTI_GLOBS) is None:
        needs.append("libtss2's swtpm TCTI (Debian libtss2-tcti-swtpm0)")
    if shutil.which("pkcs11-tool") is None:
        needs.append("pkcs11-tool (Debian opensc)")
    if not needs:
        return None
    # The arm64 root of `make test-arm64` leaves the TPM packages out on purpose: under
    # qemu-user tpm2-pkcs11's C_Initialize answers CKR_GENERAL_ERROR (docs/portability.md).
    return (
        "missing "
        + ", ".join(needs)
        + ": `make test-deps` installs them (not in the arm64 root: see docs/portability.md)"
    )


def _port_pair() -> int:
    """A loopback port P with P and P + 1 both free just now (the swtpm TCTI's layout)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two consecutive free loopback ports found for swtpm")


def _start_swtpm(state: Path, log: Path) -> Tuple[subprocess.Popen, int]:
    """Start swtpm on a free port pair; retried when another process took a port first."""
    for _ in range(5):
        port = _port_pair()
        cmd = [
            "setpriv", "--pdeathsig", "TERM",  # swtpm ends with this process, however it ends
            "swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}",
            "--server", f"type=tcp,port={port},bindaddr=127.0.0.1",
            "--ctrl", f"type=tcp,port={port + 1},bindaddr=127.0.0.1",
            "--flags", "not-need-init,startup-clear", "--log", f"file={log}",
        ]  # fmt: skip
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port + 1), timeout=1).close()
                return proc, port
            except OSError:
                time.sleep(0.05)
        if proc.poll() is None:
            stop(proc)
            raise RuntimeError(f"swtpm did not listen on 127.0.0.1:{port + 1} within {START_TIMEOUT_S} s")
    raise RuntimeError(f"swtpm could not start (see {log})")


def stop(proc: subprocess.Popen) -> None:
    """Stop swtpm (SIGTERM, then SIGKILL after 10 s) and reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def session_tpm(tmp_path_factory) -> SoftwareTPM:
    """Start (once per test run) swtpm, point tpm2-pkcs11 at it and at a store in a
    temporary folder, make the token and generate the key in the TPM. Skips, naming what
    is missing, without the packages.

    swtpm is started under ``setpriv --pdeathsig TERM``: the kernel stops it when this
    process ends, however it ends (a crash or SIGKILL too). It is not stopped earlier, at
    the session's teardown: tpm2-pkcs11 flushes its TPM objects from a library destructor
    at exit (the core never finalises a module), and would print TCTI errors to stderr if
    swtpm were already gone."""
    global _tpm, _swtpm
    if _tpm is not None:
        return _tpm
    why = missing()
    if why is not None:
        pytest.skip(why)
    top = tmp_path_factory.mktemp("swtpm")
    for sub in ("state", "store"):
        (top / sub).mkdir()
    _swtpm, port = _start_swtpm(top / "state", top / "swtpm.log")
    os.environ["TPM2_PKCS11_TCTI"] = f"swtpm:host=127.0.0.1,port={port}"
    os.environ["TPM2_PKCS11_STORE"] = str(top / "store")
    os.environ["TPM2_PKCS11_LOG_LEVEL"] = "0"  # errors only, on stderr; they reach us as CKR codes too
    tpm = SoftwareTPM(str(_first(_MODULE_GLOBS)), top, port)
    tpm.tool("--init-token", "--label", TOKEN, "--so-pin", SO_PIN, login=False, token=None)
    mechanisms = tpm.tool("-M", login=False).stdout.decode("utf-8", "replace")
    tpm.tool("--init-pin", "--so-pin", SO_PIN, "--pin", PIN, login=False)
    tpm.tool("--keypairgen", "--key-type", "EC:prime256v1", "--usage-sign", "--usage-derive",
             "--label", KEY_LABEL, "--id", KEY_ID)  # fmt: skip
    public = top / "public.der"
    tpm.tool("--read-object", "--type", "pubkey", "--id", KEY_ID, "-o", str(public))
    _tpm = replace(tpm, public_der=public.read_bytes(), mechanisms=mechanisms)
    return _tpm


def start_copy(tpm: SoftwareTPM, folder: Path) -> Tuple[subprocess.Popen, Dict[str, str]]:
    """A second swtpm with a copy of ``tpm``'s state (same seeds, so the same token and
    key) and of its store in ``folder``, for a test that stops it. Returns the process
    and the environment a child process needs to reach it (TPM2_PKCS11_TCTI/STORE; the
    tpm2-tss log silenced). The caller stops the process (:func:`stop`)."""
    shutil.copytree(tpm.dir / "state", folder / "state", ignore=shutil.ignore_patterns(".lock"))
    shutil.copytree(tpm.dir / "store", folder / "store")
    proc, port = _start_swtpm(folder / "state", folder / "swtpm.log")
    env = dict(os.environ, TPM2_PKCS11_TCTI=f"swtpm:host=127.0.0.1,port={port}")
    env.update(TPM2_PKCS11_STORE=str(folder / "store"), TSS2_LOG="all+NONE")
    return proc, env
