"""Add the licences of the libraries auditwheel copied into a wheel (``make wheel``).

    python tools/wheel_licences.py WHEEL...

``auditwheel repair`` copies the shared libraries a wheel links (here Debian's mbedTLS:
libmbedtls, libmbedx509, libmbedcrypto) into ``<name>.libs/`` but not their licences;
mbedTLS is Apache-2.0, whose section 4 asks that a redistribution carry the licence. For
each library in ``*.libs/`` this finds the Debian package that ships it (``dpkg -S``) and
adds that package's ``/usr/share/doc/<package>/copyright`` and the common licence texts it
names (``/usr/share/common-licenses/Apache-2.0``, ...) under
``<dist-info>/licenses/vendored/``, then rewrites the wheel's RECORD (PEP 376/427: path,
sha256 in urlsafe base64 without padding, size). The wheel is rewritten in place.

Exit status 1, naming the library, when a vendored library belongs to no Debian package
(e.g. a custom MBEDTLS_ROOT): add its licence by hand then.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List

DOC = Path("/usr/share/doc")
COMMON = Path("/usr/share/common-licenses")


def _owner(library: str) -> str:
    """The Debian package shipping ``library`` (a file name such as libmbedtls.so.2.28.3)."""
    proc = subprocess.run(["dpkg", "-S", "*/" + library], capture_output=True, text=True)
    if proc.returncode != 0 or ":" not in proc.stdout:
        raise SystemExit(f"wheel_licences: no Debian package ships {library}; add its licence to the wheel by hand")
    return proc.stdout.splitlines()[0].split(":")[0]


def licence_files(libraries: List[str]) -> Dict[str, bytes]:
    """{name in licenses/vendored/: content} for the packages shipping ``libraries``."""
    files: Dict[str, bytes] = {}
    for package in sorted({_owner(lib) for lib in libraries}):
        copyright_text = (DOC / package / "copyright").read_bytes()
        files[f"{package}.copyright"] = copyright_text
        for name in re.findall(rb"^License: (.+)$", copyright_text, re.M):
            for token in re.split(r"\s+(?:or|and)\s+", name.decode().strip()):
                common = COMMON / token.rstrip("+")
                if common.is_file():
                    files[common.name] = common.read_bytes()
    return files


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def add_licences(wheel: Path) -> List[str]:
    """Rewrite ``wheel`` with the vendored libraries' licences; return the names added."""
    with zipfile.ZipFile(wheel) as zin:
        names = zin.namelist()
        vendored = [n.split("/")[-1] for n in names if ".libs/" in n and not n.endswith("/")]
        libraries = [re.sub(r"-[0-9a-f]{8}(\.so)", r"\1", n) for n in vendored]  # auditwheel's hash out
        (record,) = [n for n in names if n.endswith(".dist-info/RECORD")]
        dist_info = record.rsplit("/", 1)[0]
        added = {f"{dist_info}/licenses/vendored/{k}": v for k, v in licence_files(libraries).items()}
        tmp = wheel.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                if info.filename != record and info.filename not in added:
                    zout.writestr(info, zin.read(info))
            for path, data in added.items():
                zout.writestr(path, data)
            lines = [line for line in zin.read(record).decode().splitlines() if line.split(",")[0] not in added]
            lines += [_record_line(path, data) for path, data in added.items()]
            zout.writestr(zin.getinfo(record), "\n".join(lines) + "\n")
    os.replace(tmp, wheel)
    return sorted(added)


def main(argv: List[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    for wheel in argv:
        for name in add_licences(Path(wheel)):
            print(f"{wheel}: + {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
