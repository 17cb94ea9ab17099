"""The wheel carries its own mbedTLS: it installs and provisions on a machine without any.

``make wheel`` builds the wheel and repairs it with auditwheel (docs/portability.md, "The
wheel"). Here it goes into a minimal Debian 12 root made by ``debootstrap --variant=minbase``
with python3 and python3-venv only — no libmbedtls, no compiler — cached in
``build/roots/`` (tests/roots/debian_root.sh). Inside the root, through ``chroot`` with a
clean environment: a fresh venv, ``pip install`` of the wheel with the [tools,mock] extras
offline from wheels fetched on the host (pip download), then

* ``ldd`` resolves every mbedTLS library of the core and of the benchmark floors inside the
  installed wheel (``wss_provisionee.libs/``), and the root has no mbedTLS of its own (no
  dpkg package, nothing in the loader's cache);
* ``wss selfcheck`` passes;
* the demo (``examples/demo.py``: development PKI, the local DSS, ``wss provision`` on the
  mock radio) ends DONE on the home network.

Needs root (debootstrap, chroot, a private mount namespace for /proc) and Debian's
``debootstrap`` (``make test`` installs it). About 2 minutes the first time (the root), 40 s
after. The wheel is built for this interpreter; Debian 12's python3 is 3.11, so other
interpreters skip, saying so.
"""

from __future__ import annotations

import fcntl
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEBIAN_ROOT = ROOT / "build" / "roots" / "bookworm-minbase"
# Debian 12's python3: the wheel must be built for the same CPython to install in the root.
ROOT_PYTHON = (3, 11)
pytestmark = [pytest.mark.slow, pytest.mark.root]

_REASONS = [
    (os.geteuid() != 0, "needs root: debootstrap, chroot and a private mount namespace"),
    (shutil.which("debootstrap") is None, "Debian's debootstrap is not installed (make test installs it)"),
    (shutil.which("unshare") is None or shutil.which("make") is None, "unshare (util-linux) or make is missing"),
    (
        sys.version_info[:2] != ROOT_PYTHON,
        f"the wheel would be cp{sys.version_info[0]}{sys.version_info[1]}, the Debian 12 root's python3 is "
        f"{ROOT_PYTHON[0]}.{ROOT_PYTHON[1]}",
    ),
]
_SKIP = [reason for missing, reason in _REASONS if missing]


def _run(argv, timeout, **kwargs):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert proc.returncode == 0, (
        f"{argv[:3]}... exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


def _debian_root() -> pathlib.Path:
    """The cached minimal root (built once; a lock keeps concurrent runs apart)."""
    DEBIAN_ROOT.parent.mkdir(parents=True, exist_ok=True)
    with open(DEBIAN_ROOT.parent / ".bookworm-minbase.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _run(
            [
                str(ROOT / "tests" / "roots" / "debian_root.sh"),
                str(DEBIAN_ROOT),
                "-",
                "minbase",
                "python3,python3-venv",
            ],
            timeout=1200,
        )
    return DEBIAN_ROOT


class Chroot:
    """Commands in the Debian root: a clean environment, /proc mounted in a private namespace."""

    def __init__(self, root: pathlib.Path, work: str):
        self.root, self.work = root, work

    def run(self, script: str, timeout: float = 600) -> subprocess.CompletedProcess:
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}
        inner = f'mount -t proc proc "$0/proc" && exec chroot "$0" sh -ec "cd {self.work}; $1"'
        return subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner, str(self.root), script],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if _SKIP:
        pytest.skip("; ".join(_SKIP))
    dist = tmp_path_factory.mktemp("wheel")
    _run(["make", "-C", str(ROOT), "wheel", f"WHEEL_DIR={dist}", f"VENV={sys.prefix}"], timeout=900)
    (wheel,) = dist.glob("wss_provisionee-*.whl")
    root = _debian_root()
    host_work = pathlib.Path(tempfile.mkdtemp(prefix="wss-wheel-", dir=root / "opt"))
    try:
        (host_work / "wheelhouse").mkdir()
        shutil.copy2(wheel, host_work / "wheelhouse")
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--disable-pip-version-check",
                "-d",
                str(host_work / "wheelhouse"),
                f"{wheel}[tools,mock]",
            ],
            timeout=600,
        )
        shutil.copytree(ROOT / "examples", host_work / "examples")
        chroot = Chroot(root, "/opt/" + host_work.name)
        proc = chroot.run(
            "python3 -m venv venv && venv/bin/python -m pip install -q --no-index "
            f"--find-links wheelhouse 'wheelhouse/{wheel.name}[tools,mock]'"
        )
        assert proc.returncode == 0, proc.stderr
        yield chroot
    finally:
        shutil.rmtree(host_work, ignore_errors=True)


def test_the_wheel_is_manylinux_and_carries_the_mbedtls_libraries(installed):
    proc = installed.run("ls venv/lib/python3.*/site-packages/wss_provisionee.libs")
    assert proc.returncode == 0, proc.stderr
    names = proc.stdout.split()
    for lib in ("libmbedtls", "libmbedx509", "libmbedcrypto"):
        assert [n for n in names if n.startswith(lib + "-")], names
    proc = installed.run("cat venv/lib/python3.*/site-packages/wss_provisionee-*.dist-info/WHEEL")
    assert "-manylinux_" in proc.stdout, proc.stdout
    # mbedTLS is Apache-2.0: the wheel carries its licence (tools/wheel_licences.py)
    proc = installed.run("ls venv/lib/python3.*/site-packages/wss_provisionee-*.dist-info/licenses/vendored")
    assert proc.returncode == 0, proc.stderr
    licences = proc.stdout.split()
    assert "Apache-2.0" in licences, licences
    for lib in ("libmbedtls", "libmbedx509", "libmbedcrypto"):
        assert [n for n in licences if n.startswith(lib) and n.endswith(".copyright")], licences


def test_the_root_has_no_mbedtls_of_its_own(installed):
    proc = installed.run("dpkg -l | grep -i mbedtls || true; ldconfig -p | grep -i libmbed || true")
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout


@pytest.mark.parametrize("binary", ["wss/_core.*.so", "wss/bench/_floors/tls_floor"])
def test_every_mbedtls_library_resolves_inside_the_installed_wheel(installed, binary):
    proc = installed.run(f"ldd venv/lib/python3.*/site-packages/{binary}")
    assert proc.returncode == 0, proc.stderr
    mbed = [line for line in proc.stdout.splitlines() if "libmbed" in line]
    assert len(mbed) == 3, proc.stdout
    for line in mbed:
        resolved = os.path.normpath(line.split("=>")[1].split()[0]) if "=>" in line else line
        assert "/venv/lib/python3" in resolved and "/site-packages/wss_provisionee.libs/" in resolved, line
    _hot = installed.run("ldd venv/lib/python3.*/site-packages/wss/_hot.*.so")
    assert _hot.returncode == 0 and "libmbed" not in _hot.stdout  # _hot calls _core's export table


def test_selfcheck_passes_without_a_system_mbedtls(installed):
    proc = installed.run("venv/bin/wss selfcheck")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "selfcheck passed" in proc.stdout and ", mbedTLS " in proc.stdout, proc.stdout


def test_a_whole_provisioning_reaches_done_against_the_local_dss(installed):
    # examples/demo.py alone (no wss/ beside it): it runs the installed package.
    proc = installed.run("venv/bin/python examples/demo.py --out demo-out", timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "demo PASSED: DONE on the home network" in proc.stdout
    where = installed.run("venv/bin/python -c 'import wss; print(wss.__file__)'")
    assert "/venv/lib/python3." in where.stdout, where.stdout
