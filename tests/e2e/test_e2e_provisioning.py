"""End to end: the provisionee against the real local DSS over real mutual TLS, mock radio.

Happy path (both TLS transports), a wrong first PSK, an AP that vanishes, the network
policy. Every run also passes ``check_ssids`` (see ``e2e_world``).
"""

from __future__ import annotations

from e2e_world import HOME_KEY, accounts, audible_ssids, home_environment, provision

from wss.compat import ProvisioneeState as S
from wss.platform.device import DevicePolicy
from wss.provisionee import Event, states

#: The states a run passes through after NOT_PROVISIONED (the happy path).
NORMAL_PATH = list(states.NORMAL_PATH[1:])


def test_happy_path_ends_done_on_the_home_network(pki, tmp_path):
    run = provision(pki, tmp_path)
    result = run.result
    assert result.succeeded and result.reason is Event.TERMINAL and result.error is None
    assert [entry.to_state for entry in result.transcript[:-1]] == NORMAL_PATH
    assert run.driver.connection_details().ssid == b"HomeNet"
    assert run.operations() == [
        "startProvisioningSession",
        "report",
        "computeConfigurationData",
        "report",
        "postWifiScanData",
        "report",
        "getWifiCredentials",
        "report",
        "report",
        "report",
    ]
    assert all(exchange.status == 200 for exchange in run.exchanges)
    # §7.4: the setup network reaches the DSS on its own port, the home network on the normal one
    assert [exchange.listener for exchange in run.exchanges] == ["setup"] * 8 + ["dss"] * 2
    # §6.4: the client sequence counter in the reports
    assert [e.request["sequenceNumber"] for e in run.exchanges if e.operation == "report"] == [3, 6, 9, 12, 14, 16]
    assert run.reports()[-1] == ("CONNECTED_TO_USER_NETWORK", "SUCCESS", "DONE", True)
    assert run.attempts("CONNECTING_TO_USER_NETWORK") == [("HomeNet", "ASSOCIATED", None)]
    stored = run.stored()
    assert stored.state is S.DONE and stored.wss_enabled and not stored.softap_mode
    assert stored.registration is not None
    assert [via for _, _, via in run.compat.transport.connections] == ["socket", "socket"]


def test_happy_path_over_the_callback_transport(pki, tmp_path):
    """A stream that is not a kernel socket: mbedTLS calls the stream's send/recv."""
    run = provision(pki, tmp_path, capabilities={"stream_fileno": False})
    assert run.result.succeeded and run.driver.connection_details().ssid == b"HomeNet"
    assert [via for _, _, via in run.compat.transport.connections] == ["callbacks", "callbacks"]


def test_the_encoded_setup_network_is_the_one_the_provisioner_hosts(pki, tmp_path):
    run = provision(pki, tmp_path)
    ((ssid, state, code),) = run.attempts("START_PROVISIONING")
    assert state == "ASSOCIATED" and code is None and len(ssid) == 32
    hosted = run.provisioner.identify(ssid)
    assert hosted.product_index == b"AbCd" and hosted.control == 0


def test_first_psk_wrong_then_success_on_the_second(pki, tmp_path):
    saved = accounts(
        {"ssid": "HomeNet-5G", "security": "WPA_PSK", "key": "an old password", "priority": 5},
        {"ssid": "HomeNet", "security": "WPA_PSK", "key": HOME_KEY, "priority": 0},
    )
    run = provision(pki, tmp_path, saved=saved)
    assert run.result.succeeded and run.driver.connection_details().ssid == b"HomeNet"
    assert run.attempts("CONNECTING_TO_USER_NETWORK") == [
        ("HomeNet-5G", "FAILED", "3:2:0:1"),
        ("HomeNet", "ASSOCIATED", None),
    ]
    (failed,) = [
        e
        for e in run.exchanges
        if e.operation == "report" and e.request["currentProvisioningState"] == "CONNECTING_TO_USER_NETWORK"
    ]
    details = failed.request["wifiNetworkInfoList"][0]["errorDetails"]
    assert details == {
        "operation": "CONNECTING_TO_NETWORK",
        "cause": "Authentication failed",
        "details": "Authentication failed",
        "code": "3:2:0:1",
    }


def test_ap_not_found_is_reported_with_3_16_0_1(pki, tmp_path):
    environment = home_environment()
    environment["faults"] = [{"type": "ap_vanishes", "ssid": "HomeNet-5G", "on": "first_connect"}]
    saved = accounts(
        {"ssid": "HomeNet-5G", "security": "WPA_PSK", "key": "five gee ghz", "priority": 5},
        {"ssid": "HomeNet", "security": "WPA_PSK", "key": HOME_KEY, "priority": 0},
    )
    run = provision(pki, tmp_path, environment=environment, saved=saved)
    assert run.result.succeeded
    assert run.attempts("CONNECTING_TO_USER_NETWORK") == [
        ("HomeNet-5G", "FAILED", "3:16:0:1"),
        ("HomeNet", "ASSOCIATED", None),
    ]


def test_the_default_policy_posts_no_wep_open_or_hidden_network(pki, tmp_path):
    run = provision(pki, tmp_path)
    (scan,) = [e for e in run.exchanges if e.operation == "postWifiScanData"]
    assert [item["ssid"] for item in scan.request["wifiScanDataList"]] == [
        '"HomeNet"',
        '"HomeNet-5G"',
        '"Neighbour"',
    ]  # strongest first, WPA family only
    assert {item["securityProtocol"] for item in scan.request["wifiScanDataList"]} == {"WPA_PSK"}
    assert run.compat.seen_ssids == audible_ssids(run.environment)  # heard all, posted some


def test_a_permissive_policy_posts_wep_and_open_networks_too(pki, tmp_path):
    run = provision(pki, tmp_path, policy=DevicePolicy.permissive())
    (scan,) = [e for e in run.exchanges if e.operation == "postWifiScanData"]
    posted = {item["ssid"]: item["securityProtocol"] for item in scan.request["wifiScanDataList"]}
    assert posted == {
        '"HomeNet"': "WPA_PSK",
        '"HomeNet-5G"': "WPA_PSK",
        '"Neighbour"': "WPA_PSK",
        '"OpenCafe"': "OPEN",
        '"OldWep"': "WEP",
    }
    assert run.result.succeeded


def test_a_radio_without_5ghz_posts_no_5ghz_network(pki, tmp_path):
    run = provision(pki, tmp_path, capabilities={"band_5ghz": False})
    (scan,) = [e for e in run.exchanges if e.operation == "postWifiScanData"]
    assert '"HomeNet-5G"' not in [item["ssid"] for item in scan.request["wifiScanDataList"]]
    assert run.result.succeeded
