"""Fuzzing the response parsers: any input either parses or raises PeerProtocolError."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wss.dss import responses as R
from wss.errors import PeerProtocolError

PARSERS = [
    R.parse_start_provisioning_session,
    R.parse_start_pin_based_setup,
    R.parse_compute_configuration_data,
    R.parse_post_wifi_scan_data,
    R.parse_get_wifi_credentials,
    R.parse_report,
]

KEYS = st.sampled_from(
    [
        "nonce",
        "sessionId",
        "salt",
        "canProceed",
        "sequenceNumber",
        "totalCredentialsFound",
        "allCredentialsFound",
        "allCredentialsReturned",
        "wifiCredentialsList",
        "configuration",
        "registrationDetails",
        "nextProvisioningState",
        "ssid",
        "securityProtocol",
        "key",
        "keyIndex",
        "registrationToken",
        "expiresAt",
        "x",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.text(max_size=12),
    st.sampled_from(['"WPA_PSK"', "WEP", "OPEN", "DONE", '"net"', "3131313131"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=6)),
    max_leaves=20,
)


def _only_peer_errors(parse, body: bytes) -> None:
    try:
        parse(body)
    except PeerProtocolError:
        pass


@pytest.mark.parametrize("parse", PARSERS)
@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=200))
def test_random_bytes(parse, body):
    _only_peer_errors(parse, body)


@pytest.mark.parametrize("parse", PARSERS)
@settings(max_examples=150, deadline=None)
@given(document=st.dictionaries(KEYS, VALUES, max_size=8))
def test_random_json_objects(parse, document):
    _only_peer_errors(parse, json.dumps(document).encode())
