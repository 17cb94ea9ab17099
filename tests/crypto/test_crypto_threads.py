"""The short calls (sha256, hmac_sha256, random_bytes) reuse output buffers; threads that
run in C at the same time (the GIL is released) must still each get their own result.

Source: issue 2 ("Calls that take longer than a few microseconds release the GIL").
"""

from __future__ import annotations

import hashlib
import hmac
import sys
import threading

from wss import crypto

THREADS = 4
ROUNDS = 3000


def _worker(index: int, failures: list, draws: list, start: threading.Barrier) -> None:
    key = bytes([index]) * 32
    data = [bytes([index, i % 251]) * 32 for i in range(16)]
    expected = [(hashlib.sha256(d).digest(), hmac.new(key, d, "sha256").digest()) for d in data]
    start.wait()
    for i in range(ROUNDS):
        d, (digest, tag) = data[i % 16], expected[i % 16]
        if crypto.sha256(d) != digest or crypto.hmac_sha256(key, d) != tag:
            failures.append((index, i))
        draws.append(crypto.random_bytes(16))


def test_concurrent_short_calls_get_their_own_results():
    failures, draws = [], []
    start = threading.Barrier(THREADS)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        threads = [threading.Thread(target=_worker, args=(n, failures, draws, start)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert failures == []
    assert len(draws) == THREADS * ROUNDS
    assert len(set(draws)) == len(draws)  # no two calls handed out the same buffer contents
