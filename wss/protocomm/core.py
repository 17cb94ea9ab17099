"""The protocomm core: named endpoints, one client session at a time, the security scheme.

A transport (HTTP over the SoftAP now, BLE GATT later) turns its requests into calls of
:meth:`Protocomm.handle` with a session id it chose for the client (the HTTP cookie, a
BLE connection), and opens and closes sessions as its clients come and go. The core
knows nothing of the transport; it does no I/O itself (the endpoint handlers it is given
may, e.g. a Wi-Fi scan).

Endpoints are of three kinds:

* the **version** endpoint (``proto-ver``): a fixed plaintext answer, whatever the body;
* the **session** endpoint (``prov-session``): ``SessionData`` handshake messages of the
  security scheme;
* **secured** endpoints (``prov-config``, ``prov-scan``, ``prov-ctrl``, an application's
  ``custom-data``, ...): the body is decrypted with the session cipher, given to the
  endpoint's handler, and its answer encrypted — only once the handshake is done.

One session at a time: :meth:`open_session` refuses a new session while another one
has been active within ``idle_s`` (:class:`~.errors.SessionBusy`); an idle session is
replaced. Any error inside a session ends it, since its cipher state can no longer be
trusted to match the client's (security 1's stream, security 2's counter).

Source: ESP-IDF protocomm (endpoints, sessions, security handlers; docs/softap.md,
"Protocomm"); the transport rules are the transport's (:mod:`wss.softap.httpd`).
"""

from __future__ import annotations

import enum
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

from google.protobuf.message import DecodeError

from .errors import InvalidSession, MalformedMessage, ProtocommError, SessionBusy, UnknownEndpoint
from .proto import session_pb2
from .security.base import SecurityScheme, SecuritySession

__all__ = ["Protocomm", "EndpointKind", "Handler", "VERSION_ENDPOINT", "SESSION_ENDPOINT", "DEFAULT_IDLE_S"]

log = logging.getLogger("wss.protocomm")

#: The version endpoint's name.
VERSION_ENDPOINT = "proto-ver"
#: The session (handshake) endpoint's name.
SESSION_ENDPOINT = "prov-session"
#: Seconds a session may stay silent before another client may replace it.
DEFAULT_IDLE_S = 120.0
#: An endpoint name: what an HTTP path segment or a GATT user description can carry.
_NAME = re.compile(r"[A-Za-z0-9._-]{1,32}")

#: A secured endpoint's handler: ``(session id, request in the clear) -> answer in the clear``.
#: It raises :class:`~.errors.ProtocommError` for a request it cannot serve.
Handler = Callable[[int, bytes], bytes]


class EndpointKind(enum.Enum):
    """How the core treats an endpoint's body."""

    VERSION = "version"  #: plaintext, fixed answer, no session needed
    SESSION = "session"  #: the security scheme's handshake
    SECURED = "secured"  #: decrypted, handled, encrypted (established session only)


@dataclass
class _Session:
    id: int
    security: SecuritySession
    last_active: float


class Protocomm:
    """Endpoints and the current session, behind one lock (requests run one at a time).

    Args:
        security: the security scheme (its secrets stay inside it).
        version: the ``proto-ver`` answer (see :func:`wss.protocomm.version.version_json`).
        idle_s: seconds of silence after which a session may be replaced (> 0).
        clock: monotonic seconds (injectable for tests).
    Raises:
        ValueError: ``idle_s`` is not positive.
    """

    def __init__(
        self,
        security: SecurityScheme,
        version: bytes = b"",
        *,
        idle_s: float = DEFAULT_IDLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not idle_s > 0:
            raise ValueError(f"idle_s must be > 0, not {idle_s!r}")
        self.security = security
        self._version = bytes(version)
        self._idle_s = float(idle_s)
        self._clock = clock
        self._lock = threading.RLock()
        self._session: Optional[_Session] = None
        self._endpoints: Dict[str, Tuple[EndpointKind, Optional[Handler]]] = {
            VERSION_ENDPOINT: (EndpointKind.VERSION, None),
            SESSION_ENDPOINT: (EndpointKind.SESSION, None),
        }

    def __repr__(self) -> str:
        return f"Protocomm({self.security!r}, endpoints={len(self._endpoints)}, session={self.session_id})"

    # -- endpoints ------------------------------------------------------------------

    def set_version(self, text: bytes) -> None:
        """Set the ``proto-ver`` answer."""
        with self._lock:
            self._version = bytes(text)

    def add_endpoint(self, name: str, handler: Handler) -> None:
        """Register a secured endpoint (replacing one of the same name).

        Args:
            name: 1–32 characters of ``A-Z a-z 0-9 . _ -``, e.g. ``custom-data``.
            handler: ``(session id, plaintext request) -> plaintext answer``.
        Raises:
            ValueError: a malformed name, or the name of the version or session endpoint.
        """
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"endpoint name {name!r} must be 1-32 characters of A-Z a-z 0-9 . _ -")
        with self._lock:
            kind, _ = self._endpoints.get(name, (EndpointKind.SECURED, None))
            if kind is not EndpointKind.SECURED:
                raise ValueError(f"{name} is the {kind.value} endpoint and cannot be replaced")
            self._endpoints[name] = (EndpointKind.SECURED, handler)

    def remove_endpoint(self, name: str) -> None:
        """Unregister a secured endpoint (no-op when absent)."""
        with self._lock:
            if self._endpoints.get(name, (None,))[0] is EndpointKind.SECURED:
                del self._endpoints[name]

    def endpoints(self) -> Dict[str, EndpointKind]:
        """Every endpoint's name and kind."""
        with self._lock:
            return {name: kind for name, (kind, _) in self._endpoints.items()}

    # -- sessions -------------------------------------------------------------------

    @property
    def session_id(self) -> Optional[int]:
        """The current session's id, or None."""
        session = self._session
        return None if session is None else session.id

    def session_established(self, session_id: int) -> bool:
        """Whether ``session_id`` is the current session and its handshake is done."""
        with self._lock:
            session = self._session
            return session is not None and session.id == session_id and session.security.established

    def open_session(self, session_id: int) -> None:
        """Start a session for a new client; a no-op if it is already the current one.

        Args:
            session_id: the transport's id for the client, 0..2**32-1.
        Raises:
            SessionBusy: another session was active within ``idle_s``.
            ValueError: ``session_id`` out of range.
        """
        if not isinstance(session_id, int) or not 0 <= session_id <= 0xFFFFFFFF:
            raise ValueError(f"session id must be 0..2**32-1, not {session_id!r}")
        with self._lock:
            now = self._clock()
            current = self._session
            if current is not None:
                if current.id == session_id:
                    return
                silent_s = now - current.last_active
                if silent_s < self._idle_s:
                    raise SessionBusy(
                        f"another client's session is open (active {silent_s:.0f} s ago); one session at a time"
                    )
                log.info("protocomm: session %d replaced after %.0f s of silence", current.id, silent_s)
                current.security.close()
            self._session = _Session(session_id, self.security.new_session(), now)
            log.info("protocomm: session %d opened", session_id)

    def close_session(self, session_id: int) -> None:
        """End ``session_id`` if it is the current session (its keys are forgotten)."""
        with self._lock:
            current = self._session
            if current is not None and current.id == session_id:
                current.security.close()
                self._session = None
                log.info("protocomm: session %d closed", session_id)

    # -- requests -------------------------------------------------------------------

    def handle(self, session_id: int, endpoint: str, data: bytes) -> bytes:
        """Serve one request of the client whose session is ``session_id``.

        Args:
            session_id: an id given to :meth:`open_session`.
            endpoint: the endpoint's name.
            data: the request body.
        Returns:
            The answer body.
        Raises:
            UnknownEndpoint: no such endpoint.
            InvalidSession: ``session_id`` is not the current session, or a secured
                endpoint before the handshake is done.
            ProtocommError: the request is refused (malformed, out of order, failed
                proof); the session is then closed.
        """
        with self._lock:
            entry = self._endpoints.get(endpoint)
            if entry is None:
                raise UnknownEndpoint("no such endpoint", endpoint)
            kind, handler = entry
            if kind is EndpointKind.VERSION:
                return self._version
            session = self._session
            if session is None or session.id != session_id:
                raise InvalidSession("no open session for this client", endpoint)
            session.last_active = self._clock()
            try:
                if kind is EndpointKind.SESSION:
                    return self._handshake(session.security, data)
                return self._secured(session, endpoint, handler, data)
            except ProtocommError as exc:
                if not exc.endpoint:
                    exc.endpoint = endpoint
                    exc.args = (f"{endpoint}: {exc}",)
                log.warning("protocomm: session %d: %s; the session is closed", session_id, exc)
                self.close_session(session_id)
                raise
            except Exception as exc:  # a handler's bug must not take the device down
                log.exception("protocomm: session %d: endpoint %s failed", session_id, endpoint)
                self.close_session(session_id)
                raise ProtocommError(f"internal error ({type(exc).__name__})", endpoint) from None

    @staticmethod
    def _handshake(security: SecuritySession, data: bytes) -> bytes:
        request = session_pb2.SessionData()
        try:
            request.ParseFromString(data)
        except DecodeError:
            raise MalformedMessage("the body is not a SessionData message") from None
        return security.handshake(request).SerializeToString()

    @staticmethod
    def _secured(session: _Session, endpoint: str, handler: Optional[Handler], data: bytes) -> bytes:
        if not session.security.established:
            raise InvalidSession("this endpoint needs an established session (prov-session first)")
        assert handler is not None  # secured endpoints always have one
        answer = handler(session.id, session.security.decrypt(data))
        return session.security.encrypt(answer)
