"""Smoke test of the PKCS#11 benchmark: a quick run measures ECDH and ECDSA sign with the
software key, the SoftHSM2 token key and pyca, a handshake with each key (the token's
column naming why where mbedTLS 3.x cannot), and the core's heap for each; without
SoftHSM2 it says so in one line and still writes its JSON.

Timing is never asserted (docs/design.md §5.R10); only that the figures exist and are
well formed. Source: issue 19 "Benchmark".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from softhsm_token import softhsm_module

from wss._binding import lib

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_pkcs11.py"
#: What the token's handshake and heap cells say where this mbedTLS library cannot sign TLS with a token key.
NO_TLS_HOOK = "not supported by this mbedTLS library: token keys cannot sign TLS handshakes (docs/pkcs11.md)"


def _run(out: Path, env=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(BENCH), "--quick", "--out", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.skipif(
    softhsm_module() is None or shutil.which("softhsm2-util") is None,
    reason="SoftHSM2 is not installed (Debian package softhsm2: `make test-deps`)",
)
@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl CLI (the TLS peer) is not installed")
def test_quick_run_gives_every_row_column_handshake_and_heap(tmp_path):
    out = tmp_path / "pkcs11.json"
    proc = _run(out)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert set(result) == {"meta", "crypto", "handshake", "perf"}
    assert "software token" in result["meta"]["note"] and "software token" in proc.stdout
    for row in ("ecdh", "sign"):
        cols = result["crypto"][row]["columns"]
        assert set(cols) == {"wss software key", "wss token key", "cryptography"}
        for cell in cols.values():
            assert cell["batches"] == 1 and cell["batch_size"] >= 1
            assert 0 < cell["cpu_ns_per_op"] <= cell["median_cpu_ns_per_op"]
        ratio = result["crypto"][row]["token_over_software_cpu"]
        assert ratio["rounds"] == 1 and ratio["median"] > 0 and ratio["interval"] is None  # 1 round: no interval
    handshake = result["handshake"]
    software, token = handshake["columns"]["wss software key"], handshake["columns"]["wss token key"]
    assert software["n"] == 2 and software["median_ms"] > 0
    heap = handshake["heap"]
    if lib.wss_p11_tls_hook() == 0:
        assert token["n"] == 2 and token["cpu_median_ms"] > 0
        assert handshake["token_over_software_wall"]["median"] > 0
        if "unavailable" not in heap["wss software key"]:  # tls_heap needs the static mbedTLS archives
            for key in ("wss software key", "wss token key"):
                assert heap[key]["handshake_peak_bytes"] >= heap[key]["config_and_key_bytes"] > 0
    else:
        assert token == {"unavailable": NO_TLS_HOOK}
        assert heap["wss token key"] == {"unavailable": NO_TLS_HOOK}
        assert "not supported by this mbedTLS library" in proc.stdout
    assert result["perf"] == {"unavailable": "--no-perf"}  # --quick leaves perf out


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl CLI (the TLS peer) is not installed")
def test_without_softhsm2_it_says_so_in_one_line(tmp_path):
    bin_dir = tmp_path / "bin"  # a PATH with openssl and without softhsm2-util
    bin_dir.mkdir()
    (bin_dir / "openssl").symlink_to(shutil.which("openssl"))
    out = tmp_path / "pkcs11.json"
    proc = _run(out, env=dict(os.environ, PATH=str(bin_dir)))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text()) == {
        "unavailable": "needs SoftHSM2 as its token (Debian: apt-get install softhsm2)"
    }
    first = proc.stdout.splitlines()[0]
    assert first == "bench_pkcs11: unavailable — needs SoftHSM2 as its token (Debian: apt-get install softhsm2)"
