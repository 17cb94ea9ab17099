"""The AES-GCM nonces of a security 2 session, one per GCM operation.

* **Patch 1** (:class:`CounterNonces`, what ``proto-ver`` reports as ``sec_patch_ver``
  1): 12 bytes = 8 random bytes drawn per session ‖ a 4-byte big-endian counter that
  starts at 1. Both sides take the next counter for every GCM operation, decryption and
  encryption alike, so request 1 uses 1, its response 2, the next request 3, ... The
  device refuses to go on when the counter would wrap to 0 (no nonce is ever reused).
* **Patch 0** (:class:`FixedNonce`, older ESP-IDF devices): 16 random bytes used as the
  IV of every message of the session. It reuses a nonce under one key and is offered
  only for clients that know nothing else.

Source: ESP-IDF protocomm security 2 and its March 2025 fix (``sec_patch_ver``;
docs/softap.md, "Security 2"); NIST SP 800-38D §8 (nonce uniqueness).
"""

from __future__ import annotations

from ..errors import InvalidSession

__all__ = ["NonceSequence", "CounterNonces", "FixedNonce", "COUNTER_PREFIX_SIZE", "MAX_COUNTER"]

#: Random bytes in front of the counter (patch 1).
COUNTER_PREFIX_SIZE = 8
#: The last counter value used; the next would wrap to 0.
MAX_COUNTER = 0xFFFFFFFF


class NonceSequence:
    """The nonces of one session: :attr:`device_nonce` goes to the client in
    ``S2SessionResp1``; :meth:`next` gives the nonce of each GCM operation in turn."""

    @property
    def device_nonce(self) -> bytes:
        raise NotImplementedError

    def next(self) -> bytes:
        raise NotImplementedError


class CounterNonces(NonceSequence):
    """Patch 1: ``prefix ‖ counter`` with the counter from ``first`` (1), +1 per operation.

    Args:
        prefix: 8 random bytes, drawn for this session.
        first: the first counter value (1; tests start near the end).
    Raises:
        ValueError: ``prefix`` is not 8 bytes or ``first`` not 1..2**32-1.
    """

    def __init__(self, prefix: bytes, first: int = 1) -> None:
        if len(prefix) != COUNTER_PREFIX_SIZE:
            raise ValueError(f"the nonce prefix is {COUNTER_PREFIX_SIZE} bytes, not {len(prefix)}")
        if not 1 <= first <= MAX_COUNTER:
            raise ValueError(f"the first counter must be 1..{MAX_COUNTER}, not {first}")
        self._prefix = bytes(prefix)
        self._counter = first
        self._device_nonce = self._prefix + first.to_bytes(4, "big")

    @property
    def device_nonce(self) -> bytes:
        """The 12 bytes sent as ``device_nonce``: the prefix and the first counter."""
        return self._device_nonce

    @property
    def counter(self) -> int:
        """The counter the next operation will use."""
        return self._counter

    def next(self) -> bytes:
        """The nonce of the next GCM operation; the counter then moves on by one.

        Raises:
            InvalidSession: the counter is spent (it would wrap to 0): start a new session.
        """
        if self._counter > MAX_COUNTER:
            raise InvalidSession("security 2: the session's nonce counter is spent; start a new session")
        nonce = self._prefix + self._counter.to_bytes(4, "big")
        self._counter += 1
        return nonce


class FixedNonce(NonceSequence):
    """Patch 0: the same 16-byte IV for every message of the session.

    Args:
        iv: 16 random bytes, drawn for this session.
    Raises:
        ValueError: ``iv`` is not 16 bytes.
    """

    def __init__(self, iv: bytes) -> None:
        if len(iv) != 16:
            raise ValueError(f"the patch 0 IV is 16 bytes, not {len(iv)}")
        self._iv = bytes(iv)

    @property
    def device_nonce(self) -> bytes:
        return self._iv

    def next(self) -> bytes:
        return self._iv
