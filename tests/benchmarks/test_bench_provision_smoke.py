"""Smoke test of the provisioning benchmark: a quick run measures every phase and the floor.

Timing is never asserted (docs/design.md §5.R10); only that the numbers exist and add up.
Source: issue 6 "Benchmark".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_provision.py"
PHASES = [
    "NOT_PROVISIONED",
    "CONNECTING_TO_SETUP_NETWORK",
    "START_PROVISIONING",
    "COMPUTE_CONFIGURATION",
    "POST_WIFI_SCAN_DATA",
    "GET_WIFI_LIST",
    "CONNECTING_TO_USER_NETWORK",
    "CONNECTED_TO_USER_NETWORK",
    "DONE",
    "(persist outcome)",
]


def test_quick_run_measures_every_phase_and_the_floor(tmp_path):
    out = tmp_path / "provision.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    summary, (run,) = result["summary"], result["runs"]
    assert list(summary["phases"]) == PHASES
    assert summary["work"] == {"ecdh": 1, "verifications": 10, "handshakes": 2}
    assert abs(sum(p["cpu_ms"] for p in run["phases"].values()) - run["cpu_ms"]) < 0.05 * run["cpu_ms"]
    floor = summary["floor"]
    assert all(floor[key] > 0 for key in ("ecdh_ms", "ecdsa_verify_ms", "handshake_cpu_ms", "total_cpu_ms"))
    assert "CPU / floor:" in proc.stdout and "TLSv1" in result["meta"]["tls"]
