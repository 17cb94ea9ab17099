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


def test_a_bad_mac_is_a_usage_error(tmp_path, capsys):
    environment = tmp_path / "home.yaml"
    environment.write_text(ENVIRONMENT)
    assert main(["esp-at-emulator", "--environment", str(environment), "--mac", "01:00:5e:00:00:01"]) == 2
    assert "multicast" in capsys.readouterr().err
    assert main(["esp-at-emulator", "--environment", str(environment), "--mac", "nope"]) == 2
    assert "mac:" in capsys.readouterr().err


def test_wss_softap_on_the_emulator_command_is_provisioned_through_its_phone_port(tmp_path):
    """Both commands as a user runs them: the emulator prints where phones reach the
    module's server once ``wss softap --hal esp_at`` starts it; esp_prov's client code
    provisions the device there."""
    import pathlib

    import esp_prov_peer

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "softap"))
    from softap_world import RunningCommand

    esp_prov_peer.load()
    root = pathlib.Path(__file__).resolve().parents[2]
    environment = tmp_path / "home.yaml"
    environment.write_text(ENVIRONMENT)
    link = tmp_path / "esp"
    emulator = RunningCommand(
        ["esp-at-emulator", "--environment", str(environment), "--link", str(link), "--baud", BAUD]
        + ["--mac", "24:6f:28:26:1f:cc"],
        root,
    )
    device = None
    try:
        emulator.wait_for("ESP-AT emulator on /dev/pts/", 30)
        device = RunningCommand(
            ["softap", "--hal", "esp_at", "--hal-option", f"port={link}", "--hal-option", f"baud={BAUD}"]
            + ["--sec", "1", "--pop", "abcd1234", "--no-qr", "--timeout", "60", "--no-discovery"]
            + ["--state-dir", str(tmp_path / "state")],
            root,
        )
        assert "PROV_261FCC" in device.wait_for("service PROV_", 30)
        line = emulator.wait_for("takes phones on", 30)
        host, port = line.rsplit(" ", 1)[1].rsplit(":", 1)
        client = esp_prov_peer.Client((host, int(port)))
        assert client.connect(1, pop="abcd1234")
        assert client.set_config("HomeNet", "correct horse") and client.apply_config()
        assert client.wait_status() == "connected"
        assert device.finish(60) == 0, device.stderr
    finally:
        for command in (device, emulator):
            if command is not None and command.proc.poll() is None:
                command.proc.send_signal(signal.SIGTERM)
                command.proc.wait(timeout=20)
