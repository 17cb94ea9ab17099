"""The SoftAP setup flow with its store (wss.softap.flow), on the mock radio.

Success saves the network and leaves SoftAP setup mode; a restart joins the saved
network without a SoftAP; the time limit ends the flow with nothing saved; the SoftAP
and its server are gone afterwards; secrets never reach a log.
"""

from __future__ import annotations

import io
import logging
import threading

import esp_prov_peer
import pytest
from softap_world import HOME_KEY, HOME_SSID, PASSWORD, POP, USERNAME, home, setup

from hal.errors import DriverNotSupported
from hal.mock import WifiDriverMock
from wss.compat.types import SecurityProtocol
from wss.errors import ConfigError
from wss.softap import SoftAPService, run_softap_setup
from wss.store import ProvisioneeStore

SECRETS = {1: {"pop": POP}, 2: {"username": USERNAME, "password": PASSWORD}}


def fallen_back_store(tmp_path) -> ProvisioneeStore:
    store = ProvisioneeStore.open(str(tmp_path / "provisionee.json"))
    store.fall_back_to_softap()  # what a failed WSS run leaves
    return store


def provision_in_background(svc_ready: threading.Event, holder: dict, security: int, key: str = HOME_KEY):
    """A client that waits for the banner's address, then sets the device up."""
    esp_prov_peer.require_client()  # here: a skip on the client's thread would be lost

    def client():
        svc_ready.wait(10)
        peer = esp_prov_peer.Client(holder["address"])
        peer.connect(security, **SECRETS.get(security, {}))
        peer.set_config(HOME_SSID, key)
        peer.apply_config()
        holder["status"] = peer.wait_status()

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    return thread


class AddressSpy(io.StringIO):
    """The banner's output: tells the client the address as soon as it is printed."""

    def __init__(self, ready: threading.Event, holder: dict) -> None:
        super().__init__()
        self.ready, self.holder = ready, holder

    def write(self, text: str) -> int:
        if "HTTP on " in text:
            host, port = text.split("HTTP on ")[1].strip().rsplit(":", 1)
            self.holder["address"] = (host, int(port))
            self.ready.set()
        return super().write(text)


@pytest.mark.parametrize("security", [1, 2])
def test_success_saves_the_network_and_a_restart_keeps_it(tmp_path, security, caplog):
    caplog.set_level(logging.DEBUG)
    store = fallen_back_store(tmp_path)
    ready, holder = threading.Event(), {}
    out = AddressSpy(ready, holder)
    thread = provision_in_background(ready, holder, security)
    driver = WifiDriverMock(home())
    result = run_softap_setup(driver, store, setup(security, show_qr=True), out=out)
    thread.join(10)
    assert holder["status"] == "connected"
    assert result.provisioned and result.reason == "joined" and result.ssid == b"HomeNet"
    assert result.service_name == "PROV_EA69FC" and result.address == holder["address"]
    assert driver.softap is None  # the SoftAP is stopped; the station stays joined
    assert driver.connection_details().ssid == b"HomeNet"
    driver.close()
    saved = ProvisioneeStore.open(store.path)  # what a restart reads
    assert not saved.softap_mode and not saved.wss_enabled
    assert [(n.ssid, n.security, n.key) for n in saved.networks] == [
        (b"HomeNet", SecurityProtocol.WPA_PSK, HOME_KEY.encode())
    ]
    again = WifiDriverMock(home())
    restarted = run_softap_setup(again, saved, setup(security), out=io.StringIO())
    assert restarted.provisioned and restarted.reason == "already provisioned" and again.softap is None
    assert again.connection_details().ssid == b"HomeNet"
    again.close()
    banner = out.getvalue()
    assert '{"ver":"v1","name":"PROV_EA69FC"' in banner and "█" in banner  # the QR, on the terminal
    for secret in (POP, PASSWORD, HOME_KEY):
        assert secret not in caplog.text


def test_the_time_limit_ends_the_flow_with_nothing_saved(tmp_path):
    store = fallen_back_store(tmp_path)
    driver = WifiDriverMock(home())
    result = run_softap_setup(driver, store, setup(1, timeout_s=0.3), out=io.StringIO())
    assert not result.provisioned and result.reason == "timeout" and result.ssid == b""
    assert driver.softap is None
    reread = ProvisioneeStore.open(store.path)
    assert reread.softap_mode and not reread.wss_enabled and reread.networks == ()


def test_a_joined_station_ends_the_flow_even_if_no_client_asks(tmp_path):
    with SoftAPService(WifiDriverMock(home()), setup(0, linger_s=0.2), io.StringIO()) as svc:
        client = esp_prov_peer.Client(svc.server.address)
        client.connect(0)
        client.set_config(HOME_SSID, HOME_KEY)
        client.apply_config()  # and never asks for the status
        assert svc.wait(10.0)
        assert svc.joined().ssid == b"HomeNet"


def test_a_driver_without_softap_is_a_clear_error(tmp_path):
    driver = WifiDriverMock(home(), capabilities={"softap": False})
    with pytest.raises(ConfigError, match="no SoftAP"):
        run_softap_setup(driver, fallen_back_store(tmp_path), setup(0), out=io.StringIO())


def test_a_port_in_use_is_a_clear_error(tmp_path):
    with SoftAPService(WifiDriverMock(home()), setup(0), io.StringIO()) as first:
        port = first.server.address[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            run_softap_setup(WifiDriverMock(home()), fallen_back_store(tmp_path), setup(0, http_port=port))


class NoMacMock(WifiDriverMock):
    def mac_address(self) -> bytes:
        raise DriverNotSupported("no MAC here")


def test_without_a_mac_the_service_name_is_random():
    with SoftAPService(NoMacMock(home()), setup(0), io.StringIO()) as svc:
        assert svc.name.startswith("PROV_") and len(svc.name) == 11 and svc.driver.softap.ssid == svc.name.encode()


def test_a_protected_softap_and_its_channel():
    with SoftAPService(
        WifiDriverMock(home()), setup(1, ap_passphrase=b"softap secret", channel=11), io.StringIO()
    ) as svc:
        ap = svc.driver.softap
        assert (ap.ssid, ap.security.name, ap.channel) == (b"PROV_EA69FC", "WPA2_PSK", 11)
        assert "softap secret" not in repr(ap) and "softap secret" not in repr(svc.setup)
        payload = svc.setup.qr_text(svc.name)
        assert payload.endswith('"password":"softap secret","transport":"softap"}')
