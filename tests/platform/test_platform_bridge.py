"""The one HAL wrapper of the default compat layer: error mapping, error details, records."""

from __future__ import annotations

import pytest

import hal
from hal import errors as E
from hal.mock import WifiDriverMock
from hal.types import FailureReason, Security
from wss import error_details
from wss.compat import ConnectionState, FfsResult, SecurityProtocol, WifiConfiguration
from wss.errors import CompatError, ConnectionReset, TransportError, TransportTimeout
from wss.platform.hal_bridge import DriverBridge, dss_security, error_details_for, hal_security

REASONS = {
    FailureReason.NO_CONFIGURED_NETWORKS: "3:1:0:1",
    FailureReason.WRONG_KEY: "3:2:0:1",
    FailureReason.CAPTIVE_PORTAL: "3:4:0:1",
    FailureReason.LIMITED_CONNECTIVITY: "3:5:0:1",
    FailureReason.INTERNAL: "3:3:0:1",
    FailureReason.AP_NOT_FOUND: "3:16:0:1",
    FailureReason.UNKNOWN: "3:6:0:3",
}


@pytest.mark.parametrize("reason, code", sorted(REASONS.items(), key=lambda item: item[1]))
def test_every_failure_reason_has_its_standard_code(reason, code):
    details = error_details_for(reason)
    assert details.code == code and details is error_details.by_code(code)


def test_a_timeout_is_limited_connectivity_only_once_associated():
    assert error_details_for(FailureReason.TIMEOUT, associated=True).code == "3:5:0:1"
    assert error_details_for(FailureReason.TIMEOUT, associated=False).code == "3:6:0:3"


@pytest.mark.parametrize(
    "error, expected, result",
    [
        (E.StreamTimeout("slow"), TransportTimeout, None),
        (E.StreamReset("gone"), ConnectionReset, None),
        (E.StreamClosed("closed"), ConnectionReset, None),
        (E.NetworkUnreachable("no route"), TransportError, None),
        (E.NameResolutionError("no name"), TransportError, None),
        (E.StreamRefused("refused"), TransportError, None),
        (E.DriverNotSupported("no"), CompatError, FfsResult.NOT_IMPLEMENTED),
        (E.DriverTimeout("late"), CompatError, FfsResult.TIMEOUT),
        (E.InterfaceError("wlan0 gone"), CompatError, FfsResult.ERROR),
        (E.ScanFailed("radio said no"), CompatError, FfsResult.ERROR),
    ],
)
def test_hal_errors_become_wss_errors(error, expected, result):
    def fail():
        raise error

    with pytest.raises(expected) as caught:
        DriverBridge(object()).call("doing it", fail)  # type: ignore[arg-type]
    assert type(caught.value) is expected and str(error) in str(caught.value)
    assert caught.value.__cause__ is error
    if result is not None:
        assert caught.value.result is result


def test_security_classes_fold_into_the_dss_values():
    assert {s: dss_security(s) for s in Security} == {
        Security.OPEN: SecurityProtocol.NONE,
        Security.WEP: SecurityProtocol.WEP,
        Security.WPA_PSK: SecurityProtocol.WPA_PSK,
        Security.WPA2_PSK: SecurityProtocol.WPA_PSK,
        Security.WPA3_SAE: SecurityProtocol.WPA_PSK,
        Security.WPA2_WPA3: SecurityProtocol.WPA_PSK,
        Security.ENTERPRISE: SecurityProtocol.OTHER,
        Security.OTHER: SecurityProtocol.OTHER,
    }
    assert hal_security(SecurityProtocol.OTHER) is None and hal_security(SecurityProtocol.UNKNOWN) is None
    assert hal_security(SecurityProtocol.NONE) is Security.OPEN


@pytest.fixture
def bridge():
    driver = WifiDriverMock(
        {
            "access_points": [
                {
                    "ssid": "Net",
                    "bssid": "02:00:00:00:00:01",
                    "channel": 6,
                    "rssi": -40,
                    "security": "WPA2_PSK",
                    "passphrase": "right password",
                }
            ]
        }
    )
    with driver:
        yield DriverBridge(driver)


def test_networks_the_driver_cannot_take_are_discarded_not_fatal(bridge):
    assert not bridge.add_network(WifiConfiguration(b"Corp", SecurityProtocol.OTHER, b"x"))
    assert not bridge.add_network(WifiConfiguration(b"Net", SecurityProtocol.WPA_PSK, b"short"))
    assert bridge.configured_networks() == ()
    assert bridge.add_network(WifiConfiguration(b"Net", SecurityProtocol.WPA_PSK, b"right password"), priority=1)
    assert bridge.configured_networks()[0].priority == 1


def test_connect_returns_the_attempts_with_error_details(bridge):
    bridge.add_network(WifiConfiguration(b"Net", SecurityProtocol.WPA_PSK, b"wrong password"))
    bridge.add_network(WifiConfiguration(b"Away", SecurityProtocol.WPA_PSK, b"far far away"))
    bridge.add_network(WifiConfiguration(b"Net", SecurityProtocol.WPA_PSK, b"right password"))
    attempts = bridge.connect(5.0, None)
    assert [(a.ssid, a.state, a.error_details and a.error_details.code) for a in attempts] == [
        (b"Net", ConnectionState.FAILED, "3:2:0:1"),
        (b"Away", ConnectionState.FAILED, "3:16:0:1"),
        (b"Net", ConnectionState.ASSOCIATED, None),
    ]
    details = bridge.connection_details()
    assert details.ssid == b"Net" and details.state is ConnectionState.ASSOCIATED
    assert details.security is SecurityProtocol.WPA_PSK
    assert bridge.connect(5.0, hal.ConnectivityCheck("nowhere.example", 443))[-1].error_details.code == "3:5:0:1"


def test_a_stream_is_refused_without_a_network(bridge):
    with pytest.raises(TransportError):
        bridge.open_stream("localhost", 443, 1.0)
