"""Typed response parsing (protocol §8.5), canProceed rules (§6.3), credential entries."""

from __future__ import annotations

import pytest

from wss.compat import ProvisioneeState, RegistrationRequest, SecurityProtocol, WifiConfiguration
from wss.dss import responses as R
from wss.errors import PeerProtocolError

SESSION = "amzn1.ffs.wss-wifi-session-id.8780fbf4-ce19-4a07-820d-773628ac2d20"


def test_real_report_response_from_the_log():
    body = (
        '{"canProceed":true,"nextProvisioningState":"COMPUTE_CONFIGURATION",'
        '"nonce":"/8s5ywHssemwNY85mVNzmau0Jh9tm4P","sessionId":"%s"}' % SESSION
    ).encode()
    parsed = R.parse_report(body)
    assert parsed == R.ReportResponse("/8s5ywHssemwNY85mVNzmau0Jh9tm4P", True, ProvisioneeState.COMPUTE_CONFIGURATION)


def test_real_scan_response_from_the_log():
    body = (
        '{"allCredentialsFound":false,"canProceed":true,"nonce":"OfcK1nKQcQxvEISDWDZamP3skAODTbj",'
        '"sequenceNumber":1,"sessionId":"%s","totalCredentialsFound":1}' % SESSION
    ).encode()
    parsed = R.parse_post_wifi_scan_data(body)
    assert (parsed.sequence_number, parsed.total_credentials_found, parsed.all_credentials_found) == (1, 1, False)


def test_real_credentials_response_from_the_log():
    body = (
        '{"allCredentialsReturned":true,"canProceed":true,"nonce":"tLJCIJV/Ag+Wb5NPgTjXYOjzn0ATw46",'
        '"sequenceNumber":1,"sessionId":"%s","wifiCredentialsList":[{"frequency":0,'
        '"key":"\\"pass-word\\"","keyIndex":0,"priority":0,"securityProtocol":"WPA_PSK",'
        '"ssid":"\\"wsn-2g\\""}]}' % SESSION
    ).encode()
    parsed = R.parse_get_wifi_credentials(body)
    assert parsed.all_credentials_returned and parsed.rejected == ()
    assert parsed.credentials == (WifiConfiguration(b"wsn-2g", SecurityProtocol.WPA_PSK, b"pass-word"),)


def test_sdk_credentials_vector_four_entries_hex_wep_becomes_ascii():
    """§12.1 credentials test: OPEN, WPA_PSK, quoted ASCII WEP, unquoted hex WEP."""
    body = (
        b'{"canProceed":true,"nonce":"n","sequenceNumber":1,"wifiCredentialsList":['
        b'{"ssid":"\\"TEST_OPEN\\"","securityProtocol":"OPEN"},'
        b'{"ssid":"\\"TEST_WPA\\"","securityProtocol":"WPA_PSK","key":"\\"TEST_WPA_KEY\\""},'
        b'{"ssid":"\\"TEST_ASCII_WEP\\"","securityProtocol":"WEP","key":"\\"11111\\""},'
        b'{"ssid":"\\"TEST_HEX_WEP\\"","securityProtocol":"WEP","key":3131313131,"keyIndex":2}]}'
    )
    creds = R.parse_get_wifi_credentials(body).credentials
    assert [(c.ssid, c.security, c.key) for c in creds] == [
        (b"TEST_OPEN", SecurityProtocol.NONE, b""),
        (b"TEST_WPA", SecurityProtocol.WPA_PSK, b"TEST_WPA_KEY"),
        (b"TEST_ASCII_WEP", SecurityProtocol.WEP, b"11111"),
        (b"TEST_HEX_WEP", SecurityProtocol.WEP, b"11111"),
    ]
    assert creds[3].wep_index == 2 and not creds[3].is_hidden


@pytest.mark.parametrize(
    "key, expected",
    [
        ('"0123456789abcdef0123456789"', bytes.fromhex("0123456789abcdef0123456789")),
        ('"\\"ABCDEF0123\\""', bytes.fromhex("abcdef0123")),
        ('"12345"', b"12345"),
        ('"0123456789a"', b"0123456789a"),
    ],
)
def test_wep_keys(key, expected):
    entry = (
        '{"canProceed":true,"nonce":"n","sequenceNumber":1,"wifiCredentialsList":[{"ssid":"\\"w\\"",'
        '"securityProtocol":"WEP","key":%s}]}' % key
    ).encode()
    assert R.parse_get_wifi_credentials(entry).credentials[0].key == expected


@pytest.mark.parametrize(
    "entry",
    [
        '{"ssid":"plain","securityProtocol":"OPEN"}',  # ssid not quoted
        '{"securityProtocol":"OPEN"}',  # no ssid
        '{"ssid":"\\"x\\"","securityProtocol":"WPA2"}',  # unknown security
        '{"ssid":"\\"x\\"","securityProtocol":"WPA_PSK"}',  # no key
        '{"ssid":"\\"x\\"","securityProtocol":"WPA_PSK","key":"unquoted"}',
        '{"ssid":"\\"x\\"","securityProtocol":"WEP"}',
        '{"ssid":"\\"x\\"","securityProtocol":"WEP","key":true}',
        '{"ssid":"\\"\\"","securityProtocol":"OPEN"}',  # empty SSID
        '{"ssid":"\\"%s\\"","securityProtocol":"OPEN"}' % ("x" * 33),
        '{"ssid":"\\"x\\"","securityProtocol":"OPEN","priority":"high"}',
        '"not an object"',
    ],
)
def test_invalid_credential_entries_are_skipped_with_a_reason(entry):
    body = (
        '{"canProceed":true,"nonce":"n","sequenceNumber":1,"wifiCredentialsList":[%s,'
        '{"ssid":"\\"ok\\"","securityProtocol":"OPEN"}]}' % entry
    ).encode()
    parsed = R.parse_get_wifi_credentials(body)
    assert [c.ssid for c in parsed.credentials] == [b"ok"]
    assert len(parsed.rejected) == 1 and parsed.rejected[0].startswith("entry 0")


def test_rejection_reasons_never_show_keys():
    body = (
        b'{"canProceed":true,"nonce":"n","sequenceNumber":1,"wifiCredentialsList":['
        b'{"ssid":"\\"x\\"","securityProtocol":"WPA_PSK","key":"sup3rsecret"}]}'
    )
    assert "sup3rsecret" not in repr(R.parse_get_wifi_credentials(body))


@pytest.mark.parametrize(
    "parse, body",
    [
        (R.parse_post_wifi_scan_data, b'{"nonce":"n","sessionId":"s","sequenceNumber":1,"totalCredentialsFound":0}'),
        (
            R.parse_post_wifi_scan_data,
            b'{"canProceed":false,"nonce":"n","sessionId":"s","sequenceNumber":1,"totalCredentialsFound":0}',
        ),
        (R.parse_get_wifi_credentials, b'{"nonce":"n","sequenceNumber":1}'),
        (R.parse_get_wifi_credentials, b'{"canProceed":false,"nonce":"n","sequenceNumber":1}'),
    ],
)
def test_pages_without_can_proceed_true_are_errors(parse, body):
    with pytest.raises(PeerProtocolError, match="canProceed"):
        parse(body)


def test_session_start_can_proceed_defaults_to_false_and_salt_is_bounded():
    parsed = R.parse_start_provisioning_session(b'{"nonce":"n","sessionId":"s","salt":"12345678"}')
    assert parsed == R.StartProvisioningSessionResponse("n", "s", "12345678", False)
    with pytest.raises(PeerProtocolError, match="salt"):
        R.parse_start_provisioning_session(b'{"nonce":"n","sessionId":"s","salt":"123456789"}')
    with pytest.raises(PeerProtocolError, match="sessionId"):
        R.parse_start_provisioning_session(b'{"nonce":"n","sessionId":"%s","salt":"1"}' % (b"s" * 256))
    with pytest.raises(PeerProtocolError, match="required"):
        R.parse_start_provisioning_session(b'{"nonce":"n","sessionId":"s"}')


def test_pin_response():
    assert R.parse_start_pin_based_setup(b'{"canProceed":true,"nonce":"n"}').can_proceed
    assert not R.parse_start_pin_based_setup(b'{"nonce":"n"}').can_proceed


def test_compute_configuration_values_and_token():
    body = (
        b'{"canProceed":true,"configuration":{"Time.UTC":"2021-12-08T18:56:24Z","Flag":true},'
        b'"nonce":"n","registrationDetails":{"expiresAt":1000,"registrationToken":"Test Registration Token"}}'
    )
    parsed = R.parse_compute_configuration_data(body)
    assert parsed.configuration == (("Time.UTC", "2021-12-08T18:56:24Z"), ("Flag", True))
    assert parsed.registration == RegistrationRequest(b"Test Registration Token", 1000)
    assert "Test Registration Token" not in repr(parsed)


@pytest.mark.parametrize("value", [b"1", b"null", b"{}", b"[]"])
def test_configuration_values_must_be_strings_or_booleans(value):
    with pytest.raises(PeerProtocolError):
        R.parse_compute_configuration_data(b'{"nonce":"n","configuration":{"k":' + value + b"}}")


def test_report_next_state_rules():
    assert R.parse_report(b'{"canProceed":true,"nonce":"n"}').next_state is ProvisioneeState.NOT_PROVISIONED
    for name in (b"CONNECTING_TO_SETUP_NETWORK", b"FAILURE", b"BOGUS"):
        with pytest.raises(PeerProtocolError, match="nextProvisioningState"):
            R.parse_report(b'{"canProceed":true,"nonce":"n","nextProvisioningState":"' + name + b'"}')
    assert not R.parse_report(b'{"nonce":"n","nextProvisioningState":"DONE"}').can_proceed


def test_nonce_is_required_everywhere():
    for parse in (R.parse_report, R.parse_start_pin_based_setup, R.parse_compute_configuration_data):
        with pytest.raises(PeerProtocolError, match="nonce"):
            parse(b'{"canProceed":true}')
