"""Smoke test of the SoftAP benchmark: a quick run times both sessions in both columns
(CPU time, and wall time beside it) and three whole fallback provisionings.

Timing is never asserted (docs/design.md §5.R10); only that the numbers exist and add up.
Source: issue 12 "Benchmark".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import esp_prov_peer

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_softap.py"


def test_quick_run_times_sessions_and_fallbacks(tmp_path):
    esp_prov_peer.load()  # the client of both tables (skips, naming it, when absent)
    out = tmp_path / "softap.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    for row in ("sec1", "sec2"):
        columns = result["sessions"][row]["columns"]
        assert columns["wss"]["samples"] == columns["floor"]["samples"] == 2
        for column in ("wss", "floor"):  # CPU time, with wall time beside it
            cell = columns[column]
            assert 0 < cell["cpu_min_ns"] <= cell["cpu_median_ns"] and 0 < cell["wall_min_ns"] <= cell["wall_median_ns"]
        assert result["sessions"][row]["ratio_to_floor"] > 0 and result["sessions"][row]["wall_ratio_to_floor"] > 0
        assert len(result["sessions"][row]["cpu_ratio_per_round"]) == 1  # --quick: one round
    assert "CLOCK_PROCESS_CPUTIME_ID" in result["meta"]["clock"]
    for scheme in ("sec0", "sec1", "sec2"):
        parts = result["fallback"][scheme]
        assert abs(parts["total_s"]["min_s"] - parts["wss_s"]["min_s"] - parts["softap_s"]["min_s"]) < 1e-6
    assert "C floor" in proc.stdout and "SoftAP setup" in proc.stdout
