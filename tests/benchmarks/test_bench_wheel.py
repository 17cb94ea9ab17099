"""``wss bench --quick`` from a wheel installed in a fresh virtual environment, outside the
source tree: no compiler, no benchmarks/ folder, the floors shipped in the wheel.

Builds the wheel with ``pip wheel`` (its own build folder in tmp, not the tree's build/),
installs it with the ``tools`` and ``mock`` extras (the suites' PKI, DSS and mock radio)
into a new venv, runs the command from a temporary folder and checks that every suite and
every row has its floor, that the floors' mbedTLS is the core's, and that a peer which is
not installed (python-mbedtls) is reported absent, not failed. Slow (a C build and a pip
install): one test. Source: issue 17 ("Tests").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wss.bench.crypto import ROWS
from wss.bench.machine import detect_emulation
from wss.bench.provision import PROFILE

ROOT = Path(__file__).resolve().parents[2]
PIP_TIMEOUT_S = 1200


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{cmd[:4]}...: {proc.stderr[-3000:]}"
    return proc


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("openssl") is None, reason="needs the openssl CLI (the TLS peer): apt-get install openssl"
)
def test_wss_bench_quick_from_an_installed_wheel_fills_every_row_with_its_floor(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)]
        + ["--config-settings", f"build-dir={tmp_path / 'build'}"],
        env=env,
        timeout=PIP_TIMEOUT_S,
    )
    (wheel,) = wheels.glob("wss_provisionee-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], env=env, timeout=120)
    python = venv / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{wheel}[tools,mock]"],
        env=env,
        timeout=PIP_TIMEOUT_S,
    )
    where = tmp_path / "board"
    where.mkdir()
    located = _run([str(python), "-c", "import wss; print(wss.__file__)"], cwd=where, env=env, timeout=60)
    assert Path(located.stdout.strip()).is_relative_to(venv)  # the wheel, not the source tree
    proc = _run([str(venv / "bin" / "wss"), "bench", "--quick", "--out", "run.json"], cwd=where, env=env, timeout=900)
    doc = json.loads((where / "run.json").read_text())

    meta = doc["meta"]
    assert doc["format"] == "wss-bench/1" and meta["suites"] == ["crypto", "tls", "provision"]
    core = meta["mbedtls"]["core"]
    assert meta["mbedtls"] == {"core": core, "crypto_floor": core, "tls_floor": core, "tls_heap": core}
    # what the installed wheel detects is what this process detects (emulated under qemu-user)
    assert meta["machine"]["emulation"]["emulated"] is detect_emulation()["emulated"]
    assert meta["machine"]["cores"] >= 1
    assert len(meta["loadavg_start"]) == len(meta["loadavg_end"]) == 3

    crypto = doc["suites"]["crypto"]
    assert list(crypto["rows"]) == [row for row, _ in ROWS]
    for row, entry in crypto["rows"].items():
        assert entry["columns"]["floor"]["ns_per_op"] > 0, row
        assert entry["columns"]["wss"]["ns_per_op"] > 0 and entry["ratio_to_floor"]["wss"] > 0, row
        assert "not installed" in entry["columns"]["python-mbedtls"]["unavailable"], row  # a dev extra: absent
    tls = doc["suites"]["tls"]
    for name in ("wss socket", "wss callback", "Python ssl", "C floor"):
        assert tls["columns"][name]["handshake"]["cpu_median_ms"] > 0, name
    assert "not installed" in tls["columns"]["python-mbedtls"]["unavailable"]
    assert tls["heap"]["wss_core_counting_allocator"]["handshake_peak_bytes"] > 0
    provision = doc["suites"]["provision"]
    assert provision["summary"]["floor"]["total_cpu_ms"] > 0 and provision["summary"]["total"]["cpu_min_ms"] > 0
    assert PROFILE in provision["meta"]["environment"]
    for heading in ("wss crypto benchmark", "wss mutual-TLS benchmark", "wss provisioning benchmark"):
        assert heading in proc.stdout
