"""Running a plan's runs on parallel workers, with a progress bar on a terminal.

Each worker is a thread with its own DSS; it takes the next run from a queue until none
is left. The work of a run is mostly in C with the GIL released (mbedTLS on the device
side, OpenSSL on the DSS side), so threads of one process share the cores well. Records
are put back in plan order, so the outcome does not depend on which worker finished
first. The progress bar (tqdm) is shown only when standard error is a terminal.

Source: issue 13 ("parallel workers"; "a progress bar while the plan runs").
"""

from __future__ import annotations

import queue
import sys
import threading
from typing import Any, List, Optional, Sequence, Tuple

from .plan import RunSpec
from .record import RunRecord
from .runner import Worker

__all__ = ["run_all"]


def run_all(specs: Sequence[RunSpec], workers: Sequence[Worker], progress: Optional[bool] = None) -> List[RunRecord]:
    """Make every run on the workers; return the records in plan order.

    Args:
        specs: the runs.
        workers: one thread each.
        progress: show a progress bar (None: only if standard error is a terminal).
    Raises:
        BaseException: what a worker raised outside a run (a bug), after the others stop;
            KeyboardInterrupt stops the workers after their current run.
    """
    todo: queue.Queue[RunSpec] = queue.Queue()
    for spec in specs:
        todo.put(spec)
    done: queue.Queue[Tuple[Optional[RunRecord], Optional[BaseException]]] = queue.Queue()
    stop = threading.Event()

    def work(worker: Worker) -> None:
        while not stop.is_set():
            try:
                spec = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((worker.run(spec), None))
            except BaseException as exc:  # reported to the main thread, which stops the plan
                done.put((None, exc))
                return

    threads = [
        threading.Thread(target=work, args=(w,), name=f"wss-certify-{i}", daemon=True) for i, w in enumerate(workers)
    ]
    bar = _progress_bar(len(specs), progress)
    records: List[RunRecord] = []
    try:
        for thread in threads:
            thread.start()
        while len(records) < len(specs):
            record, error = done.get()
            if error is not None:
                raise error
            assert record is not None
            records.append(record)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(success=f"{sum(r.succeeded for r in records) / len(records):.1%}", refresh=False)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        if bar is not None:
            bar.close()
    return sorted(records, key=lambda r: r.index)


def _progress_bar(total: int, wanted: Optional[bool]) -> Any:
    show = sys.stderr.isatty() if wanted is None else wanted
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc="wss certify", file=sys.stderr, dynamic_ncols=True)
