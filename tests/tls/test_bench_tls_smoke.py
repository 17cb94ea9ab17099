"""bench_tls.py --quick runs end to end and fills every column (it asserts no timing)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_tls.py"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI (the peer): apt-get install openssl")
def test_quick_run_produces_every_column(tmp_path, capsys):
    sys.path.insert(0, str(BENCH.parent))
    try:
        spec = importlib.util.spec_from_file_location("bench_tls_under_test", BENCH)
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        out = tmp_path / "tls.json"
        assert bench.main(["--quick", "--out", str(out)]) == 0
    finally:
        sys.path.remove(str(BENCH.parent))
    result = json.loads(out.read_text())
    table = capsys.readouterr().out
    for name in ("wss socket", "wss callback", "Python ssl", "C floor"):
        column = result["columns"][name]
        assert column["handshake"]["n"] == 4 and column["transfer"]["n"] == 2, name
        assert name in table
    assert "python-mbedtls" in result["columns"]  # measured, or says why not
    counted = result["heap"]["wss_core_counting_allocator"]
    assert counted["handshake_peak_bytes"] > counted["config_and_key_bytes"] > 0
    assert counted["version"] == "TLSv1.2"
    assert set(result["verdicts"]) == {
        f"{what} {clock} / C floor" for what in ("handshake", "transfer") for clock in ("wall", "cpu")
    } | (
        {"handshake wall / python-mbedtls", "transfer wall / python-mbedtls"}
        if "handshake" in result["columns"]["python-mbedtls"]
        else set()
    )
    floor = result["columns"]["C floor"]["handshake"]
    assert floor["cpu_median_ms"] > 0 and len(floor["cpu_samples_ms"]) == 4
    assert result["meta"]["versions"]["floor_mbedtls"] == result["meta"]["versions"]["wss_mbedtls"]
