"""End to end on the ESP-AT driver: the SoftAP setup flow through the emulated module.

The device side is ``wss softap --hal esp_at`` or ``wss provision --hal esp_at --fallback
softap`` in a fresh interpreter, on the emulator's pty. The module starts its SoftAP
(``AT+CWMODE=3``, ``AT+CWSAP``) and its TCP server (``AT+CIPSERVER=1,80``); the phone is
Espressif's own client code (esp_prov's flow functions over HTTP, ``esp_prov_peer``)
connecting to the emulator's loopback side of that server, so every byte of the
provisioning crosses the AT link (``<id>,CONNECT``, ``+IPD``, ``AT+CIPRECVDATA``,
``AT+CIPSEND``). The device then joins the home network with ``AT+CWJAP``.

Source: docs/softap.md, docs/esp-at.md ("SoftAP"); integration guide ("Device factory
reset recommendation").
"""

from __future__ import annotations

import pathlib
import sys

import esp_prov_peer
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "softap"))
from softap_world import HOME_KEY, HOME_SSID, PASSWORD, POP, USERNAME, RunningCommand, home

from wss.emulators.esp_at import EspAtEmulator
from wss.store import ProvisioneeStore

ROOT = pathlib.Path(__file__).resolve().parents[2]
BAUD = 2_000_000
MAC = "24:6f:28:26:1f:cc"


def driver_args(emulator: EspAtEmulator) -> list:
    return ["--hal", "esp_at", "--hal-option", f"port={emulator.path}", "--hal-option", f"baud={BAUD}"]


def _provision_through_the_phone(emulator: EspAtEmulator, command: RunningCommand, sec: int, **secret: str) -> None:
    host, port = command.address()
    assert (host, port) == ("192.168.4.1", 80)  # AT+CIPAP? and the server port, as on a board
    client = esp_prov_peer.Client(emulator.wait_for_server(30.0))
    assert client.connect(sec, **secret)
    assert {ap["ssid"] for ap in client.scan()} >= {HOME_SSID}
    assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
    assert client.wait_status() == "connected"


def test_wss_softap_on_esp_at_is_provisioned_by_esp_prov_with_security_2(tmp_path):
    esp_prov_peer.load()
    state = tmp_path / "state"
    with EspAtEmulator(home(), baud=BAUD, mac=MAC) as emulator:
        args = ["softap", *driver_args(emulator), "--sec", "2", "--sec2-username", USERNAME]
        args += ["--sec2-password", PASSWORD, "--state-dir", str(state), "--timeout", "90", "--no-qr"]
        command = RunningCommand(args, ROOT)
        try:
            assert "service PROV_261FCC" in command.wait_for("service PROV_")  # AT+CIPSTAMAC?
            _provision_through_the_phone(emulator, command, 2, username=USERNAME, password=PASSWORD)
            assert command.finish(90) == 0, command.stderr
        finally:
            if command.proc.poll() is None:
                command.proc.kill()
    store = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert not store.softap_mode and [n.ssid for n in store.networks] == [HOME_SSID.encode()]


@pytest.fixture
def pki_folder(pki):
    return pki.folder


def test_wss_provision_on_esp_at_falls_back_to_softap_and_esp_prov_sets_it_up(tmp_path, pki_folder):
    esp_prov_peer.load()
    state = tmp_path / "state"
    with EspAtEmulator(home(), baud=BAUD) as emulator:  # no provisioner in range: WSS fails
        args = ["provision", *driver_args(emulator), "--pki", str(pki_folder), "--state-dir", str(state)]
        args += ["--fallback", "softap", "--sec", "1", "--pop", POP, "--timeout", "90", "--no-qr"]
        command = RunningCommand(args, ROOT)
        try:
            command.wait_for("fallback: SoftAP setup mode with WSS disabled", 120)
            fallen = ProvisioneeStore.open(str(state / "provisionee.json"))
            assert not fallen.wss_enabled and fallen.softap_mode
            _provision_through_the_phone(emulator, command, 1, pop=POP)
            assert command.finish(90) == 0, command.stderr
        finally:
            if command.proc.poll() is None:
                command.proc.kill()
    assert any(f"joined the home network '{HOME_SSID}'" in line for line in command.lines)
    store = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert not store.wss_enabled and not store.softap_mode
    assert [n.ssid for n in store.networks] == [HOME_SSID.encode()]
