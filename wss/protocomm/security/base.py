"""The security scheme contract: a scheme makes sessions; a session runs its handshake,
then encrypts and decrypts the secured endpoints' bodies.

Source: ESP-IDF protocomm security schemes 0, 1 and 2 (docs/softap.md, "Security").
"""

from __future__ import annotations

import abc
from typing import Tuple

from ..errors import InvalidSession, MalformedMessage, WrongSecurityScheme
from ..proto import session_pb2

__all__ = ["SecurityScheme", "SecuritySession", "TwoStepSession", "check_scheme", "refuse_out_of_order", "ESTABLISHED"]

#: The state name of an established session (every scheme's).
ESTABLISHED = "established"


class SecuritySession(abc.ABC):
    """One client's session: the handshake, then the session cipher.

    Any error leaves the session unusable (its keys forgotten); the core closes it.
    """

    @property
    @abc.abstractmethod
    def established(self) -> bool:
        """Whether the handshake completed (secured endpoints may be used)."""

    @abc.abstractmethod
    def handshake(self, request: session_pb2.SessionData) -> session_pb2.SessionData:
        """Answer one ``prov-session`` message.

        Args:
            request: the parsed message; its ``sec_ver`` is already checked.
        Returns:
            The answer to send.
        Raises:
            MalformedMessage, InvalidSession (out of order, replayed), HandshakeFailed.
        """

    @abc.abstractmethod
    def decrypt(self, data: bytes) -> bytes:
        """A secured request body in the clear (only once established).

        Raises:
            InvalidSession: not established.  HandshakeFailed: it does not authenticate.
        """

    @abc.abstractmethod
    def encrypt(self, data: bytes) -> bytes:
        """A secured response body, encrypted (only once established).

        Raises:
            InvalidSession: not established.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Forget the session's keys (idempotent); the session is then unusable."""


class SecurityScheme(abc.ABC):
    """A configured security scheme (its secrets held inside); makes one session per client.

    Attributes:
        version: the scheme number, 0, 1 or 2 (``SessionData.sec_ver``, ``prov.sec_ver``).
        patch_version: the scheme's patch level as ``proto-ver`` reports it.
    """

    version: int = -1
    patch_version: int = 0

    @abc.abstractmethod
    def new_session(self) -> SecuritySession:
        """A session in its initial state."""

    def capabilities(self) -> Tuple[str, ...]:
        """What ``proto-ver`` lists for this scheme (``no_sec``, ``no_pop`` or nothing)."""
        return ()


def check_scheme(request: session_pb2.SessionData, version: int, payload: str) -> None:
    """Refuse a session message of another scheme, or without this scheme's payload.

    Raises:
        WrongSecurityScheme: ``sec_ver`` is another scheme.
        MalformedMessage: the ``proto`` oneof is not ``payload``.
    """
    if request.sec_ver != version:
        raise WrongSecurityScheme(f"the device runs security {version}, the message is security {request.sec_ver}")
    if request.WhichOneof("proto") != payload:
        raise MalformedMessage(f"a security {version} message carries {payload}")


def refuse_out_of_order(what: str, state: str) -> InvalidSession:
    """The error for a handshake message the session does not expect now."""
    return InvalidSession(f"unexpected {what} in state {state} (repeated or replayed handshake message)")


class TwoStepSession(SecuritySession):
    """A handshake of two client commands, each answered (security 1 and 2): dispatch by
    the payload's ``msg``, and any error ends the session.

    Subclasses set the class attributes and implement :meth:`_first` and :meth:`_second`;
    they keep their state name in ``_state`` (:data:`ESTABLISHED` once done).
    """

    _version = -1
    _payload = ""
    _commands = (0, 2)  # Command0 and Command1 of the scheme's MsgType enum
    _state = "new"

    @property
    def established(self) -> bool:
        return self._state == ESTABLISHED

    def handshake(self, request: session_pb2.SessionData) -> session_pb2.SessionData:
        check_scheme(request, self._version, self._payload)
        message = getattr(request, self._payload)
        try:
            if message.msg == self._commands[0]:
                return self._first(message)
            if message.msg == self._commands[1]:
                return self._second(message)
            raise MalformedMessage(f"security {self._version} message type {message.msg} is not a command")
        except Exception:
            self.close()
            raise

    @abc.abstractmethod
    def _first(self, message) -> session_pb2.SessionData:
        """Answer Command0."""

    @abc.abstractmethod
    def _second(self, message) -> session_pb2.SessionData:
        """Answer Command1."""
