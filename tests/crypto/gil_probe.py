"""A deterministic probe of whether a call released the GIL, and a runner of threads
(shared by the crypto tests).

With a 10 s switch interval the interpreter never preempts a thread, so the main thread
can run while a worker is inside ``call()`` only if that call released the GIL.
"""

from __future__ import annotations

import sys
import threading


def main_ran_during(call) -> bool:
    """Whether the main thread ran while a worker thread was inside ``call()``."""
    started, result = threading.Event(), {}
    old = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:

        def worker():
            started.set()
            call()
            result["done"] = True

        thread = threading.Thread(target=worker)
        thread.start()
        started.wait()
        ran_during = "done" not in result
        thread.join()
    finally:
        sys.setswitchinterval(old)
    assert result == {"done": True}
    return ran_during


def run_in_threads(work, count: int = 4) -> None:
    """Run ``work()`` in ``count`` threads at once and wait for all of them."""
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
