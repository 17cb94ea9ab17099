"""The build and import contract of the compiled core (issue "Installable package").

* CMake configuration without mbedTLS stops with one line naming the Debian package.
* Importing wss.crypto without the compiled module is an ImportError saying how to build.
* The built module links the system mbedTLS dynamically.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _mbedtls_dirs():
    """The folders holding the mbedTLS headers and libraries on this machine."""
    from wss import _core

    out = subprocess.run(["ldd", _core.__file__], capture_output=True, text=True).stdout
    libs = {str(pathlib.Path(line.split("=>")[1].split()[0]).resolve().parent)
            for line in out.splitlines() if "libmbed" in line and "=>" in line}
    for lib in list(libs):  # the unversioned .so links may sit beside /usr/lib twins
        libs.add(lib.replace("/lib/", "/usr/lib/", 1) if not lib.startswith("/usr/") else lib)
    includes = {str(p.parent.parent) for p in pathlib.Path("/").glob("usr/*include/mbedtls/ssl.h")}
    return sorted(libs | includes)


@pytest.mark.skipif(shutil.which("cmake") is None or shutil.which("ldd") is None,
                    reason="cmake or ldd is not installed")
def test_configure_without_mbedtls_names_the_package(tmp_path):
    # Hide the folders mbedTLS lives in from every find_*, as on a machine without
    # libmbedtls-dev.
    proc = subprocess.run(
        ["cmake", "-S", str(ROOT), "-B", str(tmp_path / "build"),
         f"-DPython_EXECUTABLE={sys.executable}",
         f"-DCMAKE_IGNORE_PATH={';'.join(_mbedtls_dirs())}"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if "mbedTLS not found" in line]
    assert len(lines) == 1 and "libmbedtls-dev" in lines[0]


@pytest.mark.parametrize("blocked", ["wss._core", "wss._hot"])
def test_import_without_the_compiled_module_says_how_to_build(blocked):
    script = textwrap.dedent(f"""
        import importlib.abc, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == {blocked!r}:
                    raise ImportError("simulated: not built")
        sys.meta_path.insert(0, Block())
        try:
            import wss.crypto
        except ImportError as exc:
            print("IMPORTERROR:", exc)
        else:
            print("IMPORTED")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, cwd=ROOT).stdout
    assert out.startswith("IMPORTERROR:"), out
    assert "pip install" in out and "libmbedtls-dev" in out


@pytest.mark.skipif(shutil.which("ldd") is None, reason="ldd is not available")
def test_core_links_the_system_mbedtls_dynamically():
    from wss import _core

    out = subprocess.run(["ldd", _core.__file__], capture_output=True, text=True).stdout
    assert "libmbedcrypto" in out and "libmbedtls" in out and "libmbedx509" in out
