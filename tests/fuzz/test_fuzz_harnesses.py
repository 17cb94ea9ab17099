"""The fuzz harnesses of fuzz/ (atheris): the seeds replay cleanly, and every harness runs a
short, fixed number of executions. `make fuzz` runs the long campaign (10^6 each).

Findings of the campaigns are fixed with a regression test at the layer that owns the
code, and the crashing input is kept as ``fuzz/<harness>/corpus/regression-*``: the
first test here replays them on every run, with or without atheris.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUZZ = ROOT / "fuzz"
#: What issue 16 asks to fuzz (the ESP-AT line parser and protocomm once they landed), by harness.
EXPECTED = {
    "dss_response",  # the DSS response parsers (wss.dss)
    "dss_signature",  # the signature header (wss.dss.signature)
    "http_response",  # the HTTP response path over h11 (wss.http)
    "json_codec",  # wss.dss.json_codec
    "nl80211_ies",  # hal/nl80211/ies.py
    "nl80211_attrs",  # hal/nl80211/attrs.py, bss.py
    "wpa_event",  # hal/nl80211/wpa_ctrl.py
    "openssl_conf",  # wss.mfg.opensslconf
    "mock_environment",  # hal/mock/environment.py
    "cloud_accounts",  # wss.cloud.accounts (and faults)
    "core_keys",  # the C core: PEM/DER keys, DER signatures
    "core_certs",  # the C core: certificate chains, wss.tls configuration
    "esp_at_parser",  # hal/esp_at/parser.py (the module's output, cut into any reads)
    "protocomm",  # wss.protocomm: SessionData and the Wi-Fi provisioning messages
}
#: Executions per harness in the short run (a few seconds each).
SHORT_RUNS = 1000


def _runner():
    """fuzz/run.py as a module (it finds and loads the harnesses)."""
    spec = importlib.util.spec_from_file_location("fuzz_run", FUZZ / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


RUNNER = _runner()


def test_every_parser_of_the_issue_has_a_harness_and_seeds():
    assert set(RUNNER.harness_names()) == EXPECTED
    for name in EXPECTED:
        assert any((FUZZ / name / "corpus").iterdir()), f"fuzz/{name}/corpus has no seeds"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_seed_and_regression_input_replays_cleanly(name):
    """What the fuzzer starts from, and every input that once found a bug."""
    harness = RUNNER.load_harness(name)
    for seed in sorted((FUZZ / name / "corpus").iterdir()):
        harness.test_one_input(seed.read_bytes())


def test_each_harness_runs_a_short_fixed_count(tmp_path):
    pytest.importorskip("atheris", reason="atheris (in the [test] extra; `make test` installs it) is not installed")
    done = subprocess.run(
        [
            sys.executable,
            str(FUZZ / "run.py"),
            "--runs",
            str(SHORT_RUNS),
            "--jobs",
            "2",
            "--instrument",
            "ours",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    found = {row["name"]: row for row in summary}
    assert set(found) == EXPECTED, done.stdout
    problems = {name: row["status"] for name, row in found.items() if row["status"] != "ok"}
    assert problems == {}, f"fuzzing found something (see {tmp_path}): {problems}\n{done.stdout}"
    assert all(row["executions"] >= SHORT_RUNS for row in summary), done.stdout
    assert done.returncode == 0 and "exec/s" in done.stdout and "cov" in done.stdout
