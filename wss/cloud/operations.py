"""The six DSS operations of the cloud simulator, over the SQLite state.

Each operation validates its body, checks the session and the order of operations,
updates the database and returns the response payload (a dict; the server encodes and
signs it). Only ``report`` moves a session from state to state; the other operations
may be repeated while the session is in their state (a port may resend a request).

State policy (what ``report`` answers in ``nextProvisioningState``):

* SUCCESS → the production path START_PROVISIONING → [START_PIN_BASED_SETUP, only when
  the accounts give the device a PIN] → COMPUTE_CONFIGURATION → POST_WIFI_SCAN_DATA →
  GET_WIFI_LIST → CONNECTING_TO_USER_NETWORK → CONNECTED_TO_USER_NETWORK → DONE.
* FAILURE → the same state again, at most ``max_state_retries`` times per state and
  session; one failure more and the answer is ``canProceed: false`` with ``DONE`` and
  the session is closed as ``failed`` (the device stops, §6.3).

Credentials go only to networks whose SSID the session posted in its scan data (the
vicinity rule), most secure first (WPA_PSK, WEP, OPEN, OTHER), then by descending
``priority``, then in accounts-file order; ``credentials_page_size`` per page. A device
no customer has gets ``canProceed: false`` from startProvisioningSession.

Source: protocol §6.2-6.4 (states, pages), §8.4-8.6 (bodies, PIN), §13.1; provisionee
certification guide (credentials only for SSIDs in the vicinity).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from .accounts import Accounts, Customer, Network
from .db import StateDB
from .identity import ClientIdentity
from .protocol import (
    OPERATION_STATE,
    REGISTRATION_TOKEN_PREFIX,
    REPORT_RESULTS,
    SECURITY_RANK,
    SESSION_TOKEN_PREFIX,
    STATES,
    new_salt,
    new_session_id,
    new_token,
    next_state,
)
from .validation import (
    RequestRefused,
    attempt_list,
    check_device_details,
    integer,
    is_utf8,
    optional_text,
    parse_body,
    scan_item,
    text,
)

__all__ = ["Outcome", "Operations", "DEFAULT_CONFIGURATION"]

#: Configuration sent by computeConfigurationData unless the customer overrides it
#: (values from the production log and the SDK test constants, §8.5, §12.1).
DEFAULT_CONFIGURATION: Dict[str, Any] = {
    "LocaleConfiguration.CountryCode": "US",
    "LocaleConfiguration.CountryOfResidence": "US",
    "LocaleConfiguration.LanguageLocale": "en_US",
    "LocaleConfiguration.Marketplace": "ATVPDKIKX0DER",
    "LocaleConfiguration.Realm": "USAmazon",
    "LocaleConfiguration.Region": "US",
    "SmartHome.AlexaEventGatewayEndpoint": "api.amazonalexa.com",
}
#: Lifetime of a registration token, seconds.
REGISTRATION_LIFETIME_S = 3600
_HEX_WEP_LENGTHS = (10, 26)


@dataclass
class Outcome:
    """The result of one operation.

    Attributes:
        status: HTTP status code.
        payload: The response JSON object.
        session_id: The session concerned, if known.
        error_code: The error code of a refused request, else None.
    """

    status: int
    payload: Dict[str, Any]
    session_id: Optional[str] = None
    error_code: Optional[str] = None


def _quoted(value: str) -> str:
    return f'"{value}"'


def credential_entry(network: Network) -> Dict[str, Any]:
    """Return the ``wifiCredentialsList`` entry of a saved network.

    SSID and WPA key carry literal quotes; a WEP key of 10 or 26 hex digits is sent
    unquoted (the SDK turns it into 5/13 raw bytes), any other WEP key quoted.

    Source: protocol §8.5 (credential entry), §12.1 (credentials test).
    """
    entry: Dict[str, Any] = {
        "frequency": 0,
        "keyIndex": network.key_index,
        "priority": network.priority,
        "securityProtocol": network.security,
        "ssid": _quoted(network.ssid),
    }
    if network.key is not None:
        hex_wep = network.security == "WEP" and len(network.key) in _HEX_WEP_LENGTHS
        entry["key"] = network.key if hex_wep else _quoted(network.key)
    return entry


class Operations:
    """The DSS operations.

    Args:
        db: The state database.
        accounts: Customers, devices and saved networks.
        credentials_page_size: Credentials per getWifiCredentials page (>= 1).
        max_state_retries: How many FAILURE reports per state a session may send and
            still be told to repeat that state.
        clock: Returns the time in seconds since the epoch (injected for tests).
    """

    def __init__(
        self,
        db: StateDB,
        accounts: Accounts,
        *,
        credentials_page_size: int = 5,
        max_state_retries: int = 2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if credentials_page_size < 1:
            raise ValueError("credentials_page_size must be >= 1")
        self.db = db
        self.accounts = accounts
        self.credentials_page_size = credentials_page_size
        self.max_state_retries = max_state_retries
        self.clock = clock

    def handle(
        self,
        operation: str,
        identity: ClientIdentity,
        body: bytes,
        *,
        port: Optional[int] = None,
        fault: Optional[str] = None,
    ) -> Outcome:
        """Run one operation.

        Args:
            operation: The operation name (one of ``protocol.OPERATIONS``).
            identity: The caller, from its client certificate.
            body: The exact request body.
            port: The listening port the request came in on (stored with new sessions).
            fault: An injected fault that changes the answer: ``cannot_proceed``,
                ``repeat_state`` or ``skip_state`` (others are the server's business).

        Returns:
            The outcome; a refused request becomes a 4xx outcome with an error payload
            (recorded in the ``errors`` table), never an exception.
        """
        nonce = None
        document: Dict[str, Any] = {}
        try:
            document = parse_body(body)
            nonce = document.get("nonce") if isinstance(document.get("nonce"), str) else None
            text(document, "nonce")
            check_device_details(document)
            with self.db.transaction():
                if operation == "startProvisioningSession":
                    outcome = self._start(document, identity, port)
                else:
                    session = self._session(document, identity)
                    handler = getattr(self, "_" + operation)
                    outcome = handler(document, session, identity, fault)
        except RequestRefused as refused:
            return self.refusal(refused, operation, identity, nonce=nonce, session_id=document.get("sessionId"))
        if fault == "cannot_proceed":
            outcome.payload["canProceed"] = False
            if outcome.session_id and operation in ("startProvisioningSession", "startPinBasedSetup", "report"):
                self.db.update_session(outcome.session_id, status="stopped", reason="fault: cannot_proceed")
        outcome.payload["nonce"] = nonce
        return outcome

    def refusal(
        self,
        refused: RequestRefused,
        operation: Optional[str],
        identity: Optional[ClientIdentity],
        *,
        nonce: Optional[str] = None,
        session_id: Any = None,
        peer: Optional[str] = None,
    ) -> Outcome:
        """Record a refused request and build its outcome (also used by the server)."""
        session_id = session_id if isinstance(session_id, str) and is_utf8(session_id) else None
        self.db.record_error(
            refused.status,
            refused.code,
            refused.message,
            session_id=session_id,
            operation=operation,
            peer=peer,
            serial=identity.serial if identity else None,
        )
        payload: Dict[str, Any] = {"canProceed": False, "errorCode": refused.code, "message": refused.message}
        if nonce is not None:
            payload["nonce"] = nonce
        if session_id is not None:
            payload["sessionId"] = session_id
        return Outcome(refused.status, payload, session_id, refused.code)

    # --- helpers --------------------------------------------------------------------------

    def _session(self, document: Dict[str, Any], identity: ClientIdentity) -> Dict[str, Any]:
        session_id = text(document, "sessionId")
        row = self.db.session(session_id)
        if row is None or row["public_key_sha256"] != identity.public_key_sha256:
            raise RequestRefused(404, "UNKNOWN_SESSION", "no such session for this device")
        if row["status"] != "open":
            raise RequestRefused(409, "SESSION_CLOSED", f"the session is {row['status']}")
        return row

    @staticmethod
    def _expect(session: Dict[str, Any], operation: str) -> None:
        wanted = OPERATION_STATE[operation]
        if session["state"] != wanted:
            raise RequestRefused(
                409, "OUT_OF_ORDER", f"{operation} needs state {wanted}, the session is in {session['state']}"
            )

    def _customer(self, session: Dict[str, Any]) -> Customer:
        customer = self.accounts.customer(session["customer_id"])
        if customer is None:  # the accounts changed under a live session
            raise RequestRefused(409, "SESSION_CLOSED", "the session's customer no longer exists")
        return customer

    def _matches(self, session: Dict[str, Any], customer: Customer) -> List[Network]:
        seen = {bytes(row["ssid_raw"]) for row in self.db.scan_results(session["id"])}
        found = [n for n in customer.networks if n.ssid.encode("utf-8") in seen]
        return sorted(found, key=lambda n: (SECURITY_RANK[n.security], -n.priority, n.order))

    @staticmethod
    def _reply(session: Dict[str, Any], **fields: Any) -> Outcome:
        return Outcome(200, {"sessionId": session["id"], **fields}, session["id"])

    # --- the operations -------------------------------------------------------------------

    def _start(self, document: Dict[str, Any], identity: ClientIdentity, port: Optional[int]) -> Outcome:
        customer, pin = self.accounts.customer_for(identity)
        session_id, salt = new_session_id(), new_salt()
        self.db.insert(
            "sessions",
            id=session_id,
            created=self.clock(),
            port=port,
            device_type=identity.device_type,
            serial=identity.serial,
            public_key_sha256=identity.public_key_sha256,
            customer_id=customer.id if customer else None,
            salt=salt,
            pin_required=int(pin is not None),
            state="START_PROVISIONING",
            status="open" if customer else "stopped",
            reason=None if customer else "DEVICE_NOT_ASSOCIATED",
        )
        payload: Dict[str, Any] = {"canProceed": customer is not None, "salt": salt, "sessionId": session_id}
        if customer is None:
            payload["reason"] = "DEVICE_NOT_ASSOCIATED"
        else:
            payload["nextProvisioningState"] = next_state("START_PROVISIONING", pin is not None)
        return Outcome(200, payload, session_id)

    def _startPinBasedSetup(
        self, document: Dict[str, Any], session: Dict[str, Any], identity: ClientIdentity, fault: Optional[str]
    ) -> Outcome:
        self._expect(session, "startPinBasedSetup")
        hashed = text(document, "hashedPin")
        _, pin = self.accounts.customer_for(identity)
        expected = base64.b64encode(
            hashlib.sha256((pin or "").encode("utf-8") + session["salt"].encode("utf-8")).digest()
        ).decode("ascii")
        ok = pin is not None and hmac.compare_digest(hashed.encode("utf-8"), expected.encode("utf-8"))
        if not ok:
            self.db.update_session(session["id"], status="stopped", reason="PIN_MISMATCH")
        return self._reply(session, canProceed=ok)

    def _computeConfigurationData(
        self, document: Dict[str, Any], session: Dict[str, Any], identity: ClientIdentity, fault: Optional[str]
    ) -> Outcome:
        self._expect(session, "computeConfigurationData")
        now = self.clock()
        configuration = dict(DEFAULT_CONFIGURATION)
        configuration["FFS.SessionToken"] = new_token(SESSION_TOKEN_PREFIX)
        configuration["Time.UTC"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        configuration.update(self._customer(session).configuration)
        registration = {
            "expiresAt": int(now) + REGISTRATION_LIFETIME_S,
            "registrationToken": new_token(REGISTRATION_TOKEN_PREFIX),
        }
        return self._reply(
            session,
            canProceed=True,
            configuration=configuration,
            nextProvisioningState=next_state("COMPUTE_CONFIGURATION"),
            registrationDetails=registration,
        )

    def _postWifiScanData(
        self, document: Dict[str, Any], session: Dict[str, Any], identity: ClientIdentity, fault: Optional[str]
    ) -> Outcome:
        self._expect(session, "postWifiScanData")
        seq = integer(document, "sequenceNumber", minimum=1)
        raw = document.get("wifiScanDataList")
        if not isinstance(raw, list):
            raise RequestRefused(400, "INVALID_FIELD", "'wifiScanDataList' must be an array")
        items = [scan_item(entry, f"wifiScanDataList[{i}]") for i, entry in enumerate(raw)]
        last = session["scan_seq"]
        if seq == 1:
            self.db.execute("DELETE FROM scan_results WHERE session_id = ?", (session["id"],))
        elif seq == last:
            self.db.execute("DELETE FROM scan_results WHERE session_id = ? AND page = ?", (session["id"], seq))
        elif seq != last + 1:
            raise RequestRefused(
                400, "BAD_SEQUENCE_NUMBER", f"page {seq} after page {last}; expected 1, {last} or {last + 1}"
            )
        for item in items:
            self.db.insert("scan_results", session_id=session["id"], page=seq, **item)
        self.db.update_session(session["id"], scan_seq=seq)
        customer = self._customer(session)
        found = self._matches(session, customer)
        wanted = {n.ssid for n in customer.networks}
        return self._reply(
            session,
            allCredentialsFound={n.ssid for n in found} == wanted,
            canProceed=True,
            sequenceNumber=seq,
            totalCredentialsFound=len(found),
        )

    def _getWifiCredentials(
        self, document: Dict[str, Any], session: Dict[str, Any], identity: ClientIdentity, fault: Optional[str]
    ) -> Outcome:
        if session["scan_seq"] == 0:
            raise RequestRefused(409, "NO_SCAN_DATA", "no scan data was posted in this session")
        self._expect(session, "getWifiCredentials")
        seq = integer(document, "sequenceNumber", minimum=1)
        found = self._matches(session, self._customer(session))
        size = self.credentials_page_size
        page = found[(seq - 1) * size : seq * size]
        for network in page:
            self.db.insert(
                "credentials_served",
                session_id=session["id"],
                at=self.clock(),
                page=seq,
                ssid=network.ssid,
                security=network.security,
            )
        return self._reply(
            session,
            allCredentialsReturned=seq * size >= len(found),
            canProceed=True,
            sequenceNumber=seq,
            wifiCredentialsList=[credential_entry(n) for n in page],
        )

    def _report(
        self, document: Dict[str, Any], session: Dict[str, Any], identity: ClientIdentity, fault: Optional[str]
    ) -> Outcome:
        seq = integer(document, "sequenceNumber", minimum=0)
        state = text(document, "currentProvisioningState", choices=STATES)
        result = text(document, "stateTransitionResult", choices=REPORT_RESULTS)
        registration = optional_text(document, "registrationState")
        attempts = attempt_list(document)
        if state != session["state"]:
            raise RequestRefused(409, "OUT_OF_ORDER", f"report of {state}, but the session is in {session['state']}")
        proceed, status, reason = True, "open", None
        if result == "SUCCESS" or fault in ("repeat_state", "skip_state"):
            nxt = (
                state
                if fault == "repeat_state"
                else next_state(state, bool(session["pin_required"]), skip=1 if fault == "skip_state" else 0)
            )
        else:
            failures = (
                1
                + self.db.query(
                    "SELECT COUNT(*) AS n FROM reports WHERE session_id = ? AND state = ? AND result = ?",
                    (session["id"], state, "FAILURE"),
                )[0]["n"]
            )
            nxt = state
            if failures > self.max_state_retries:
                proceed, nxt, status = False, "DONE", "failed"
                reason = f"{state} failed {failures} times"
        if nxt == "DONE" and proceed:
            status = "done"
        self.db.insert(
            "reports",
            session_id=session["id"],
            at=self.clock(),
            client_seq=seq,
            state=state,
            result=result,
            registration_state=registration,
            next_state=nxt,
            can_proceed=int(proceed),
            attempts=attempts,
        )
        self.db.update_session(session["id"], state=nxt, status=status, reason=reason)
        return self._reply(session, canProceed=proceed, nextProvisioningState=nxt)
