"""Security scheme 1: X25519 key agreement, proof of possession, AES-256-CTR.

The handshake, device side:

1. ``SessionCmd0{client_pubkey}`` (32 bytes): draw a fresh X25519 key and a 16-byte
   device random; the session key is X25519(device, client) XOR SHA-256(PoP) (no XOR
   without a PoP), and one AES-256-CTR stream starts at the device random (computed in
   the C core; the key never reaches Python). Answer ``SessionResp0{device_pubkey,
   device_random}``.
2. ``SessionCmd1{client_verify_data}``: the first 32 stream bytes decrypt it; it must be
   the device's public key (compared in constant time) — proof that the client knows
   the PoP. Answer ``SessionResp1{device_verify_data}``: the client's public key
   encrypted with the next 32 stream bytes.

The same stream then runs through every secured request and response in turn, so a
lost, repeated or reordered message ends the session.

Source: ESP-IDF protocomm security 1 (docs/softap.md, "Security 1"); RFC 7748.
"""

from __future__ import annotations

import hmac
from typing import Optional, Tuple

from ...crypto import AESCTR, X25519_KEY_SIZE, X25519PrivateKey, random_bytes
from ...errors import InvalidKey
from ..errors import HandshakeFailed, InvalidSession, MalformedMessage
from ..proto import constants_pb2, sec1_pb2, session_pb2
from .base import ESTABLISHED, SecurityScheme, SecuritySession, TwoStepSession, refuse_out_of_order

__all__ = ["Security1", "DEVICE_RANDOM_SIZE"]

#: Bytes of the device random (the CTR stream's initial counter block).
DEVICE_RANDOM_SIZE = 16

_NEW, _PROVING, _ESTABLISHED, _FAILED = "new", "waiting for Session_Command1", ESTABLISHED, "failed"


class _Session1(TwoStepSession):
    _version, _payload = 1, "sec1"

    def __init__(self, pop: bytes) -> None:
        self._pop = pop
        self._state = _NEW
        self._stream: Optional[AESCTR] = None
        self._device_public = b""
        self._client_public = b""

    def _first(self, message: sec1_pb2.Sec1Payload) -> session_pb2.SessionData:
        if self._state != _NEW:
            raise refuse_out_of_order("Session_Command0", self._state)
        client_public = message.sc0.client_pubkey
        if len(client_public) != X25519_KEY_SIZE:
            raise MalformedMessage(f"client_pubkey is {len(client_public)} bytes, an X25519 key is 32")
        device = X25519PrivateKey.generate()
        device_random = random_bytes(DEVICE_RANDOM_SIZE)
        try:
            self._stream = device.protocomm_sec1_cipher(client_public, self._pop, device_random)
        except InvalidKey:
            raise HandshakeFailed("client_pubkey is a point of small order") from None
        self._device_public, self._client_public = device.public_key_bytes(), client_public
        self._state = _PROVING
        answer = session_pb2.SessionData(sec_ver=session_pb2.SecScheme1)
        answer.sec1.msg = sec1_pb2.Session_Response0
        answer.sec1.sr0.status = constants_pb2.Success
        answer.sec1.sr0.device_pubkey = self._device_public
        answer.sec1.sr0.device_random = device_random
        return answer

    def _second(self, message: sec1_pb2.Sec1Payload) -> session_pb2.SessionData:
        if self._state != _PROVING or self._stream is None:
            raise refuse_out_of_order("Session_Command1", self._state)
        verify = message.sc1.client_verify_data
        if len(verify) != X25519_KEY_SIZE:
            raise MalformedMessage(f"client_verify_data is {len(verify)} bytes, not 32")
        if not hmac.compare_digest(self._stream.update(verify), self._device_public):
            raise HandshakeFailed("security 1: the client's verify data does not match (wrong proof of possession)")
        answer = session_pb2.SessionData(sec_ver=session_pb2.SecScheme1)
        answer.sec1.msg = sec1_pb2.Session_Response1
        answer.sec1.sr1.status = constants_pb2.Success
        answer.sec1.sr1.device_verify_data = self._stream.update(self._client_public)
        self._state = _ESTABLISHED
        return answer

    def _live_stream(self) -> AESCTR:
        if self._state != _ESTABLISHED or self._stream is None:
            raise InvalidSession(f"no established session (state: {self._state})")
        return self._stream

    def decrypt(self, data: bytes) -> bytes:
        return self._live_stream().update(data)

    def encrypt(self, data: bytes) -> bytes:
        return self._live_stream().update(data)

    def close(self) -> None:
        self._stream, self._state = None, _FAILED


class Security1(SecurityScheme):
    """Security scheme 1 with a proof of possession (``proto-ver`` lists ``no_pop``
    when the PoP is empty).

    Args:
        pop: the proof of possession, bytes, or ``str`` encoded as latin-1 as esp_prov
            encodes it; empty for none. Never shown in a repr.
    Raises:
        ValueError: a ``str`` PoP with characters outside latin-1.
        TypeError: ``pop`` is neither bytes nor str.
    """

    version = 1

    def __init__(self, pop=b"") -> None:
        if isinstance(pop, str):
            pop = pop.encode("latin-1")
        if not isinstance(pop, (bytes, bytearray)):
            raise TypeError(f"pop must be bytes or str, not {type(pop).__name__}")
        self._pop = bytes(pop)

    def new_session(self) -> SecuritySession:
        return _Session1(self._pop)

    def capabilities(self) -> Tuple[str, ...]:
        return () if self._pop else ("no_pop",)

    def __repr__(self) -> str:
        return f"Security1(pop={'<set>' if self._pop else 'none'})"
