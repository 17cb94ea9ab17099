"""The build refuses mixed mbedTLS installations, and so does the import (issue 15).

Real CMake runs the project's own CMakeLists.txt (configure only) against MBEDTLS_ROOT
trees assembled in a temporary folder from two real installations: the system's
(Debian 12's libmbedtls-dev, 2.28) and Debian 13's 3.6 unpacked into build/mbedtls-3.6
by `make mbedtls36` (tools/debian-unpack.sh). A tree with one version's headers and the
other's libraries must stop the configuration with a message naming both versions, by
the shared libraries' file names or, for static archives, by what the linked library
reports at run time. At import, a core that loads another version's library than its
headers' raises ImportError naming both (wss._binding.check_mbedtls_versions).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import NamedTuple, Optional

import pytest

from wss import _binding

REPO = Path(__file__).resolve().parents[2]
MULTIARCH = sysconfig.get_config_var("MULTIARCH") or ""


class Install(NamedTuple):
    """One mbedTLS installation: its include folder, its library folder, its x.y.z."""

    include: Path
    lib: Path
    version: str


def _header_version(include: Path) -> Optional[str]:
    for name in ("mbedtls/build_info.h", "mbedtls/version.h"):
        header = include / name
        if header.exists():
            found = re.search(r"#define\s+MBEDTLS_VERSION_NUMBER\s+(0x[0-9A-Fa-f]+)", header.read_text())
            if found:
                return _binding.version_text(int(found.group(1), 16))
    return None


def _install(prefix: Path) -> Optional[Install]:
    include, lib = prefix / "usr/include", prefix / "usr/lib" / MULTIARCH
    version = _header_version(include)
    if version is None or not (lib / "libmbedcrypto.so").exists():
        return None
    return Install(include, lib, version)


SYSTEM = _install(Path("/"))
DEBIAN13 = _install(REPO / "build/mbedtls-3.6")
CMAKE = shutil.which("cmake", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
MISSING = [
    what
    for what, have in (
        ("the system's mbedTLS (apt-get install libmbedtls-dev)", SYSTEM),
        ("mbedTLS 3.6 in build/mbedtls-3.6 (make mbedtls36)", DEBIAN13),
        ("cmake on PATH", CMAKE),
    )
    if not have
]
pytestmark = pytest.mark.skipif(bool(MISSING), reason="needs " + ", ".join(MISSING))


def _tree(root: Path, headers: Install, libs: Install, static: bool = False) -> Path:
    """A Debian-style MBEDTLS_ROOT: usr/include from one install, usr/lib/<triplet> from another."""
    (root / "usr/lib" / MULTIARCH).mkdir(parents=True)
    (root / "usr/include").symlink_to(headers.include, target_is_directory=True)
    for name in ("mbedtls", "mbedx509", "mbedcrypto"):
        for path in libs.lib.glob(f"lib{name}.{'a' if static else 'so*'}"):
            (root / "usr/lib" / MULTIARCH / path.name).symlink_to(path)
    return root


def _configure(tmp_path: Path, root: Optional[Path]) -> subprocess.CompletedProcess:
    args = [CMAKE, "-S", str(REPO), "-B", str(tmp_path / "cmake-build"), f"-DPython_EXECUTABLE={sys.executable}"]
    if root is not None:
        args.append(f"-DMBEDTLS_ROOT={root}")
    return subprocess.run(args, capture_output=True, text=True, timeout=240)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def installs():
    assert SYSTEM is not None and DEBIAN13 is not None
    assert SYSTEM.version != DEBIAN13.version, "the two installations must be different versions"
    return SYSTEM, DEBIAN13


@pytest.mark.parametrize("swap", [False, True], ids=["3.6-headers-2.28-libraries", "2.28-headers-3.6-libraries"])
def test_mixed_shared_libraries_are_refused_naming_both_versions(tmp_path, installs, swap):
    libs, headers = installs if not swap else installs[::-1]
    done = _configure(tmp_path, _tree(tmp_path / "root", headers, libs))
    message = _one_line(done.stderr)
    assert done.returncode != 0
    assert "mbedTLS version mismatch" in message
    assert f"are mbedTLS {headers.version} but the library" in message
    assert f"is mbedTLS {libs.version}" in message


def test_mixed_static_libraries_are_refused_by_what_the_library_reports(tmp_path, installs):
    system, debian13 = installs
    if not (system.lib / "libmbedcrypto.a").exists():
        pytest.fail(f"{system.lib}/libmbedcrypto.a is missing (Debian's libmbedtls-dev ships it)")
    done = _configure(tmp_path, _tree(tmp_path / "root", debian13, system, static=True))
    message = _one_line(done.stderr)
    assert done.returncode != 0
    assert f"are mbedTLS {debian13.version} but the library" in message
    assert "mbedtls_version_get_number() = 0x" in message and f"is mbedTLS {system.version}" in message


def test_mbedtls_root_is_searched_alone(tmp_path, installs):
    # Headers only under MBEDTLS_ROOT: the system's libraries must not be taken instead
    # (how a core with 3.6 headers and 2.28 libraries was once built without a word).
    root = tmp_path / "root"
    (root / "usr").mkdir(parents=True)
    (root / "usr/include").symlink_to(installs[1].include, target_is_directory=True)
    done = _configure(tmp_path, root)
    assert done.returncode != 0
    message = _one_line(done.stderr)
    assert "mbedTLS not found (apt-get install libmbedtls-dev" in message
    assert f"in MBEDTLS_ROOT={root} (searched:" in message and "MBEDTLS_LIB is missing" in message


@pytest.mark.parametrize("which", ["system", "mbedtls-3.6"])
def test_one_installation_configures_with_its_version(tmp_path, installs, which):
    install = installs[0] if which == "system" else installs[1]
    root = None if which == "system" else REPO / "build/mbedtls-3.6"
    done = _configure(tmp_path, root)
    assert done.returncode == 0, done.stderr
    assert f"-- mbedTLS {install.version}: {install.include}, {install.lib}" in done.stdout
    cache = (tmp_path / "cmake-build/CMakeCache.txt").read_text()
    assert f"WSS_MBEDTLS_RPATH:BOOL={'OFF' if root is None else 'ON'}" in cache


def test_import_refuses_a_core_that_loads_another_versions_library(installs):
    # The dynamic loader takes LD_PRELOAD's library first: the core then calls the other
    # version's mbedtls_version_get_number() and must refuse to import.
    other = next(i for i in installs if i.version != _binding.MBEDTLS_VERSION)
    env = dict(os.environ, LD_PRELOAD=str(other.lib / "libmbedcrypto.so"))
    done = subprocess.run(
        [sys.executable, "-c", "import wss._binding"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: wss._core was compiled with mbedTLS")
    assert f"{_binding.MBEDTLS_VERSION} headers but loaded the mbedTLS {other.version} library" in last


def test_version_check_without_a_version_module_or_with_equal_versions_passes():
    _binding.check_mbedtls_versions(0x03060600, 0x03060600)
    _binding.check_mbedtls_versions(0x021C0300, 0)  # built without MBEDTLS_VERSION_C: nothing to compare
    with pytest.raises(ImportError, match=r"compiled with mbedTLS 2\.28\.3 headers but loaded the mbedTLS 3\.6\.6"):
        _binding.check_mbedtls_versions(0x021C0300, 0x03060600)
    assert _binding.version_text(0x03060600) == "3.6.6"
