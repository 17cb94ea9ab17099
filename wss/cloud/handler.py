"""One HTTP/1.1 connection of the cloud simulator: read requests, answer signed JSON.

Every answer — success, 4xx refusal or injected 5xx — is a compact JSON body with
``Content-Length`` (never chunked, never a redirect) and an ``x-amzn-dss-signature``
header made with the caller's device-type cloud key. The header block stays well under
512 bytes (MCP-style clients). Connections stay open between requests (HTTP/1.1
keep-alive) until the client closes, asks ``Connection: close`` or idles out.

Source: protocol §8.1, §8.2, §13.1.
"""

from __future__ import annotations

import logging
import socket
import struct
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, cast

from .faults import FaultRule
from .identity import ClientIdentity, identity_from_certificate
from .operations import Outcome
from .protocol import encode_body, operation_of
from .signing import SIGNATURE_HEADER
from .transcript import body_record
from .validation import RequestRefused, is_utf8, parse_body

if TYPE_CHECKING:
    from .server import _Listener

__all__ = ["DSSRequestHandler", "MAX_BODY_BYTES"]

log = logging.getLogger("wss.cloud")

#: Largest request body accepted, bytes.
MAX_BODY_BYTES = 65536
#: Largest oversized body still read (and dropped) before answering 413, bytes.
_DRAIN_LIMIT_BYTES = 16 * MAX_BODY_BYTES
#: Faults handled by the operations (they change the answer, not the transport).
_ANSWER_FAULTS = ("cannot_proceed", "repeat_state", "skip_state")


def _hints(body: bytes) -> Tuple[Optional[str], Optional[str]]:
    """Best-effort (sessionId, currentProvisioningState) of a body, for fault matching."""
    try:
        document = parse_body(body)
    except RequestRefused:
        return None, None
    session, state = document.get("sessionId"), document.get("currentProvisioningState")
    return (
        session if isinstance(session, str) and is_utf8(session) else None,
        state if isinstance(state, str) else None,
    )


class DSSRequestHandler(BaseHTTPRequestHandler):
    """Serves the DSS operations on one mutually authenticated TLS connection.

    The listening server provides ``server.app`` (the :class:`~wss.cloud.server.DSSServer`)
    and ``server.listener_name`` (``"dss"`` or ``"setup"``).
    """

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        # Only wss.cloud.server._Listener makes this handler: its server is one, and carries app.
        app = cast("_Listener", self.server).app
        self.timeout = app.idle_timeout_s  # type: ignore[misc]  # a ClassVar in typeshed; per server here, read by setup()
        super().setup()
        self.app = app
        self.connection_id = app.next_connection_id()
        self.identity: Optional[ClientIdentity] = None
        certificate = self.connection.getpeercert(binary_form=True)
        if certificate:
            try:
                self.identity = identity_from_certificate(certificate)
            except ValueError:
                self.identity = None

    # --- plumbing overrides ---------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Answer a request the base class could not parse with a signed JSON error."""
        self.close_connection = True
        refused = RequestRefused(int(code), "BAD_REQUEST", message or HTTPStatus(code).phrase)
        outcome = self.app.operations.refusal(refused, None, self.identity, peer=self._peer())
        self._answer(outcome, None, b"", None)

    def _port(self) -> int:
        return int(cast("_Listener", self.server).server_address[1])  # a TCP server's: (host, port)

    def _peer(self) -> str:
        return f"{self.client_address[0]}:{self.client_address[1]}"

    def _method_not_allowed(self) -> None:
        self._refuse(RequestRefused(405, "METHOD_NOT_ALLOWED", "DSS operations use POST"), b"")

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _method_not_allowed

    # --- the exchange ---------------------------------------------------------------------

    def do_POST(self) -> None:
        try:
            self._exchange()
        except Exception:  # a simulator bug must not leave the device waiting for an answer
            log.exception("internal error serving %s", getattr(self, "path", "?"))
            self.close_connection = True
            try:
                self._refuse(RequestRefused(500, "INTERNAL_ERROR", "the simulator failed; see its log"), b"")
            except Exception:
                log.debug("could not answer the internal error", exc_info=True)

    def _exchange(self) -> None:
        body = self._read_body()
        if body is None:
            return
        operation = operation_of(self.path)
        if operation is None:
            self._refuse(RequestRefused(404, "UNKNOWN_OPERATION", "no such DSS operation"), body)
            return
        if self.identity is None or self.identity.device_type is None:
            self._refuse(
                RequestRefused(403, "NO_DEVICE_TYPE", "the client certificate carries no device type"), body, operation
            )
            return
        session_hint, state_hint = _hints(body)
        rule = self.app.faults.pick(operation, state_hint)
        if rule is not None and rule.kind == "delay":
            self.app.stopping.wait(rule.delay_s)
        if rule is not None and rule.kind == "reset":
            self._record_fault(rule, operation, session_hint)
            self._transcribe(operation, body, None, None, rule)
            self._reset()
            return
        if rule is not None and rule.kind == "http_5xx":
            outcome = self.app.operations.refusal(
                RequestRefused(rule.status, "SERVICE_UNAVAILABLE", "injected fault"),
                operation,
                self.identity,
                session_id=session_hint,
                peer=self._peer(),
            )
        else:
            kind = rule.kind if rule is not None and rule.kind in _ANSWER_FAULTS else None
            outcome = self.app.operations.handle(operation, self.identity, body, port=self._port(), fault=kind)
        if rule is not None:
            self._record_fault(rule, operation, outcome.session_id or session_hint)
        self._answer(outcome, operation, body, rule)

    def _read_body(self) -> Optional[bytes]:
        if self.headers.get("Transfer-Encoding") is not None:
            self.close_connection = True
            self._refuse(
                RequestRefused(411, "LENGTH_REQUIRED", "send Content-Length; chunked bodies are not accepted"), b""
            )
            return None
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self.close_connection = True
            self._refuse(RequestRefused(411, "LENGTH_REQUIRED", "Content-Length is required"), b"")
            return None
        size = int(length)
        if size > MAX_BODY_BYTES:
            self.close_connection = True
            if size <= _DRAIN_LIMIT_BYTES:
                # read the body away: closing with unread data would reset the connection
                # and could destroy the answer before the client reads it
                while size > 0:
                    chunk = self.rfile.read(min(size, MAX_BODY_BYTES))
                    if not chunk:
                        return None
                    size -= len(chunk)
            self._refuse(RequestRefused(413, "BODY_TOO_LARGE", f"bodies are limited to {MAX_BODY_BYTES} bytes"), b"")
            return None
        body = self.rfile.read(size)
        if len(body) != size:
            self.close_connection = True
            return None
        return body

    def _refuse(self, refused: RequestRefused, body: bytes, operation: Optional[str] = None) -> None:
        outcome = self.app.operations.refusal(refused, operation, self.identity, peer=self._peer())
        self._answer(outcome, operation, body, None)

    def _record_fault(self, rule: FaultRule, operation: str, session_id: Optional[str]) -> None:
        self.app.db.insert("faults", at=self.app.clock(), session_id=session_id, operation=operation, kind=rule.kind)

    def _answer(self, outcome: Outcome, operation: Optional[str], body: bytes, rule: Optional[FaultRule]) -> None:
        device_type = self.identity.device_type if self.identity else None
        payload = encode_body(outcome.payload)
        signed = payload + b" " if rule is not None and rule.kind == "bad_signature" else payload
        headers: List[Tuple[str, str]] = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            (SIGNATURE_HEADER, self.app.signer.sign(signed, device_type)),
        ]
        truncate = rule is not None and rule.kind == "truncate"
        if self.close_connection or truncate:
            headers.append(("Connection", "close"))
            self.close_connection = True
        try:
            phrase = HTTPStatus(outcome.status).phrase
        except ValueError:
            phrase = "Error"
        head = (
            f"HTTP/1.1 {outcome.status} {phrase}\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in headers)
            + "\r\n"
        )
        sent = payload[: len(payload) // 2] if truncate else payload
        # transcribe first: whoever reads the reply can rely on the record being there
        self._transcribe(operation, body, outcome, (headers, payload), rule)
        try:
            self.wfile.write(head.encode("latin-1") + sent)
            if truncate:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            self.close_connection = True
        log.debug("%s %s -> %d %s", self._peer(), operation, outcome.status, outcome.error_code or "OK")

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0, no TLS close_notify)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for stream in (self.wfile, self.rfile, self.connection):
            try:
                stream.close()
            except OSError:
                pass

    def _transcribe(
        self,
        operation: Optional[str],
        body: bytes,
        outcome: Optional[Outcome],
        response: Optional[Tuple[List[Tuple[str, str]], bytes]],
        rule: Optional[FaultRule],
    ) -> None:
        redact = self.app.transcript.redact
        headers = getattr(self, "headers", None)
        request: Dict[str, Any] = {
            "method": getattr(self, "command", None),
            "path": getattr(self, "path", None),
            "headers": [list(item) for item in headers.items()] if headers is not None else [],
        }
        request.update(body_record(body, redact))
        answer: Optional[Dict[str, Any]] = None
        if outcome is not None and response is not None:
            answer = {"status": outcome.status, "headers": [list(h) for h in response[0]]}
            answer.update(body_record(response[1], redact))
        self.app.transcript.write(
            "exchange",
            listener=getattr(self.server, "listener_name", None),
            port=self._port(),
            peer=self._peer(),
            connection=self.connection_id,
            operation=operation,
            client=self.identity.summary() if self.identity else None,
            session_id=outcome.session_id if outcome else None,
            request=request,
            response=answer,
            fault=rule.kind if rule else None,
        )
