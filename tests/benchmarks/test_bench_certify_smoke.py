"""Smoke test of the certification benchmark: a quick run fills every cell and the breakdown.

Timing is never asserted (docs/design.md §5.R10); only that the numbers exist.
Source: issue 13 "Benchmark".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_certify.py"


def test_quick_run_fills_both_columns_for_each_worker_count_and_the_breakdown(tmp_path):
    out = tmp_path / "certify.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert set(result["summary"]) == {"1", "2"}
    for columns in result["summary"].values():
        assert set(columns) == {"certify", "provision only"}
        assert all(cell["runs_per_minute_best"] > 0 and cell["cpu_ms_per_run_min"] > 0 for cell in columns.values())
    parts = result["breakdown"]["parts_ms"]
    assert parts["TLS handshakes (mbedTLS; the DSS's OpenSSL side in its threads)"] > 0
    assert parts["DSS signature checks (mbedTLS ECDSA verify)"] > 0 and parts["the checks and the run's record"] > 0
    assert "target: >= 1000 runs/min" in proc.stdout
