"""``wss scan`` on the mock radio (the nl80211 run is in tests/integration/hwsim)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wss.cli import main

HOME = str(Path(__file__).resolve().parents[2] / "examples" / "home.yaml")


def test_table_lists_every_bss_strongest_first(capsys):
    assert main(["scan", "--hal", "mock", "--environment", HOME]) == 0
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
    assert main(["scan", "--hal", "mock", "--environment", HOME, "--ssid", "CCTV-Backhaul", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    (cctv,) = [r for r in results if r["ssid"] == "CCTV-Backhaul"]
    assert cctv["hidden"] is True and cctv["ssid_hex"] == b"CCTV-Backhaul".hex()
    assert not [r for r in results if r["hidden"] and r["ssid"] == ""]


@pytest.mark.parametrize("argv, message", [
    (["--hal", "mock"], "--hal mock needs --environment FILE"),
    (["--hal", "nl80211", "--iface", "wss-none0"], "interface wss-none0 does not exist"),
    (["--hal", "nl80211", "--freqs", "2412,abc"], "--freqs takes MHz values"),
])
def test_errors_name_the_problem(capsys, argv, message):
    assert main(["scan", *argv]) == 1
    assert message in capsys.readouterr().err
