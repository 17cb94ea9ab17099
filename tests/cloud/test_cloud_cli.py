"""``wss cloud serve``: ephemeral ports printed on startup, clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cloud_client import DSSClient, Flow

REPO = Path(__file__).resolve().parents[2]


def _serve(args: list) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "wss", "cloud", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _ports(proc: subprocess.Popen) -> tuple:
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    assert ready, "the server printed nothing"
    line = proc.stdout.readline()
    match = re.match(r"^listening dss=https://127\.0\.0\.1:(\d+) setup=https://127\.0\.0\.1:(\d+)$", line.strip())
    assert match, line
    return int(match.group(1)), int(match.group(2))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_with_ephemeral_ports_and_clean_stop(tmp_path, pki, accounts, cloud_pem, stop_signal) -> None:
    (tmp_path / "accounts.yaml").write_text(yaml.safe_dump(accounts))
    (tmp_path / "faults.yaml").write_text(
        yaml.safe_dump({"faults": [{"kind": "http_5xx", "operation": "computeConfigurationData"}]})
    )
    db, transcript = tmp_path / "state.db", tmp_path / "transcript.jsonl"
    proc = _serve(
        [
            "--pki",
            str(pki.folder),
            "--accounts",
            str(tmp_path / "accounts.yaml"),
            "--port",
            "0",
            "--setup-port",
            "0",
            "--db",
            str(db),
            "--faults",
            str(tmp_path / "faults.yaml"),
            "--transcript",
            str(transcript),
        ]
    )
    try:
        port, setup_port = _ports(proc)
        assert port != setup_port
        for p in (port, setup_port):
            with DSSClient(p, pki.device.folder, pki.dss_ca) as client:
                flow = Flow(client, cloud_pem)
                assert flow.start()["canProceed"] is True
                flow.report("START_PROVISIONING")
                assert flow.call("computeConfigurationData").status == 503
        proc.send_signal(stop_signal)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped after 6 requests" in err
    rows = sqlite3.connect(str(db)).execute("SELECT port, customer_id FROM sessions").fetchall()
    assert sorted(rows) == sorted([(port, "alice"), (setup_port, "alice")])
    lines = [r for r in map(json.loads, transcript.read_text().splitlines()) if r["event"] == "exchange"]
    assert [r["operation"] for r in lines] == ["startProvisioningSession", "report", "computeConfigurationData"] * 2
    assert [r["fault"] for r in lines].count("http_5xx") == 2


def test_invalid_accounts_file_is_reported(tmp_path, pki) -> None:
    bad = tmp_path / "accounts.yaml"
    bad.write_text("customers:\n  - id: a\n    networks:\n      - {ssid: X, security: WPA_PSK, key: tiny7}\n")
    proc = _serve(["--pki", str(pki.folder), "--accounts", str(bad), "--port", "0", "--setup-port", "0"])
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "customers[0].networks[0].key" in err and "8..63" in err
    assert "tiny7" not in err  # never echo a key


def test_port_in_use_is_reported(tmp_path, pki, accounts, server) -> None:
    (tmp_path / "accounts.yaml").write_text(yaml.safe_dump(accounts))
    proc = _serve(
        [
            "--pki",
            str(pki.folder),
            "--accounts",
            str(tmp_path / "accounts.yaml"),
            "--port",
            str(server.port),
            "--setup-port",
            "0",
        ]
    )
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1 and "cannot listen" in err
