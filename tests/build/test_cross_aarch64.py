"""The core cross-compiles for aarch64 (issue 15; docs/portability.md "Cross-compiling").

Real tools: Debian's cross compiler (gcc-aarch64-linux-gnu), CMake with the project's
toolchain file cmake/aarch64-linux-gnu.cmake, and a Debian 12 arm64 sysroot (C library,
mbedTLS 2.28, Python 3.11 headers) that `make sysroot-aarch64` unpacks into
build/sysroot-aarch64. The build's cffi step runs on the build machine's Python; the C is
compiled for the target. `file` and readelf must see aarch64 shared objects that need the
target's three mbedTLS libraries and carry no RPATH into the build machine. CMake wants the
build machine's Python at the target's version (3.11, Debian 12's): this interpreter when
it is 3.11 (the main suite), else a 3.11 with cffi that tools/find-python.sh finds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSROOT = REPO / "build/sysroot-aarch64"
TOOLS = {name: shutil.which(name) for name in ("aarch64-linux-gnu-gcc", "cmake", "file", "readelf")}
MISSING = [f"{name} (make test-deps)" for name, path in TOOLS.items() if path is None]
TARGET_PYTHON = "3.11"


def _build_python():
    """A Python at the target's version that can run cffi's generator, or None."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == TARGET_PYTHON:
        return sys.executable
    found = subprocess.run([str(REPO / "tools/find-python.sh"), TARGET_PYTHON], capture_output=True, text=True)
    python = found.stdout.strip()
    if found.returncode != 0 or subprocess.run([python, "-c", "import cffi"], capture_output=True).returncode != 0:
        return None
    return python


BUILD_PYTHON = _build_python()
if BUILD_PYTHON is None:
    MISSING.append(f"a build-machine Python {TARGET_PYTHON} with cffi (the sysroot's Python version)")
if not (SYSROOT / "usr/include/mbedtls/ssl.h").exists() or not (SYSROOT / "usr/include/python3.11").is_dir():
    MISSING.append(f"the arm64 sysroot {SYSROOT} (make sysroot-aarch64)")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(MISSING), reason="needs " + ", ".join(MISSING))]


@pytest.fixture(scope="module")
def cross_build(tmp_path_factory):
    build = tmp_path_factory.mktemp("cross-aarch64")
    configure = subprocess.run(
        [
            "cmake", "-S", str(REPO), "-B", str(build), "--toolchain", str(REPO / "cmake/aarch64-linux-gnu.cmake"),
            "-DCMAKE_BUILD_TYPE=Release", f"-DWSS_SYSROOT={SYSROOT}", f"-DMBEDTLS_ROOT={SYSROOT}",
            f"-DPython_EXECUTABLE={BUILD_PYTHON}", f"-DPython_INCLUDE_DIR={SYSROOT}/usr/include/python{TARGET_PYTHON}",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert configure.returncode == 0, configure.stderr
    compiled = subprocess.run(
        ["cmake", "--build", str(build), "--target", "_core", "_hot", "-j2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert compiled.returncode == 0, compiled.stdout[-4000:] + compiled.stderr[-4000:]
    return build, configure.stdout


def test_the_toolchain_targets_aarch64_and_finds_mbedtls_in_the_sysroot(cross_build):
    build, log = cross_build
    cache = (build / "CMakeCache.txt").read_text()
    compiler = next(build.glob("CMakeFiles/*/CMakeCCompiler.cmake")).read_text()
    assert 'set(CMAKE_C_COMPILER "/usr/bin/aarch64-linux-gnu-gcc")' in compiler
    assert 'set(CMAKE_SYSTEM_PROCESSOR "aarch64")' in next(build.glob("CMakeFiles/*/CMakeSystem.cmake")).read_text()
    assert f"-- mbedTLS 2.28.3: {SYSROOT}/usr/include, {SYSROOT}/usr/lib/aarch64-linux-gnu" in log
    assert "WSS_MBEDTLS_RPATH:BOOL=OFF" in cache  # the sysroot's folders are the target's own


@pytest.mark.parametrize("module", ["_core", "_hot"])
def test_the_modules_are_aarch64_shared_objects(cross_build, module):
    build, _ = cross_build
    path = next(build.glob(f"{module}*.so"))
    described = subprocess.run(["file", "-b", str(path)], capture_output=True, text=True, check=True).stdout
    assert described.startswith("ELF 64-bit LSB shared object, ARM aarch64"), described
    dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    assert "RPATH" not in dynamic and "RUNPATH" not in dynamic
    needed = {line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line}
    if module == "_core":
        assert {"libmbedtls.so.14", "libmbedx509.so.1", "libmbedcrypto.so.7"} <= needed
    else:  # wss._hot calls the core through its export table and links no mbedTLS
        assert not any(name.startswith("libmbed") for name in needed)
