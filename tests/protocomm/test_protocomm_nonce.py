"""The AES-GCM nonce sequences of security 2, where the rule lives (wss.protocomm.security.nonce).

Patch 1: 8 session bytes and a 4-byte big-endian counter from 1, one step per GCM
operation, never wrapping. Patch 0: one 16-byte IV for every message.
"""

from __future__ import annotations

import pytest

from wss.errors import WssError
from wss.protocomm.errors import InvalidSession
from wss.protocomm.security.nonce import MAX_COUNTER, CounterNonces, FixedNonce

PREFIX = bytes(range(1, 9))


def test_the_counter_starts_at_1_and_steps_once_per_operation():
    nonces = CounterNonces(PREFIX)
    assert nonces.device_nonce == PREFIX + b"\x00\x00\x00\x01"
    assert [nonces.next() for _ in range(3)] == [PREFIX + bytes([0, 0, 0, n]) for n in (1, 2, 3)]
    assert nonces.counter == 4
    assert nonces.device_nonce == PREFIX + b"\x00\x00\x00\x01"  # what was sent does not move


def test_the_counter_is_big_endian_across_bytes():
    nonces = CounterNonces(PREFIX, first=0xFF)
    assert nonces.next()[8:] == b"\x00\x00\x00\xff" and nonces.next()[8:] == b"\x00\x00\x01\x00"


def test_the_counter_never_wraps():
    nonces = CounterNonces(PREFIX, first=MAX_COUNTER)
    assert nonces.next() == PREFIX + b"\xff\xff\xff\xff"
    with pytest.raises(InvalidSession, match="spent"):
        nonces.next()
    with pytest.raises(InvalidSession):  # and stays spent
        nonces.next()
    assert issubclass(InvalidSession, WssError)


@pytest.mark.parametrize("prefix,first", [(b"short", 1), (PREFIX + b"x", 1), (PREFIX, 0), (PREFIX, MAX_COUNTER + 1)])
def test_bad_sequences_are_refused(prefix, first):
    with pytest.raises(ValueError):
        CounterNonces(prefix, first)


def test_patch0_uses_one_iv_for_every_message():
    iv = bytes(range(16))
    nonces = FixedNonce(iv)
    assert nonces.device_nonce == iv and nonces.next() == iv and nonces.next() == iv
    with pytest.raises(ValueError):
        FixedNonce(iv[:12])
