"""Whole provisionings against the setup service, with Espressif's client code as the peer.

The client is esp_prov's own flow (``tests/esp_prov_peer.Client``): its HTTP transport,
its security 0/1/2 sessions, its Wi-Fi scan, config and control messages and its
custom-data helper, against :class:`wss.softap.SoftAPService` on the mock radio. Each
security scheme goes through scan, custom data, set and apply config and status to
Connected; wrong secrets are refused; a wrong Wi-Fi password comes back as AuthError,
a network out of range as NetworkNotFound; reset and reprov work.

Source: ESP-IDF Wi-Fi provisioning over SoftAP (docs/softap.md).
"""

from __future__ import annotations

import time

import esp_prov_peer
import pytest
from softap_world import HOME_KEY, HOME_SSID, PASSWORD, POP, RECEIVED, USERNAME, service

from wss.protocomm.wifi import FailReason, JoinState

SECRETS = {0: {}, 1: {"pop": POP}, 2: {"username": USERNAME, "password": PASSWORD}}


def client_for(svc, security: int) -> esp_prov_peer.Client:
    client = esp_prov_peer.Client(svc.server.address)
    assert client.connect(security, **SECRETS[security])
    return client


@pytest.mark.parametrize("security", [0, 1, 2])
def test_a_whole_provisioning(security, capsys):
    with service(security) as svc:
        client = client_for(svc, security)
        assert client.has_capability("wifi_scan")
        assert client.custom_data("hello device")
        assert RECEIVED[-1] == b"hello device"
        assert "CustomData response: b'SUCCESS\\x00'" in capsys.readouterr().out
        networks = {ap["ssid"]: ap for ap in client.scan()}
        # joinable, named networks only: no hidden camera, no enterprise network
        assert set(networks) == {HOME_SSID, "Neighbour", "OpenCafe", "OldWep"}
        assert networks[HOME_SSID]["auth"] == "WPA2_PSK" and networks[HOME_SSID]["bssid"] == "020000000101"
        assert networks[HOME_SSID]["channel"] == 6 and networks[HOME_SSID]["rssi"] == -40
        assert client.set_config(HOME_SSID, HOME_KEY)
        assert client.apply_config()
        assert client.wait_status() == "connected"
        assert svc.wait(5.0)
        assert svc.joined().ssid == HOME_SSID.encode()
        assert svc.driver.connection_details().ssid == HOME_SSID.encode()


def test_the_version_names_the_scheme_and_capabilities():
    import json

    with service(0) as svc:
        assert json.loads(esp_prov_peer.Client(svc.server.address).version())["prov"]["cap"] == ["no_sec", "wifi_scan"]
    with service(1, pop="") as svc:
        client = esp_prov_peer.Client(svc.server.address)
        assert client.has_capability("no_pop") and not client.has_capability("no_sec")
        assert client.connect(1)  # no PoP
    with service(2) as svc:
        prov = json.loads(esp_prov_peer.Client(svc.server.address).version())["prov"]
        assert (prov["sec_ver"], prov["sec_patch_ver"]) == (2, 1)


def test_a_wrong_pop_is_refused():
    with service(1) as svc:
        client = esp_prov_peer.Client(svc.server.address)
        with pytest.raises(RuntimeError, match="403"):
            client.connect(1, pop="wrong-pop")
        assert svc.core.session_id is None  # the failed session is gone
        assert client_for(svc, 1).status() == "disconnected"  # and the right PoP works after


@pytest.mark.parametrize("who", [(USERNAME, "not the password"), ("someone", PASSWORD)], ids=["password", "user"])
def test_a_wrong_srp_password_or_username_is_refused(who):
    username, password = who
    with service(2) as svc:
        client = esp_prov_peer.Client(svc.server.address)
        with pytest.raises(RuntimeError, match="403"):
            client.connect(2, username=username, password=password)


def test_security2_patch0_with_its_fixed_iv():
    with service(2, sec2_patch_version=0) as svc:
        client = client_for(svc, 2)  # esp_prov reads sec_patch_ver 0 and uses the IV as is
        assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
        assert client.wait_status() == "connected"


def test_a_wrong_wifi_password_is_auth_error_then_reset_and_retry(capsys):
    with service(1) as svc:
        client = client_for(svc, 1)
        assert client.set_config(HOME_SSID, "not the right key")
        assert client.apply_config()
        assert client.wait_status() == "failed"
        assert "Incorrect Password" in capsys.readouterr().out
        assert svc.station.join_status().fail_reason is FailReason.AUTH_ERROR
        assert not client.set_config(HOME_SSID, HOME_KEY)  # refused until reset
        client.reset()
        assert client.status() == "disconnected"
        assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
        assert client.wait_status() == "connected"


def test_a_network_out_of_range_is_network_not_found(capsys):
    with service(2) as svc:
        client = client_for(svc, 2)
        assert client.set_config("FarAway", "some passphrase")
        assert client.apply_config()
        assert client.wait_status() == "failed"
        assert "Incorrect SSID" in capsys.readouterr().out
        assert svc.station.join_status().fail_reason is FailReason.NETWORK_NOT_FOUND


def test_reprov_moves_the_device_to_another_network():
    with service(1, auto_stop=False) as svc:
        client = client_for(svc, 1)
        assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
        assert client.wait_status() == "connected"
        with pytest.raises(RuntimeError, match="CtrlReset failed"):
            client.reset()  # nothing failed: nothing to reset
        client.reprov()
        assert client.set_config("OpenCafe", "") and client.apply_config()
        assert client.wait_status() == "connected"
        assert svc.station.join_status().connection.ssid == b"OpenCafe"
        assert svc.joined().ssid == b"OpenCafe"


def test_reprov_before_success_is_refused():
    with service(0) as svc:
        with pytest.raises(RuntimeError, match="CtrlReprov failed"):
            client_for(svc, 0).reprov()


def test_the_connected_status_names_the_network():
    with service(0) as svc:
        client = client_for(svc, 0)
        assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
        assert client.wait_status() == "connected"
        status = svc.wifi.status()
        assert status.state is JoinState.CONNECTED
        link = status.connection
        assert (link.ssid, link.bssid, link.channel, link.auth.name) == (
            b"HomeNet",
            bytes.fromhex("020000000101"),
            6,
            "WPA2_PSK",
        )


def test_a_second_client_is_refused_while_a_session_is_open():
    with service(1) as svc:
        first = client_for(svc, 1)
        second = esp_prov_peer.Client(svc.server.address)
        with pytest.raises(RuntimeError, match="409"):
            second.connect(1, pop=POP)
        assert first.scan()  # the first session goes on
        first.close()  # its connection closes: the session ends (when the server sees the close)
        deadline = time.monotonic() + 5.0
        while svc.core.session_id is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client_for(svc, 1).status() == "disconnected"


def test_a_factory_salt_and_verifier_from_esp_prov(tmp_path):
    """The file esp_prov --sec2_gen_cred prints (C arrays) sets the device up."""
    import contextlib
    import io

    peer = esp_prov_peer.load()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        peer.security2.sec2_gen_salt_verifier(USERNAME, PASSWORD, 16)
    path = tmp_path / "sec2.txt"
    path.write_text(printed.getvalue())
    from wss.softap import load_salt_verifier

    salt, verifier = load_salt_verifier(path)
    with service(2, salt=salt, verifier=verifier) as svc:
        client = client_for(svc, 2)
        assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
        assert client.wait_status() == "connected"
