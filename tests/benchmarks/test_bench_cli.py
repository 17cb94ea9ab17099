"""``wss bench``: a suite that cannot run is reported with its reason, one whose peer breaks
fails the run (exit 1); the JSON carries the machine and the load either way.

Source: issue 17 ("wss bench"); the house rule on exit statuses (docs/design.md §5).
"""

from __future__ import annotations

import json

from wss.bench import runner
from wss.bench.common import SuiteUnavailable
from wss.cli import main


def _fake_suites(monkeypatch):
    def suite(name, quick, rounds, max_rounds):
        def run():
            if name == "tls":
                raise RuntimeError("openssl s_server did not start")
            raise SuiteUnavailable("needs the tools and mock extras (No module named 'yaml')")

        return run

    monkeypatch.setattr(runner, "_suite", suite)


def test_an_unavailable_suite_is_reported_and_a_broken_one_fails_the_run(tmp_path, capsys, monkeypatch):
    _fake_suites(monkeypatch)
    out = tmp_path / "out" / "run.json"
    assert main(["bench", "--suite", "provision,tls", "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "wss bench tls: FAILED — openssl s_server did not start" in printed
    assert "wss bench provision: unavailable — needs the tools and mock extras" in printed
    doc = json.loads(out.read_text())
    assert doc["meta"]["suites"] == ["tls", "provision"]  # the suites' own order
    assert doc["suites"] == {
        "tls": {"failed": "openssl s_server did not start"},
        "provision": {"unavailable": "needs the tools and mock extras (No module named 'yaml')"},
    }
    assert set(doc["meta"]["mbedtls"]) == {"core", "crypto_floor", "tls_floor", "tls_heap"}
    assert len(doc["meta"]["loadavg_start"]) == 3 and "emulation" in doc["meta"]["machine"]


def test_only_unavailable_suites_is_not_a_failure(tmp_path, capsys, monkeypatch):
    _fake_suites(monkeypatch)
    assert main(["bench", "--suite", "provision", "--out", str(tmp_path / "run.json")]) == 0


def test_out_must_be_a_file(tmp_path, capsys):
    assert main(["bench", "--quick", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"wss bench: error: --out {tmp_path}: is a folder, give a file name\n"
