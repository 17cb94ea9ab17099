"""``wss esp-at-emulator`` as a user runs it, and ``wss scan --hal esp_at`` through its pty.

The emulator runs as its own process (the shipped command); the scan goes through the
generic driver options (``--hal-option port=... baud=...``), with no CLI code for esp_at.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from wss.cli import main

ENVIRONMENT = """\
access_points:
  - {ssid: HomeNet, bssid: "02:00:00:00:00:01", channel: 1, rssi: -40, security: WPA2_PSK,
     passphrase: "correct horse"}
  - {ssid: Hidden, bssid: "02:00:00:00:00:02", channel: 6, rssi: -60, security: WPA2_PSK,
     passphrase: "hidden-pass", hidden: true}
"""
BAUD = "2000000"


def test_the_command_prints_its_pty_makes_the_link_and_wss_scan_reads_it(tmp_path, capsys):
    environment = tmp_path / "home.yaml"
    environment.write_text(ENVIRONMENT)
    link = tmp_path / "esp"
    command = [sys.executable, "-m", "wss", "esp-at-emulator", "--environment", str(environment)]
    process = subprocess.Popen(
        command + ["--link", str(link), "--baud", BAUD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("ESP-AT emulator on /dev/pts/"), first + process.stderr.read()
        path = first.split()[3].rstrip(":")
        assert os.path.realpath(link) == path
        status = main(
            ["scan", "--hal", "esp_at", "--hal-option", f"port={link}", "--hal-option", f"baud={BAUD}", "--json"]
        )
        assert status == 0
        results = json.loads(capsys.readouterr().out)
        assert [(r["ssid"], r["hidden"]) for r in results] == [("HomeNet", False), ("", True)]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    assert not link.exists() and not link.is_symlink()
    assert os.path.realpath(path) == path


@pytest.mark.parametrize(
    "faults, message",
    [
        ("- {type: bogus}\n", "faults[0].type: unknown fault 'bogus'"),
        ("- {type: busy, count: -1}\n", "faults[0].count: must be an integer 0.."),
        ("- {type: drop_line, line: '('}\n", "faults[0].line: not a regular expression"),
    ],
)
def test_a_bad_faults_file_is_a_usage_error_naming_the_entry(tmp_path, capsys, faults, message):
    environment, bad = tmp_path / "home.yaml", tmp_path / "faults.yaml"
    environment.write_text(ENVIRONMENT)
    bad.write_text(faults)
    assert main(["esp-at-emulator", "--environment", str(environment), "--faults", str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_bad_environment_or_chip_is_a_usage_error(tmp_path, capsys):
    environment = tmp_path / "home.yaml"
    environment.write_text("access_points: [{ssid: X}]\n")
    assert main(["esp-at-emulator", "--environment", str(environment)]) == 2
    assert "access_points[0]" in capsys.readouterr().err
    environment.write_text(ENVIRONMENT)
    assert main(["esp-at-emulator", "--environment", str(environment), "--chip", "Z80"]) == 2
    assert "chip 'Z80'" in capsys.readouterr().err


def test_scan_with_esp_at_needs_the_port_option(capsys):
    assert main(["scan", "--hal", "esp_at"]) == 2
    assert "--hal esp_at needs --hal-option port=VALUE" in capsys.readouterr().err
