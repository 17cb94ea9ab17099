"""Smoke test of the ESP-AT benchmark: a quick run measures every phase's octets and floor.

Timing is never asserted (docs/design.md §5.R10); only that the numbers exist and add up.
Source: issue 11 "Benchmark".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_esp_at.py"


def test_quick_run_counts_the_uart_octets_of_every_phase(tmp_path):
    out = tmp_path / "esp_at.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    (summary,) = json.loads(out.read_text())["summaries"]
    phases, total, handshake = summary["phases"], summary["total"], summary["handshake"]
    assert summary["baud"] == 921600
    assert list(phases)[0] == "(driver start-up)" and "START_PROVISIONING" in phases
    assert sum(p["octets"] for p in phases.values()) == total["octets"] > 0
    assert abs(total["floor_ms"] - total["octets"] * 10 / 921600 * 1000) < 1e-6
    assert handshake["count_per_run"] == 2 and handshake["uart_octets"] > handshake["tls_octets"] > 1000
    assert "TLS handshakes per run" in proc.stdout and "wire floor" in proc.stdout
