"""The whole task on the happy path, against the fake compat and the scripted DSS."""

from __future__ import annotations

from provisionee_world import SETUP_PASSPHRASE, SETUP_SSID, make_compat, provision

from wss.compat import ProvisioneeState as S
from wss.compat import SecurityProtocol, WifiConfiguration
from wss.provisionee import Event
from wss.provisionee.states import NORMAL_PATH


def test_happy_path_ends_done_on_the_home_network(home_dss, clock):
    compat = make_compat(home_dss)
    result = provision(compat, clock)
    assert result.succeeded
    assert result.final_state is S.DONE and result.reason is Event.TERMINAL
    assert result.joined_home_network and not result.fall_back_to_softap
    assert result.error is None
    assert compat.connected.ssid == b"HomeNet"
    assert [entry.to_state for entry in result.transcript] == [
        S.CONNECTING_TO_SETUP_NETWORK,
        S.START_PROVISIONING,
        S.COMPUTE_CONFIGURATION,
        S.POST_WIFI_SCAN_DATA,
        S.GET_WIFI_LIST,
        S.CONNECTING_TO_USER_NETWORK,
        S.CONNECTED_TO_USER_NETWORK,
        S.DONE,
        S.DONE,
    ]
    # the declared happy path (progress display, local DSS) is the one the machine walks
    assert (S.NOT_PROVISIONED, *(entry.to_state for entry in result.transcript[:-1])) == NORMAL_PATH
    assert result.transcript[-1].stopped


def test_report_sequence_numbers_are_3_6_9_12_14_16(home_dss, clock):
    provision(make_compat(home_dss), clock)
    assert [body["sequenceNumber"] for body in home_dss.bodies("report")] == [3, 6, 9, 12, 14, 16]


def test_the_encoded_setup_network_is_the_spec_vector(home_dss, clock):
    """Protocol §12.3: the §12.3 keys, product index AbCd and nonce give this SSID/passphrase."""
    compat = make_compat(home_dss)
    provision(compat, clock)
    assert compat.added[0] == WifiConfiguration(SETUP_SSID, SecurityProtocol.WPA_PSK, SETUP_PASSPHRASE, is_hidden=True)
    attempts = home_dss.bodies("report")[0]["wifiNetworkInfoList"]
    assert attempts == [
        {"ssid": '"' + SETUP_SSID.decode() + '"', "securityProtocol": "WPA_PSK", "wifiConnectionState": "ASSOCIATED"}
    ]


def test_dss_ports_8888_on_the_setup_network_then_443(home_dss, clock):
    provision(make_compat(home_dss), clock)
    ports = [port for _, port, _ in home_dss.requests]
    assert ports == [8888] * 8 + [443, 443]
