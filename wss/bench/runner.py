"""``wss bench``: run the chosen suites in one process, print their tables, write one JSON.

The JSON (``format: wss-bench/1``): ``meta`` (the machine with its emulation signals, the
load average before and after the whole run, the mbedTLS version of the core and of each
floor, the options) and ``suites``: per suite its own result (:mod:`wss.bench.crypto`,
:mod:`wss.bench.tls`, :mod:`wss.bench.provision`) or ``{"unavailable": why}``.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from . import SUITES, floors, machine
from .common import SuiteUnavailable, publish

FORMAT = "wss-bench/1"


def _suite(name: str, quick: bool, rounds: Optional[int], max_rounds: Optional[int]) -> Callable[[], dict]:
    if name == "crypto":
        from . import crypto

        if quick:
            return lambda: crypto.run(50_000, rounds or 1, 1, max_rounds or rounds or 1)
        return lambda: crypto.run(20_000_000, rounds or 7, 3, max_rounds)
    if name == "tls":
        from . import tls

        if quick:
            return lambda: tls.run(rounds or 1, 2, 1, massif=False, max_rounds=max_rounds or rounds or 1)
        return lambda: tls.run(rounds or 10, 20, 5, max_rounds=max_rounds)
    from . import provision

    if quick:
        return lambda: provision.run(rounds or 1, rounds or 1, 1, quick=True, max_rounds=max_rounds or rounds or 1)
    return lambda: provision.run(3 * (rounds or 5), rounds or 5, 10, max_rounds=max_rounds)


def _formatter(name: str) -> Callable[[dict], str]:
    from . import crypto, provision, tls

    return {"crypto": crypto.format_table, "tls": tls.format_table, "provision": provision.format_table}[name]


def run(
    suites: Sequence[str] = SUITES,
    quick: bool = False,
    rounds: Optional[int] = None,
    max_rounds: Optional[int] = None,
    out: Optional[Path] = None,
    echo: Callable[[str], None] = print,
) -> dict:
    """Run ``suites`` in order; print each table as it finishes; write the JSON to ``out``.

    A suite that cannot run here (a missing extra, the openssl CLI, a floor) is reported
    as unavailable with the reason, one whose peer or floor breaks as failed; the others
    still run.
    """
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load_before = machine.loadavg()
    results: Dict[str, dict] = {}
    for name in suites:
        try:
            results[name] = _suite(name, quick, rounds, max_rounds)()
            echo(_formatter(name)(results[name]))
        except SuiteUnavailable as exc:
            results[name] = {"unavailable": str(exc)}
            echo(f"wss bench {name}: unavailable — {exc}")
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:  # a peer or floor broke
            text = " ".join(str(exc).splitlines())
            results[name] = {"failed": text}
            echo(f"wss bench {name}: FAILED — {text}")
        echo("")
    doc = {
        "format": FORMAT,
        "meta": {
            "started": started,
            "machine": machine.describe(),
            "loadavg_start": load_before,
            "loadavg_end": machine.loadavg(),
            "mbedtls": floors.versions_report(),
            "suites": list(suites),
            "quick": quick,
        },
        "suites": results,
    }
    if out is not None:
        publish(doc, _summary(doc), out)
    return doc


def _summary(doc: dict) -> str:
    meta = doc["meta"]
    lines: List[str] = [
        "machine: " + machine.one_line(meta["machine"]),
        "mbedTLS: " + ", ".join(f"{k} {v}" for k, v in meta["mbedtls"].items()),
        "load average (1/5/15 min): "
        + "/".join(f"{x:.2f}" for x in meta["loadavg_start"])
        + " before, "
        + "/".join(f"{x:.2f}" for x in meta["loadavg_end"])
        + " after",
    ]
    return "\n".join(lines)
