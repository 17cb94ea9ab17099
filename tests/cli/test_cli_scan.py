"""``wss scan`` on the mock radio (the nl80211 run is in tests/integration/hwsim)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wss.cli import main

HOME = str(Path(__file__).resolve().parents[2] / "examples" / "home.yaml")


def test_table_lists_every_bss_strongest_first(capsys):
    assert main(["scan", "--hal", "mock", "--hal-option", f"environment={HOME}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = [re.split(r"\s{2,}", line) for line in lines]
    assert table[0] == ["SSID", "BSSID", "MHz", "CH", "dBm", "SECURITY"]
    rows = {row[0]: row for row in table[1:]}
    assert rows["Smith-Home"][1:] == ["a4:2b:b0:10:20:01", "2437", "6", "-45", "WPA2_PSK"]
    assert rows["Cafe Corner Free WiFi"][5] == "OPEN"
    assert rows["<hidden>"][-1] == "hidden"
    signals = [int(row[4]) for row in table[1:]]
    assert signals == sorted(signals, reverse=True) and len(table) == 10


def test_directed_scan_names_a_hidden_network_as_json(capsys):
    assert (
        main(["scan", "--hal", "mock", "--hal-option", f"environment={HOME}", "--ssid", "CCTV-Backhaul", "--json"]) == 0
    )
    results = json.loads(capsys.readouterr().out)
    (cctv,) = [r for r in results if r["ssid"] == "CCTV-Backhaul"]
    assert cctv["hidden"] is True and cctv["ssid_hex"] == b"CCTV-Backhaul".hex()
    assert not [r for r in results if r["hidden"] and r["ssid"] == ""]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--hal", "mock"], "--hal mock needs --hal-option environment=VALUE"),
        (
            ["--hal", "nl80211", "--hal-option", "scan_freqs_mhz=2412,abc"],
            "option 'scan_freqs_mhz' takes an integer, got '2412,abc'",
        ),
        (["--hal", "nl80211", "--hal-option", "freqs=2412"], "WifiDriverNl80211 has no option 'freqs'"),
        (["--hal", "mock", "--hal-option", "environment"], "a driver option is KEY=VALUE, got 'environment'"),
        (["--hal", "nosuchdriver"], "unknown driver 'nosuchdriver'"),
    ],
)
def test_usage_errors_name_the_problem_and_exit_2(capsys, argv, message):
    assert main(["scan", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_driver_that_cannot_work_here_exits_1(capsys):
    assert main(["scan", "--hal", "nl80211", "--hal-option", "iface=wss-none0"]) == 1
    assert "interface wss-none0 does not exist" in capsys.readouterr().err
