"""tools/wheel_licences.py: the licences of the libraries auditwheel vendored go into the wheel.

A small wheel with a vendored ``libmbedtls-<hash>.so.<version>`` (the name auditwheel gives,
for the mbedTLS this machine has) gets Debian's copyright file of the package shipping it
and the Apache-2.0 text, and a RECORD whose every line matches its file; a library no
Debian package ships stops with a message naming it.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import importlib.util
import os
import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("wheel_licences", ROOT / "tools" / "wheel_licences.py")
wheel_licences = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wheel_licences)

_MBEDTLS = sorted(glob.glob("/usr/lib/*/libmbedtls.so.*.*.*"))


def _wheel(tmp_path: Path, library: str) -> Path:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    files = {"demo/__init__.py": b"", f"demo.libs/{library}": b"\x7fELF", "demo-1.0.dist-info/WHEEL": b"x"}
    record = "".join(f"{wheel_licences._record_line(p, d)}\n" for p, d in files.items())
    with zipfile.ZipFile(wheel, "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
        z.writestr("demo-1.0.dist-info/RECORD", record + "demo-1.0.dist-info/RECORD,,\n")
    return wheel


@pytest.mark.skipif(not _MBEDTLS or shutil.which("dpkg") is None, reason="no Debian libmbedtls (libmbedtls-dev) here")
def test_the_vendored_mbedtls_gets_its_copyright_and_licence_and_a_valid_record(tmp_path):
    version = os.path.basename(_MBEDTLS[0]).split(".so.")[1]
    wheel = _wheel(tmp_path, f"libmbedtls-0123abcd.so.{version}")
    added = wheel_licences.add_licences(wheel)
    names = [a.rsplit("/", 1)[1] for a in added]
    assert "Apache-2.0" in names and any(n.startswith("libmbedtls") and n.endswith(".copyright") for n in names)
    with zipfile.ZipFile(wheel) as z:
        lines = z.read("demo-1.0.dist-info/RECORD").decode().splitlines()
        listed = {line.split(",")[0] for line in lines}
        assert listed == {n for n in z.namelist() if not n.endswith("/")}
        for line in lines:
            path, digest, size = line.split(",")
            if digest:
                data = z.read(path)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert (digest, int(size)) == (f"sha256={expected}", len(data)), path
        assert b"Apache License" in z.read("demo-1.0.dist-info/licenses/vendored/Apache-2.0")


def test_a_library_no_package_ships_is_named(tmp_path):
    wheel = _wheel(tmp_path, "libnowhere-0123abcd.so.1.2.3")
    before = wheel.read_bytes()
    with pytest.raises(SystemExit, match=r"no Debian package ships libnowhere\.so\.1\.2\.3"):
        wheel_licences.add_licences(wheel)
    assert wheel.read_bytes() == before
