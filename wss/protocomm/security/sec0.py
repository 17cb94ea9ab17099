"""Security scheme 0: no authentication, no encryption (``no_sec``).

The handshake is one ``S0SessionCmd`` answered by ``S0SessionResp{status=Success}``; the
secured endpoints then carry plain protobuf. Only for development or a device whose
SoftAP itself is protected.

Source: ESP-IDF protocomm security 0 (docs/softap.md, "Security 0").
"""

from __future__ import annotations

from typing import Tuple

from ..errors import InvalidSession, MalformedMessage
from ..proto import constants_pb2, sec0_pb2, session_pb2
from .base import SecurityScheme, SecuritySession, check_scheme, refuse_out_of_order

__all__ = ["Security0"]


class _Session0(SecuritySession):
    def __init__(self) -> None:
        self._established = False

    @property
    def established(self) -> bool:
        return self._established

    def handshake(self, request: session_pb2.SessionData) -> session_pb2.SessionData:
        check_scheme(request, 0, "sec0")
        if request.sec0.msg != sec0_pb2.S0_Session_Command:
            raise MalformedMessage(f"security 0 expects S0_Session_Command, not message type {request.sec0.msg}")
        if self._established:
            raise refuse_out_of_order("S0_Session_Command", "established")
        self._established = True
        answer = session_pb2.SessionData(sec_ver=session_pb2.SecScheme0)
        answer.sec0.msg = sec0_pb2.S0_Session_Response
        answer.sec0.sr.status = constants_pb2.Success
        return answer

    def _check(self) -> None:
        if not self._established:
            raise InvalidSession("no session: send S0_Session_Command to prov-session first")

    def decrypt(self, data: bytes) -> bytes:
        self._check()
        return data

    def encrypt(self, data: bytes) -> bytes:
        self._check()
        return data

    def close(self) -> None:
        self._established = False


class Security0(SecurityScheme):
    """Security scheme 0 (``proto-ver`` lists ``no_sec``)."""

    version = 0

    def new_session(self) -> SecuritySession:
        return _Session0()

    def capabilities(self) -> Tuple[str, ...]:
        return ("no_sec",)

    def __repr__(self) -> str:
        return "Security0()"
