"""A scripted, in-memory DSS for the provisionee tests (not the project's local DSS).

It answers the six operations with bodies signed by the protocol §12.3 cloud key (real
ECDSA through ``cryptography``), returns saved credentials only for SSIDs the device
posted, picks next states from a table, and injects faults per operation: ``"network"``
(raise TransportError), an HTTP status int, ``"bad-signature"``, ``"no-signature"``,
``"cannot-proceed"``, ``"garbage"``.
"""

from __future__ import annotations

import base64
import json
from typing import Dict, List, Optional, Sequence, Tuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from wss.compat.types import HttpRequest, HttpResponse
from wss.errors import TransportError

CLOUD_SCALAR = 0x2986D7F6291E98E4CF6E5797AE194F3A5D6121B06F8F912BCC2F7C37449CFEEA
DEVICE_SCALAR = 0xD1ED737832C15457A847C0CD74A77D16E0AA2914E86526C3F014960A33B139F1

HAPPY_NEXT = {
    "START_PROVISIONING": "COMPUTE_CONFIGURATION",
    "START_PIN_BASED_SETUP": "COMPUTE_CONFIGURATION",
    "COMPUTE_CONFIGURATION": "POST_WIFI_SCAN_DATA",
    "POST_WIFI_SCAN_DATA": "GET_WIFI_LIST",
    "GET_WIFI_LIST": "CONNECTING_TO_USER_NETWORK",
    "CONNECTING_TO_USER_NETWORK": "CONNECTED_TO_USER_NETWORK",
    "CONNECTED_TO_USER_NETWORK": "DONE",
}


def cloud_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(CLOUD_SCALAR, ec.SECP256R1())


def _compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


class FakeDSS:
    """Call it with an :class:`HttpRequest`; it returns a signed :class:`HttpResponse`.

    Args:
        saved_networks: (ssid, security, key-as-sent) of the customer's saved networks,
            most secure first.
        next_states: state name -> next state name after a SUCCESS report.
        failure_next: state name -> next state after a FAILURE report (default DONE).
        faults: operation name -> list of faults, consumed one per request.
        credentials_per_page: credentials per getWifiCredentials page.
        report_can_proceed: state name -> canProceed of its report response.
    """

    def __init__(
        self,
        saved_networks: Sequence[Tuple[str, str, object]] = (),
        next_states: Optional[Dict[str, str]] = None,
        failure_next: Optional[Dict[str, str]] = None,
        faults: Optional[Dict[str, List[object]]] = None,
        credentials_per_page: int = 10,
        report_can_proceed: Optional[Dict[str, bool]] = None,
        session_can_proceed: bool = True,
        configuration: Optional[dict] = None,
    ) -> None:
        self.key = cloud_private_key()
        self.saved = list(saved_networks)
        self.next_states = dict(HAPPY_NEXT if next_states is None else next_states)
        self.failure_next = dict(failure_next or {})
        self.faults = {name: list(items) for name, items in (faults or {}).items()}
        self.per_page = credentials_per_page
        self.report_can_proceed = dict(report_can_proceed or {})
        self.session_can_proceed = session_can_proceed
        self.configuration = (
            configuration
            if configuration is not None
            else {"LocaleConfiguration.LanguageLocale": "en_US", "FFS.SessionToken": "tok-123"}
        )
        self.requests: List[Tuple[str, int, bytes]] = []  # (operation, port, body)
        self.posted_ssids: List[str] = []

    # -- helpers for tests ---------------------------------------------------------
    def bodies(self, operation: str) -> List[dict]:
        return [json.loads(body) for op, _, body in self.requests if op == operation]

    def ports(self, operation: str) -> List[int]:
        return [port for op, port, _ in self.requests if op == operation]

    # -- the service -----------------------------------------------------------------
    def __call__(self, request: HttpRequest) -> HttpResponse:
        operation = request.path.rsplit("/", 1)[-1]
        assert request.method == "POST" and request.path == f"/api/v1/{operation}"
        assert ("Content-type", "application/json") in request.headers
        self.requests.append((operation, request.port, request.body))
        fault = self.faults.get(operation, [None]).pop(0) if self.faults.get(operation) else None
        if fault == "network":
            raise TransportError("simulated network failure")
        if isinstance(fault, int):
            return HttpResponse(fault, (("content-type", "text/plain"),), b"server says no")
        body = getattr(self, "_" + operation)(json.loads(request.body.decode("utf-8", "surrogateescape")))
        if fault == "cannot-proceed":
            body["canProceed"] = False
        raw = b"{not json" if fault == "garbage" else _compact(body)
        signature = base64.b64encode(self.key.sign(raw, ec.ECDSA(hashes.SHA256()))).decode()
        if fault == "bad-signature":
            raw = raw.replace(b"true", b"false", 1) if b"true" in raw else raw + b" "
        headers = [("content-type", "application/json"), ("x-amzn-RequestId", "r-1")]
        if fault != "no-signature":
            headers.append(("x-amzn-dss-signature", signature))
        return HttpResponse(200, tuple(headers), raw)

    def _startProvisioningSession(self, body: dict) -> dict:
        return {
            "canProceed": self.session_can_proceed,
            "nonce": body["nonce"],
            "salt": "Zx9Kq2Lm",
            "sessionId": "test-session-1",
        }

    def _startPinBasedSetup(self, body: dict) -> dict:
        return {"canProceed": True, "nonce": body["nonce"]}

    def _computeConfigurationData(self, body: dict) -> dict:
        return {
            "canProceed": True,
            "configuration": self.configuration,
            "nonce": body["nonce"],
            "registrationDetails": {"expiresAt": 1000, "registrationToken": "Test Registration Token"},
        }

    def _matches(self) -> List[Tuple[str, str, object]]:
        return [item for item in self.saved if f'"{item[0]}"' in self.posted_ssids]

    def _postWifiScanData(self, body: dict) -> dict:
        self.posted_ssids += [item["ssid"] for item in body["wifiScanDataList"]]
        matches = self._matches()
        return {
            "allCredentialsFound": len(matches) == len(self.saved),
            "canProceed": True,
            "nonce": body["nonce"],
            "sequenceNumber": body["sequenceNumber"],
            "sessionId": body["sessionId"],
            "totalCredentialsFound": len(matches),
        }

    def _getWifiCredentials(self, body: dict) -> dict:
        start = (body["sequenceNumber"] - 1) * self.per_page
        page = self._matches()[start : start + self.per_page]
        entries = [
            {
                "frequency": 0,
                "key": key,
                "keyIndex": 0,
                "priority": 0,
                "securityProtocol": security,
                "ssid": f'"{ssid}"',
            }
            for ssid, security, key in page
        ]
        return {
            "allCredentialsReturned": start + self.per_page >= len(self._matches()),
            "canProceed": True,
            "nonce": body["nonce"],
            "sequenceNumber": body["sequenceNumber"],
            "wifiCredentialsList": entries,
        }

    def _report(self, body: dict) -> dict:
        state = body["currentProvisioningState"]
        if body["stateTransitionResult"] == "SUCCESS":
            next_state = self.next_states.get(state, "DONE")
        else:
            next_state = self.failure_next.get(state, "DONE")
        return {
            "canProceed": self.report_can_proceed.get(state, True),
            "nextProvisioningState": next_state,
            "nonce": body["nonce"],
            "sessionId": body["sessionId"],
        }
