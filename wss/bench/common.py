"""What every suite shares: the "suite cannot run" error, peer versions, table rendering,
the header lines (machine, versions, load), and writing the JSON."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from .machine import one_line


class SuiteUnavailable(Exception):
    """A suite cannot run here (a missing extra or tool); the message says which, in one line."""


def peer_versions() -> Dict[str, Optional[str]]:
    """The peers' versions, None for a peer that is not installed."""
    out: Dict[str, Optional[str]] = {}
    try:
        from cryptography import __version__ as pyca
        from cryptography.hazmat.backends.openssl.backend import backend

        out["cryptography"] = f"{pyca} ({backend.openssl_version_text()})"
    except ImportError:
        out["cryptography"] = None
    try:
        from mbedtls import __version__ as pym
        from mbedtls import version as pym_lib

        out["python-mbedtls"] = f"{pym} (bundles {pym_lib.version})"
    except ImportError:
        out["python-mbedtls"] = None
    import ssl

    out["python_ssl"] = ssl.OPENSSL_VERSION
    return out


def format_ns(ns: float) -> str:
    """``ns`` nanoseconds with a unit that keeps 3–4 significant digits."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns < 100 * scale else f"{ns / scale:.0f} {unit}"
    return f"{ns:.0f} ns"


def render(rows: Sequence[Sequence[str]]) -> List[str]:
    """Rows of cells as left-aligned columns, two spaces apart."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]


def _load(avg: Sequence[float]) -> str:
    return "/".join(f"{x:.2f}" for x in avg)


def header_lines(title: str, meta: Mapping) -> List[str]:
    """A table's header: title, machine, versions, load before and after."""
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items() if v)
    return [
        title,
        "machine: " + one_line(meta["machine"]),
        f"versions: {versions}",
        f"load average (1/5/15 min): {_load(meta['loadavg_start'])} before, {_load(meta['loadavg_end'])} after",
        "",
    ]


def write_json(result: Mapping, out: Path) -> None:
    """Write ``result`` as indented JSON to ``out`` (folders created; atomic: a crash
    mid-write leaves the previous file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(result: Mapping, table: str, out: Path) -> None:
    """Print ``table`` and write ``result`` to ``out``, saying where."""
    print(table)
    write_json(result, out)
    print(f"\nJSON written to {out}")
