"""Smoke test of the crypto benchmark harness: with a tiny budget it must produce every row
in every column (a time, or the reason the column cannot run), and check every result.

Timing is never asserted here (docs/design.md §5.R10: tests assert, benchmarks measure).
Source: issue 2 "Benchmark".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wss.bench import crypto as bench_crypto
from wss.bench import floors

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _run_quick(tmp_path: Path, env=None) -> tuple:
    out = tmp_path / "crypto.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH_DIR / "run.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text()), proc.stdout


def _has_time(cell: dict) -> bool:
    return isinstance(cell.get("ns_per_op"), float) and cell["ns_per_op"] > 0


def test_quick_run_fills_every_row_and_column(tmp_path):
    result, stdout = _run_quick(tmp_path)
    assert list(result["rows"]) == [row for row, _ in bench_crypto.ROWS]
    for row, label in bench_crypto.ROWS:
        entry = result["rows"][row]
        assert label in stdout
        assert set(entry["columns"]) == set(bench_crypto.COLUMNS)
        assert _has_time(entry["columns"]["wss"]) and _has_time(entry["columns"]["floor"])
        assert entry["ratio_to_floor"]["wss"] > 0
        for col in ("python-mbedtls", "cryptography"):
            cell = entry["columns"][col]
            assert _has_time(cell) or cell["unavailable"].strip(), (row, col, cell)
    assert "unavailable" in result["rows"]["random_32"]["columns"]["cryptography"]
    meta = result["meta"]
    assert len(meta["loadavg_start"]) == 3 and len(meta["loadavg_end"]) == 3
    assert meta["versions"]["floor_mbedtls"] == meta["versions"]["wss_mbedtls"]


def test_a_floor_that_is_not_installed_is_reported_not_faked(tmp_path, monkeypatch):
    monkeypatch.setattr(floors, "floors_dir", lambda: tmp_path)
    result = bench_crypto.run(target_ns=50_000, rounds=1, repeats=1)
    for row, _ in bench_crypto.ROWS:
        entry = result["rows"][row]
        assert entry["columns"]["floor"]["unavailable"].startswith("crypto_floor is not installed")
        assert entry["ratio_to_floor"] == {} and "floor" not in entry["verdicts"]
        assert _has_time(entry["columns"]["wss"])
    assert "C floor: crypto_floor is not installed" in bench_crypto.format_table(result)


def test_a_wrong_result_is_caught():
    inputs = bench_crypto.Inputs()
    inputs.check("sha256_64", inputs.expected["sha256_64"], "wss")
    with pytest.raises(AssertionError, match="wss gives a wrong result for sha256_64"):
        inputs.check("sha256_64", bytes(32), "wss")
    with pytest.raises(AssertionError):
        inputs.check("ecdsa_verify", False, "wss")
    with pytest.raises(AssertionError):
        inputs.check("random_32", b"short", "wss")


def test_a_peer_with_a_wrong_result_is_reported_and_ours_is_fatal(monkeypatch, tmp_path):
    monkeypatch.setattr(floors, "floors_dir", lambda: tmp_path)  # no floor: cheaper
    real = bench_crypto.PYTHON_COLUMNS["cryptography"]

    def wrong_peer(inp):
        cells = real(inp)
        cells["sha256_64"] = ("bytes(32)", {})
        return cells

    monkeypatch.setitem(bench_crypto.PYTHON_COLUMNS, "cryptography", wrong_peer)
    result = bench_crypto.run(target_ns=50_000, rounds=1, repeats=1)
    cell = result["rows"]["sha256_64"]["columns"]["cryptography"]
    assert "fails its result check" in cell["unavailable"]
    assert _has_time(result["rows"]["sha256_1m"]["columns"]["cryptography"])

    monkeypatch.setitem(bench_crypto.PYTHON_COLUMNS, "wss", wrong_peer)
    with pytest.raises(AssertionError, match="wss gives a wrong result for sha256_64"):
        bench_crypto.run(target_ns=50_000, rounds=1, repeats=1)
