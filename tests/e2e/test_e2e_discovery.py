"""End to end on the mock: WSS fails, the SoftAP fallback sets the device up (esp_prov's
client code), and the device, joined but not registered, then announces itself: an
independent browser (python-zeroconf's ServiceBrowser in another process) finds it.

Source: integration guide, "Local Discovery"; docs/discovery.md ("Started by the setup").
"""

from __future__ import annotations

import json
import pathlib
import sys

import esp_prov_peer
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "softap"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "discovery"))
from browsing import found_by, start_browser
from softap_world import HOME_KEY, HOME_SSID, POP, RunningCommand, home

from wss.platform.device_files import DeviceFiles
from wss.store import ProvisioneeStore

pytest.importorskip("zeroconf", reason="python-zeroconf (the discovery extra) is not installed: make install")

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_wss_provision_falls_back_is_set_up_then_announces_itself(tmp_path, pki):
    environment = tmp_path / "home.yaml"
    environment.write_text(json.dumps(home()))  # no provisioner: WSS fails
    state = tmp_path / "state"
    args = ["provision", "--hal", "mock", "--hal-option", f"environment={environment}"]
    args += ["--hal-option", "mac=02:00:00:c3:5d:14", "--pki", str(pki.folder), "--state-dir", str(state)]
    args += ["--fallback", "softap", "--sec", "1", "--pop", POP, "--http-port", "0", "--timeout", "60", "--no-qr"]
    args += ["--discovery-port", "0", "--discovery-time", "30"]
    command = RunningCommand(args, ROOT)
    browser = None
    try:
        client = esp_prov_peer.Client(command.address())
        assert client.connect(1, pop=POP)
        assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
        assert client.wait_status() == "connected"
        browser = start_browser(20)
        line = command.wait_for("discovery: announcing", 60)
        assert "PROV_C35D14 on 127.0.0.1" in line
        found = found_by(browser, "PROV_C35D14")
        assert found["txt"]["reg"] == "0" and found["txt"]["mac"] == "02:00:00:c3:5d:14"
        assert found["txt"]["pi"] == DeviceFiles.from_pki(pki.folder).product_index_text()
        assert command.finish(90) == 0, command.stderr
        assert any("discovery: stopped after" in line for line in command.lines)
    finally:
        if browser is not None:
            browser.kill()
            browser.wait()
        if command.proc.poll() is None:
            command.proc.kill()
    store = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert store.registration is None and [n.ssid for n in store.networks] == [b"HomeNet"]
