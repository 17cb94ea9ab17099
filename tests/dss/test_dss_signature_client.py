"""The signature header (protocol §8.2) and the sans-IO DSS client (§6.4, §7.4, §8.1, §8.3)."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from vector_files import load_json

from wss.compat import DSSClientBuffers, HttpResponse
from wss.dss import signature as SIG
from wss.dss.client import DSSClient, Operation, make_nonce, nonce_random_size
from wss.errors import PeerProtocolError
from wss.provisionee.context import MachineOptions, TaskContext
from wss.provisionee.machine import StepMachine
from wss.provisionee.operations import OperationFailed, perform
from wss.provisionee.runner import drive
from wss.retry import RetryPolicy

OWN = load_json("wss_protocol_vectors.json")["self_contained"]
CLOUD_SPKI = bytes.fromhex(OWN["cloud_public_key_der"])


def pyca_verify(spki: bytes, message: bytes, signature: bytes) -> bool:
    try:
        serialization.load_der_public_key(spki).verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def test_sdk_header_vectors():
    assert SIG.decode_signature("U0lHTkFUVVJF") == b"SIGNATURE"
    assert SIG.decode_signature("U0lHTkFUVVI=") == b"SIGNATUR"
    assert SIG.decode_signature(" U0lH\r\nTkFU VVJF ") == b"SIGNATURE"  # non-alphabet skipped
    with pytest.raises(PeerProtocolError, match="two"):
        SIG.decode_signature("U0lHTkFUVVJF===")


@pytest.mark.parametrize("value", ["U0lH=TkFU", "", "====", "A", "QQ" * 49])
def test_bad_header_values(value):
    with pytest.raises(PeerProtocolError):
        SIG.decode_signature(value)


def test_exactly_one_header():
    with pytest.raises(PeerProtocolError, match="no x-amzn"):
        SIG.extract_signature([("content-type", "application/json")])
    with pytest.raises(PeerProtocolError, match="more than one"):
        SIG.extract_signature([("x-amzn-dss-signature", "U0lH"), ("X-Amzn-Dss-Signature", "U0lH")])
    assert SIG.extract_signature([("X-AMZN-DSS-SIGNATURE", "U0lHTkFUVVJF")]) == b"SIGNATURE"


def test_spec_signature_vector_verifies_and_a_changed_body_does_not():
    """§12.3: RFC 6979 signature of the cloud key over a report body."""
    body = OWN["signed_body"].encode()
    headers = [("x-amzn-dss-signature", OWN["signature_header"])]
    SIG.verify_response(headers, body, CLOUD_SPKI, pyca_verify)
    with pytest.raises(PeerProtocolError, match="does not verify"):
        SIG.verify_response(headers, body + b"\n", CLOUD_SPKI, pyca_verify)


def test_nonce_generation():
    assert make_nonce(b"O{-" * 4, 15) == "T3stT3stT3stT3s"
    assert nonce_random_size(31) == 24 and nonce_random_size(15) == 12
    random = bytes(range(24))
    assert make_nonce(random, 31) == base64.b64encode(random).decode()[:31]
    with pytest.raises(ValueError):
        make_nonce(b"x" * 23, 31)


def test_client_nonce_length_follows_the_buffer():
    assert DSSClient().nonce_length == 31
    assert DSSClient(DSSClientBuffers(nonce_size=16)).nonce_length == 15


def test_sequence_counter_rules():
    """§6.4: +1 per HTTP operation, +1 more at the start of each report."""
    client = DSSClient()
    seen = []
    client.build_request(Operation.START_PROVISIONING_SESSION, b"{}")
    for operation in (
        None,
        Operation.COMPUTE_CONFIGURATION_DATA,
        Operation.POST_WIFI_SCAN_DATA,
        Operation.GET_WIFI_CREDENTIALS,
        "report-only",
        "report-only",
    ):
        if isinstance(operation, Operation):
            client.build_request(operation, b"{}")
        seen.append(client.next_report_sequence_number())
        client.build_request(Operation.REPORT, b"{}")
    assert seen == [3, 6, 9, 12, 14, 16]


def test_request_shape_and_ports():
    client = DSSClient(host="dss.test", port=4443, setup_network_port=9999)
    request = client.build_request(Operation.GET_WIFI_CREDENTIALS, b'{"a":1}')
    assert (request.method, request.scheme, request.host, request.port, request.path) == (
        "POST",
        "https",
        "dss.test",
        4443,
        "/api/v1/getWifiCredentials",
    )
    assert request.headers == (("Content-type", "application/json"),)
    client.on_encoded_network = True
    assert client.build_request(Operation.REPORT, b"{}").port == 9999
    assert DSSClient().port == 443 and DSSClient().setup_network_port == 8888
    assert [op.path for op in Operation] == [
        "/api/v1/startProvisioningSession",
        "/api/v1/startPinBasedSetup",
        "/api/v1/computeConfigurationData",
        "/api/v1/postWifiScanData",
        "/api/v1/getWifiCredentials",
        "/api/v1/report",
    ]


class _SignedPeer:
    """The compat functions one DSS operation uses: the response, pyca's verdict, the log."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response
        self.logs: list = []

    def ffs_http_execute(self, request):
        return self.response

    def ffs_verify_cloud_signature(self, body: bytes, signature: bytes) -> bool:
        return pyca_verify(CLOUD_SPKI, body, signature)

    def ffs_log(self, level, message, function_name=None, line_number=0):
        self.logs.append(message)


def _perform(response: HttpResponse):
    """One startProvisioningSession through the state machine's own step (operations.perform)."""
    ctx = TaskContext(MachineOptions())
    ctx.client = DSSClient()
    step = perform(ctx, Operation.START_PROVISIONING_SESSION, b'{"nonce":"n"}')
    return drive(StepMachine(step), _SignedPeer(response), RetryPolicy()), ctx.client


def test_a_response_is_verified_then_parsed_and_keeps_the_session():
    key = ec.derive_private_key(int(OWN["cloud_private_scalar"], 16), ec.SECP256R1())
    body = b'{"canProceed":true,"nonce":"n","salt":"Zx9Kq2Lm","sessionId":"test-session-1"}'
    signature = base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()
    response = HttpResponse(200, (("x-amzn-dss-signature", signature),), body)
    parsed, client = _perform(response)
    assert parsed.can_proceed and (client.session_id, client.salt) == ("test-session-1", "Zx9Kq2Lm")
    tampered = HttpResponse(200, response.headers, body.replace(b"true", b"false"))
    failed, client = _perform(tampered)
    assert isinstance(failed, OperationFailed) and isinstance(failed.error, PeerProtocolError)
    assert "does not verify" in str(failed.error) and client.session_id is None


@pytest.mark.parametrize("status", [400, 403, 500, 503])
def test_error_statuses_fail_the_operation(status):
    response = HttpResponse(status, (("x-amzn-dss-signature", "U0lH"),), b"{}")
    with pytest.raises(PeerProtocolError, match=str(status)):
        DSSClient.response_signature(response)


def test_response_repr_hides_the_body():
    response = HttpResponse(200, (), b'{"key":"\\"secretpsk\\""}')
    assert "secretpsk" not in repr(response)
