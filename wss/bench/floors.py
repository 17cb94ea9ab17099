"""The C floors shipped with the package, and the check that they match the core's mbedTLS.

``cmake/floors.cmake`` builds ``crypto_floor``, ``tls_floor`` and (where the static mbedTLS
archives exist) ``tls_heap`` with the core and installs them in ``wss/bench/_floors/``
beside ``wss._core``. Each prints its mbedTLS versions with ``--version`` (compiled-in
header and library at run time, ``benchmarks/c/floor_version.h``); a floor whose
versions differ from the core's (``wss._binding.MBEDTLS_VERSION``) is refused, so that
``wss / floor`` never compares two mbedTLS builds.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Dict, Optional

#: The floor programs by name (file names under ``wss/bench/_floors/``).
FLOORS = ("crypto_floor", "tls_floor", "tls_heap")
#: How long ``FLOOR --version`` may take, seconds (a board under emulation is slow).
VERSION_TIMEOUT_S = 30.0


class FloorUnavailable(Exception):
    """A floor cannot be used; the message says why in one line."""


def floors_dir() -> Path:
    """Where the floors are installed: ``_floors/`` in the ``wss/bench`` folder beside
    ``wss._core`` (in an editable install that is site-packages, not the source tree)."""
    import wss._core as core

    return Path(core.__file__).resolve().parent / "bench" / "_floors"


def core_mbedtls() -> str:
    """The mbedTLS version of the wss C core (``wss._binding.MBEDTLS_VERSION``)."""
    from wss import _binding

    return _binding.MBEDTLS_VERSION


def floor_versions(exe: Path) -> Dict[str, Optional[str]]:
    """``{"header": ..., "runtime": ...}`` from ``exe --version``.

    Raises:
        FloorUnavailable: it cannot run or answers something else.
    """
    try:
        proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT_S)
        versions = json.loads(proc.stdout)
        if proc.returncode != 0 or not isinstance(versions, dict) or "header" not in versions:
            raise ValueError(proc.stderr.strip() or proc.stdout.strip())
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise FloorUnavailable(f"{exe.name} does not run here ({exc})") from None
    return versions


def check_versions(name: str, versions: Dict[str, Optional[str]], core: str) -> str:
    """The floor's mbedTLS version when it equals the core's.

    Raises:
        FloorUnavailable: the header or the library the floor runs with is another version.
    """
    mismatched = {k: v for k, v in versions.items() if v is not None and v != core}
    if mismatched:
        seen = ", ".join(f"{k} {v}" for k, v in mismatched.items())
        raise FloorUnavailable(
            f"{name} uses mbedTLS {seen} but the wss core uses {core}: refused (rebuild both with `pip install .`)"
        )
    return versions.get("runtime") or str(versions["header"])


def locate(name: str, directory: Optional[Path] = None) -> Path:
    """The floor ``name``, checked against the core's mbedTLS.

    Args:
        name: one of :data:`FLOORS`.
        directory: where to look (default :func:`floors_dir`).
    Raises:
        FloorUnavailable: not installed, does not run, or another mbedTLS version.
    """
    exe = (directory or floors_dir()) / name
    if not exe.is_file():
        why = "not built here: no static mbedTLS archives" if name == "tls_heap" else "not installed"
        raise FloorUnavailable(f"{name} is {why} ({exe}); reinstall wss (`pip install .` builds the floors)")
    check_versions(name, floor_versions(exe), core_mbedtls())
    return exe


def versions_report(directory: Optional[Path] = None) -> Dict[str, str]:
    """Every floor's mbedTLS version, or why it is unavailable (for the JSON's ``meta``)."""
    out = {"core": core_mbedtls()}
    for name in FLOORS:
        exe = (directory or floors_dir()) / name
        try:
            if not exe.is_file():
                raise FloorUnavailable("not installed")
            out[name] = check_versions(name, floor_versions(exe), out["core"])
        except FloorUnavailable as exc:
            out[name] = f"unavailable: {exc}"
    return out
