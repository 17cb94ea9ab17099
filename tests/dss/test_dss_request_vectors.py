"""Request bodies byte for byte: protocol §12.1 vectors (and the §8.4 report example)."""

from __future__ import annotations

import hashlib

import pytest
from vector_files import load_json

from wss.compat import (
    ConnectionDetails,
    ConnectionState,
    ErrorDetails,
    ProvisioneeState,
    RegistrationState,
    SecurityProtocol,
    WifiScanResult,
)
from wss.dss import requests
from wss.dss.client import DSSClient, make_nonce

VECTORS = load_json("dss_request_vectors.json")
C = VECTORS["constants"]
BODIES = VECTORS["bodies"]
PROTOCOL_VECTORS = load_json("wss_protocol_vectors.json")


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


NONCE = make_nonce(C["nonce_random"].encode() * 5, C["nonce_length"])
DETAILS = requests.DeviceDetails(**C["device_details"])


def built_bodies():
    scan = requests.post_wifi_scan_data(NONCE, C["session_id"], DETAILS, 1, 4096)
    for ssid, bssid, security in C["scan_results"]:
        assert scan.try_add(
            requests.scan_result_item(
                WifiScanResult(ssid.encode(), bytes.fromhex(bssid), SecurityProtocol.from_dss_name(security), 1, 1)
            )
        )
    client = DSSClient()
    client.sequence_number = 122
    report = requests.report(
        NONCE,
        C["session_id"],
        DETAILS,
        client.next_report_sequence_number(),
        ProvisioneeState.COMPUTE_CONFIGURATION,
        RegistrationState.FAILED,
        True,
        4096,
    )
    for ssid, security, state, error in C["report_attempts"]:
        assert report.try_add(
            requests.attempt_item(
                ConnectionDetails(
                    ssid.encode(),
                    SecurityProtocol.from_dss_name(security),
                    ConnectionState[state],
                    ErrorDetails(**error),
                )
            )
        )
    return {
        "startProvisioningSession": requests.start_provisioning_session(NONCE),
        "computeConfigurationData": requests.compute_configuration_data(NONCE, C["session_id"], DETAILS),
        "getWifiCredentials": requests.get_wifi_credentials(NONCE, C["session_id"], DETAILS, 1),
        "startPinBasedSetup": requests.start_pin_based_setup(
            NONCE, C["session_id"], DETAILS, requests.hashed_pin(C["pin"], C["salt"], sha256)
        ),
        "postWifiScanData": scan.finish(),
        "report": report.finish(),
    }


def test_nonce_from_the_unit_test_random_bytes():
    assert NONCE == C["nonce"]


@pytest.mark.parametrize("operation", sorted(BODIES))
def test_request_body_byte_for_byte(operation):
    assert built_bodies()[operation] == BODIES[operation].encode()


def test_spec_fragments_appear_in_the_bodies():
    """The body fragments §12.1 states verbatim (copied into the vector file)."""
    fragments = VECTORS["spec_fragments"]
    assert len(fragments) >= 3
    bodies = b"\n".join(built_bodies().values()).decode()
    for fragment in fragments:
        assert fragment in bodies, fragment


@pytest.mark.parametrize("name", ["sdk_unit_tests", "self_contained"])
def test_hashed_pin_vectors(name):
    vector = PROTOCOL_VECTORS[name]
    assert requests.hashed_pin(vector["pin"], vector["salt"], sha256) == vector["hashed_pin"]


def test_hashed_pin_defaults_to_wss_crypto():
    pytest.importorskip("wss._core", reason="the compiled crypto core is not built")
    vector = PROTOCOL_VECTORS["self_contained"]
    assert requests.hashed_pin(vector["pin"], vector["salt"]) == vector["hashed_pin"]
