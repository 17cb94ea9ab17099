"""Security scheme 2: SRP-6a (RFC 5054's 3072-bit group, SHA-512) and AES-256-GCM.

The device holds a salt and a verifier, never the password. Device side:

1. ``S2SessionCmd0{client_username, client_pubkey=A}``: A must be exactly 384 bytes (the
   group's size, as ESP-IDF devices insist). Draw b, compute B, then u, S and K from A
   (all in the C core). Answer ``S2SessionResp0{device_pubkey=B, device_salt}``.
2. ``S2SessionCmd1{client_proof=M1}`` (64 bytes): check M1 in constant time — proof
   that the client knows the password for that username. Answer
   ``S2SessionResp1{device_proof=M2, device_nonce}``.

The session cipher is AES-256-GCM keyed with the first 32 bytes of K (the key stays in
C), with the nonces of :mod:`.nonce`: patch 1 (default) or patch 0 for old clients.

Source: ESP-IDF protocomm security 2 (docs/softap.md, "Security 2"); RFC 5054.
"""

from __future__ import annotations

from typing import Optional

from ...crypto import AESGCM, SRP_GROUP_SIZE, SRP_PROOF_SIZE, SRPServer, random_bytes
from ...errors import AuthenticationFailed, InvalidKey
from ..errors import HandshakeFailed, InvalidSession, MalformedMessage
from ..proto import constants_pb2, sec2_pb2, session_pb2
from .base import ESTABLISHED, SecurityScheme, SecuritySession, TwoStepSession, refuse_out_of_order
from .nonce import COUNTER_PREFIX_SIZE, CounterNonces, FixedNonce, NonceSequence

__all__ = ["Security2"]

_NEW, _PROVING, _ESTABLISHED, _FAILED = "new", "waiting for S2Session_Command1", ESTABLISHED, "failed"


class _Session2(TwoStepSession):
    _version, _payload = 2, "sec2"

    def __init__(self, salt: bytes, verifier: bytes, patch_version: int) -> None:
        self._salt, self._verifier, self._patch = salt, verifier, patch_version
        self._state = _NEW
        self._srp: Optional[SRPServer] = None
        self._gcm: Optional[AESGCM] = None
        self._nonces: Optional[NonceSequence] = None

    def _first(self, message: sec2_pb2.Sec2Payload) -> session_pb2.SessionData:
        if self._state != _NEW:
            raise refuse_out_of_order("S2Session_Command0", self._state)
        client_public = message.sc0.client_pubkey
        if len(client_public) != SRP_GROUP_SIZE:
            raise MalformedMessage(f"client_pubkey (A) is {len(client_public)} bytes; it must be {SRP_GROUP_SIZE}")
        srp = SRPServer(self._salt, self._verifier)
        try:
            srp.process_client_key(message.sc0.client_username, client_public)
        except InvalidKey:
            raise HandshakeFailed("security 2: client_pubkey (A) is refused (A mod N is 0)") from None
        self._srp, self._state = srp, _PROVING
        answer = session_pb2.SessionData(sec_ver=session_pb2.SecScheme2)
        answer.sec2.msg = sec2_pb2.S2Session_Response0
        answer.sec2.sr0.status = constants_pb2.Success
        answer.sec2.sr0.device_pubkey = srp.public_key
        answer.sec2.sr0.device_salt = srp.salt
        return answer

    def _second(self, message: sec2_pb2.Sec2Payload) -> session_pb2.SessionData:
        if self._state != _PROVING or self._srp is None:
            raise refuse_out_of_order("S2Session_Command1", self._state)
        proof = message.sc1.client_proof
        if len(proof) != SRP_PROOF_SIZE:
            raise MalformedMessage(f"client_proof is {len(proof)} bytes, not {SRP_PROOF_SIZE}")
        try:
            device_proof = self._srp.verify_client_proof(proof)
        except AuthenticationFailed:
            raise HandshakeFailed(
                "security 2: the client's proof does not verify (wrong username or password)"
            ) from None
        self._gcm = self._srp.aes_gcm()
        if self._patch >= 1:
            self._nonces = CounterNonces(random_bytes(COUNTER_PREFIX_SIZE))
        else:
            self._nonces = FixedNonce(random_bytes(16))
        self._srp, self._state = None, _ESTABLISHED
        answer = session_pb2.SessionData(sec_ver=session_pb2.SecScheme2)
        answer.sec2.msg = sec2_pb2.S2Session_Response1
        answer.sec2.sr1.status = constants_pb2.Success
        answer.sec2.sr1.device_proof = device_proof
        answer.sec2.sr1.device_nonce = self._nonces.device_nonce
        return answer

    def _cipher(self):
        if self._state != _ESTABLISHED or self._gcm is None or self._nonces is None:
            raise InvalidSession(f"no established session (state: {self._state})")
        return self._gcm, self._nonces

    def decrypt(self, data: bytes) -> bytes:
        gcm, nonces = self._cipher()
        try:
            return gcm.decrypt(nonces.next(), data)
        except AuthenticationFailed:
            self.close()
            raise HandshakeFailed("security 2: the request does not authenticate (AES-GCM tag)") from None

    def encrypt(self, data: bytes) -> bytes:
        gcm, nonces = self._cipher()
        return gcm.encrypt(nonces.next(), data)

    def close(self) -> None:
        self._srp, self._gcm, self._nonces, self._state = None, None, None, _FAILED


class Security2(SecurityScheme):
    """Security scheme 2 over a device's SRP-6a salt and verifier.

    Args:
        salt: the salt (16 bytes from the factory or :func:`wss.crypto.srp_salt_and_verifier`).
        verifier: the verifier v, big-endian, at most 384 bytes.
        patch_version: 1 (default: the counter nonces) or 0 (one fixed IV per session,
            for clients older than ESP-IDF's fix).
    Raises:
        ValueError: an empty salt or verifier, or ``patch_version`` not 0 or 1.
    """

    version = 2

    def __init__(self, salt: bytes, verifier: bytes, patch_version: int = 1) -> None:
        if not salt or not verifier:
            raise ValueError("security 2 needs a salt and a verifier")
        if len(verifier) > SRP_GROUP_SIZE:
            raise ValueError(f"the verifier is {len(verifier)} bytes; at most {SRP_GROUP_SIZE}")
        if patch_version not in (0, 1):
            raise ValueError(f"patch_version must be 0 or 1, not {patch_version!r}")
        self._salt, self._verifier = bytes(salt), bytes(verifier)
        self.patch_version = patch_version

    def new_session(self) -> SecuritySession:
        return _Session2(self._salt, self._verifier, self.patch_version)

    def __repr__(self) -> str:
        return f"Security2(patch_version={self.patch_version}, salt={len(self._salt)} bytes)"
