"""End to end on the mock radio: WSS fails, the SoftAP fallback sets the device up.

``wss provision --fallback softap`` runs in a fresh interpreter in a home where no
provisioner is in range: the WSS run cannot find a setup network, persists WSS-disabled
SoftAP setup mode, and starts the SoftAP flow; Espressif's client code (esp_prov's own
flow functions over HTTP) then sets the device up. The exit status and the store say
the device is on the home network, WSS disabled, out of SoftAP setup mode; a second
run (a restart) joins the saved network and starts no SoftAP; a run with
``--clear-setup`` forgets that network, keeps WSS disabled and opens the SoftAP again.

Source: integration guide ("Device factory reset recommendation"); docs/softap.md.
"""

from __future__ import annotations

import json
import pathlib
import sys

import esp_prov_peer
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "softap"))
from softap_world import HOME_KEY, HOME_SSID, POP, RunningCommand, home

from wss.store import ProvisioneeStore

ROOT = pathlib.Path(__file__).resolve().parents[2]


def provision_args(pki, environment, state, timeout_s="60"):
    return [
        "provision",
        "--hal",
        "mock",
        "--hal-option",
        f"environment={environment}",
        "--pki",
        str(pki),
        "--state-dir",
        str(state),
        "--fallback",
        "softap",
        "--sec",
        "1",
        "--pop",
        POP,
        "--http-port",
        "0",
        "--timeout",
        timeout_s,
        "--no-discovery",  # tested in test_e2e_discovery.py
    ]


@pytest.fixture
def pki_folder(pki):
    """The folder of the session's development PKI (``wss mfg dev-pki``'s layout)."""
    return pki.folder


def test_wss_fails_then_the_softap_flow_sets_the_device_up(tmp_path, pki_folder):
    environment = tmp_path / "home.yaml"
    environment.write_text(json.dumps(home()))  # no provisioner in range
    state = tmp_path / "state"
    command = RunningCommand(provision_args(pki_folder, environment, state), ROOT)
    command.wait_for("fallback: SoftAP setup mode with WSS disabled")
    fallen = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert not fallen.wss_enabled and fallen.softap_mode  # persisted before the SoftAP starts
    address = command.address()
    assert "service PROV_EA69FC" in "\n".join(command.lines)
    client = esp_prov_peer.Client(address)
    assert client.connect(1, pop=POP)
    assert {ap["ssid"] for ap in client.scan()} >= {HOME_SSID}
    assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
    assert client.wait_status() == "connected"
    assert command.finish() == 0, command.stderr
    assert any(f"joined the home network '{HOME_SSID}'" in line for line in command.lines)
    store = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert not store.wss_enabled and not store.softap_mode
    assert [n.ssid for n in store.networks] == [b"HomeNet"]

    restart = RunningCommand(provision_args(pki_folder, environment, state), ROOT)
    assert restart.finish() == 0, restart.stderr
    assert any("already set up; joined the saved network 'HomeNet'" in line for line in restart.lines)
    assert not any("HTTP on" in line for line in restart.lines)

    cleared = RunningCommand([*provision_args(pki_folder, environment, state, "0.5"), "--clear-setup"], ROOT)
    assert cleared.finish() == 1, cleared.stderr
    assert any("HTTP on" in line for line in cleared.lines)  # no WSS run: the SoftAP flow at once
    assert any("no client set the device up within 0.5 s" in line for line in cleared.lines)
    store = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert (store.wss_enabled, store.softap_mode, store.networks) == (False, True, ())
