"""``wss bench compare``: two saved runs side by side, changes against the first, a chart.

Source: issue 17 ("Compare runs and boards").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from wss.cli import main


def _doc(arch: str, core: str, sha_wss: float, sha_floor: float, hs_wss: float, hs_floor: float) -> dict:
    machine = {
        "cpu_model": f"CPU of {arch}",
        "arch": arch,
        "cores": 4,
        "cpu_mhz": {"current": None, "max": 1800.0},
        "kernel": "Linux 6.1",
        "python": "CPython 3.11.2",
        "emulation": {"emulated": False, "signals": []},
    }
    cell = {"handshake": {"median_ms": hs_wss, "cpu_median_ms": hs_wss / 2}}
    floor = {"handshake": {"median_ms": hs_floor, "cpu_median_ms": hs_floor / 2}}
    return {
        "format": "wss-bench/1",
        "meta": {"machine": machine, "mbedtls": {"core": core}},
        "suites": {
            "crypto": {
                "rows": {
                    "sha256_64": {
                        "label": "SHA-256, 64 B",
                        "columns": {
                            "wss": {"ns_per_op": sha_wss},
                            "python-mbedtls": {"unavailable": "not installed"},
                            "floor": {"ns_per_op": sha_floor},
                        },
                        "ratio_to_floor": {"wss": sha_wss / sha_floor},
                    }
                }
            },
            "tls": {"columns": {"wss socket": cell, "C floor": floor, "python-mbedtls": {"unavailable": "x"}}},
            "provision": {"unavailable": "needs the tools and mock extras"},
        },
    }


def _files(tmp_path: Path) -> list:
    a, b = tmp_path / "x86.json", tmp_path / "pi.json"
    a.write_text(json.dumps(_doc("x86_64", "2.28.3", 500.0, 400.0, 10.0, 10.0)))
    b.write_text(json.dumps(_doc("aarch64", "3.6.2", 1500.0, 1000.0, 30.0, 25.0)))
    return [a, b]


def test_the_table_sets_each_figure_side_by_side_with_its_change(tmp_path, capsys):
    a, b = _files(tmp_path)
    assert main(["bench", "compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"[1] {a}: CPU of x86_64 @ 1800 MHz, x86_64, 4 cores, Linux 6.1, CPython 3.11.2; mbedTLS 2.28.3"
    assert out[1] == f"[2] {b}: CPU of aarch64 @ 1800 MHz, aarch64, 4 cores, Linux 6.1, CPython 3.11.2; mbedTLS 3.6.2"
    assert out[3] == "changes (%) are against [1]; ns/ms: lower is faster; x: ratio to the C floor"
    rows = {line.split("  ")[0]: line.split() for line in out[6:]}
    assert out[5].split() == ["figure", "[1]", "x86.json", "[2]", "pi.json"]
    assert list(rows) == [
        "crypto SHA-256, 64 B: wss",
        "crypto SHA-256, 64 B: floor",
        "crypto SHA-256, 64 B: wss / floor",
        "tls handshake: wss socket",
        "tls handshake CPU: wss socket",
        "tls handshake: C floor",
        "tls handshake CPU: C floor",
        "tls handshake: wss socket / floor",
        "tls handshake CPU: wss socket / floor",
    ]
    line = next(x for x in out if x.startswith("crypto SHA-256, 64 B: wss  "))
    assert line.split()[-5:] == ["500", "ns", "1.5", "µs", "(+200.0%)"]
    line = next(x for x in out if x.startswith("crypto SHA-256, 64 B: wss / floor"))
    assert line.split()[-3:] == ["1.250x", "1.500x", "(+20.0%)"]
    line = next(x for x in out if x.startswith("tls handshake: wss socket / floor"))
    assert line.split()[-3:] == ["1.000x", "1.200x", "(+20.0%)"]
    line = next(x for x in out if x.startswith("tls handshake CPU: C floor"))
    assert line.split()[-5:] == ["5.00", "ms", "12.50", "ms", "(+150.0%)"]


def test_a_chart_is_drawn_when_asked(tmp_path, capsys):
    a, b = _files(tmp_path)
    png = tmp_path / "charts" / "compare.png"
    assert main(["bench", "compare", str(a), str(b), "--chart", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert capsys.readouterr().out.endswith(f"chart written to {png}\n")


def test_without_matplotlib_the_chart_says_what_to_install(tmp_path, capsys, monkeypatch):
    a, b = _files(tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    assert main(["bench", "compare", str(a), str(b), "--chart", str(tmp_path / "c.png")]) == 1
    err = capsys.readouterr().err
    assert err == (
        "wss bench: error: --chart needs matplotlib, which is not installed: pip install matplotlib "
        "(or the certify extra: pip install 'wss-provisionee[certify]')\n"
    )
    assert not (tmp_path / "c.png").exists()


def test_bad_input_is_a_usage_error_on_one_line(tmp_path, capsys):
    a, _ = _files(tmp_path)
    assert main(["bench", "compare", str(a)]) == 2
    assert capsys.readouterr().err == "wss bench: error: compare needs at least two JSON files\n"
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert main(["bench", "compare", str(a), str(junk)]) == 2
    assert capsys.readouterr().err.startswith(f"wss bench: error: {junk}: not a readable JSON file")
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    assert main(["bench", "compare", str(a), str(other)]) == 2
    assert "not a wss bench result" in capsys.readouterr().err
    assert main(["bench", "compare", str(a), str(a), "--chart", str(tmp_path / "c.svg")]) == 2
    assert "the chart is a PNG" in capsys.readouterr().err


def test_one_suites_json_from_benchmarks_compares_too(tmp_path, capsys):
    a, b = _files(tmp_path)
    crypto_only = tmp_path / "crypto.json"
    crypto_only.write_text(json.dumps(json.loads(a.read_text())["suites"]["crypto"]))
    assert main(["bench", "compare", str(crypto_only), str(b)]) == 0
    out = capsys.readouterr().out
    assert "crypto SHA-256, 64 B: wss / floor" in out and "tls handshake: wss socket" in out


def test_bench_options_are_checked_before_anything_runs(tmp_path, capsys):
    assert main(["bench", "--suite", "crypto,radio", "--out", str(tmp_path / "x.json")]) == 2
    assert capsys.readouterr().err == (
        "wss bench: error: --suite: unknown suite radio; choose from crypto,tls,provision\n"
    )
    assert main(["bench", "--rounds", "5", "--max-rounds", "2", "--out", str(tmp_path / "x.json")]) == 2
    assert not (tmp_path / "x.json").exists()
