from __future__ import annotations

import subprocess
import sys

from wss.cli import main


def test_selfcheck_passes_and_reports_versions(capsys):
    assert main(["selfcheck"]) == 0
    out = capsys.readouterr().out
    assert "mbedTLS 2." in out or "mbedTLS 3." in out
    assert "FAIL" not in out and out.count("ok ") == 5


def test_selfcheck_detects_a_broken_primitive(monkeypatch, capsys):
    from wss import crypto

    monkeypatch.setattr(crypto, "sha256", lambda data: bytes(32))
    assert main(["selfcheck"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_wss_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "wss", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("wss ")
