"""Why a protocomm request was refused: one exception class per kind, each with its status.

A transport turns these into its own failure signal (the HTTP transport: a 4xx answer
naming the problem, then the connection closed); the session that saw one is over.
Messages name the endpoint and the rule broken, never a key, PoP, password or PSK.

Source: ESP-IDF protocomm status codes (``constants.proto``; docs/softap.md, "Errors").
"""

from __future__ import annotations

import enum

from ..errors import WssError

__all__ = [
    "Status",
    "ProtocommError",
    "MalformedMessage",
    "WrongSecurityScheme",
    "SessionBusy",
    "InvalidSession",
    "HandshakeFailed",
    "UnknownEndpoint",
]


class Status(enum.IntEnum):
    """The ``Status`` enum of protocomm's ``constants.proto`` (the values on the wire)."""

    SUCCESS = 0
    INVALID_SEC_SCHEME = 1
    INVALID_PROTO = 2
    TOO_MANY_SESSIONS = 3
    INVALID_ARGUMENT = 4
    INTERNAL_ERROR = 5
    CRYPTO_ERROR = 6
    INVALID_SESSION = 7


class ProtocommError(WssError):
    """A request that protocomm refuses.

    Attributes:
        status: the :class:`Status` naming the failure.
        endpoint: the endpoint the request was sent to ("" when not known).
    """

    status = Status.INTERNAL_ERROR

    def __init__(self, message: str, endpoint: str = "") -> None:
        self.endpoint = endpoint
        super().__init__(f"{endpoint}: {message}" if endpoint else message)


class MalformedMessage(ProtocommError):
    """The body is not the protobuf message the endpoint takes, or a field is out of range."""

    status = Status.INVALID_PROTO


class WrongSecurityScheme(ProtocommError):
    """A session message names another security scheme than the device runs."""

    status = Status.INVALID_SEC_SCHEME


class SessionBusy(ProtocommError):
    """Another client's session is open: one session at a time."""

    status = Status.TOO_MANY_SESSIONS


class InvalidSession(ProtocommError):
    """No established session for this request, or a handshake message out of order
    (a replayed or repeated one)."""

    status = Status.INVALID_SESSION


class HandshakeFailed(ProtocommError):
    """The client did not prove its secret: a wrong PoP (security 1), a wrong username or
    password (security 2), or a message that does not decrypt or authenticate."""

    status = Status.CRYPTO_ERROR


class UnknownEndpoint(ProtocommError):
    """No endpoint of that name is registered."""

    status = Status.INVALID_ARGUMENT
