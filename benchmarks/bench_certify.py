"""Benchmark the certification plan: runs per minute on the mock radio, in process, clean profile.

    python benchmarks/bench_certify.py [--runs 400] [--rounds 2] [--workers 1,2] [--quick] [--out FILE]

Two columns, timed in the same rhythm (each round runs every column once per worker
count, in turn, so a change of machine load hits them alike):

* ``certify`` — the plan's own workers (``wss.certify.execute.run_all``): every run goes
  through ``wss.provision`` against the worker's local DSS (real mutual TLS, signed
  answers) on the mock radio, then the checks read the DSS transcript and the radio log;
* ``provision only`` — the peer: the same runs (same home, same local DSS, the same
  number of threads), ``wss.provision`` and nothing else: no radio log, no checks. The
  gap between the two is what the checks cost.

Then one worker's runs are profiled (cProfile, in this thread) to show where a run's
time goes: the device's mbedTLS work (handshakes, signature checks), waiting for the
DSS (its TLS and its Python handler run in other threads), the store, the checks.

Target (issue 13): at least 1,000 runs per minute with the workers on this machine's
cores. The report's plots and the barcode (about two seconds, once per plan) are not
in the runs per minute. Prints a table and writes JSON to ``benchmarks/out/certify.json``.

Source: issue 13 ("Benchmark").
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from report import publish  # noqa: E402

from hal.mock import ManualClock, WifiDriverMock  # noqa: E402
from wss.certify.certification import make_bench, scratch_root  # noqa: E402
from wss.certify.execute import run_all  # noqa: E402
from wss.certify.observe import LocalDSS  # noqa: E402
from wss.certify.plan import build_plan  # noqa: E402
from wss.certify.profile import load_profile  # noqa: E402
from wss.certify.runner import Bench, Worker, home_for  # noqa: E402
from wss.mfg.dev_pki import create_dev_pki  # noqa: E402
from wss.platform.device_files import DeviceFiles  # noqa: E402
from wss.provisioning import provision  # noqa: E402
from wss.retry import RetryPolicy  # noqa: E402
from wss.store import ProvisioneeStore  # noqa: E402

DEFAULT_OUT = HERE / "out" / "certify.json"
TARGET_RUNS_PER_MINUTE = 1000.0
#: cProfile functions (file suffix, name) grouped into where a run's time goes.
BREAKDOWN = (
    ("TLS handshakes (mbedTLS; the DSS's OpenSSL side in its threads)", (("", "wss_tls_handshake"),)),
    ("DSS signature checks (mbedTLS ECDSA verify)", (("", "wss_ecdsa_verify"),)),
    ("reading DSS answers (waiting for its Python handler)", (("", "wss_tls_read"),)),
    ("sending requests", (("", "wss_tls_write"),)),
    ("ECDH of the encoded setup network", (("", "wss_pkey_ecdh"),)),
    ("store writes (atomic: temporary file, fsync, rename)", (("store.py", "save"),)),
    ("device files read and checked", (("device_files.py", "load_credentials"),)),
    (
        "the checks and the run's record",
        (("checks.py", "check_all"), ("checks.py", "run_records"), ("record.py", "make"), ("runner.py", "_store_view")),
    ),
)


def _bench(work: Path) -> Tuple[Bench, Any]:
    pki = create_dev_pki(work / "pki", product_index="AbCd")
    files = DeviceFiles.from_pki(pki.folder)
    bench = make_bench(load_profile("clean"), files, lambda offered: WifiDriverMock(**offered), True, work / "s")
    return bench, pki.folder


def _provision_only(bench: Bench, dss: LocalDSS, runs: int, seed: int) -> None:
    """The peer: ``wss.provision`` alone, as the plan's runner calls it (no log, no checks)."""
    folder = bench.scratch / f"peer-{threading.get_ident()}"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(runs):
        dss.begin(None, seed + index)
        clock = ManualClock()
        driver = WifiDriverMock(
            environment=home_for(bench.profile, None),
            provisioner=bench.provisioner,
            dss_host=dss.host,
            dss_setup_port=dss.setup_port,
            clock=clock,
        )
        store = folder / f"run-{index}.json"
        outcome = provision(
            driver,
            bench.files,
            ProvisioneeStore.open(str(store)),
            dss_host=dss.host,
            dss_port=dss.port,
            setup_port=dss.setup_port,
            policy=bench.policy,
            retry_policy=RetryPolicy(jitter=random.Random(index).random, sleep=clock.sleep, clock=clock.monotonic),
            clock=lambda radio=clock: time.perf_counter() + radio.now,
        )
        store.unlink()
        assert outcome.succeeded, outcome.result.error


def _timed(fn: Any) -> Tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(bench: Bench, pki: Any, workers: int, runs: int, seed: int) -> Dict[str, Dict[str, float]]:
    """One round for one worker count: both columns, ``runs`` runs each."""
    dsses = [LocalDSS(pki, bench.profile.accounts) for _ in range(workers)]
    try:
        plan = build_plan(bench.profile, runs, seed)
        pool = [Worker(bench, dss, f"w{i}") for i, dss in enumerate(dsses)]
        records: List[Any] = []
        wall, cpu = _timed(lambda: records.extend(run_all(plan.runs, pool, progress=False)))
        assert all(r.succeeded for r in records), [r.cause for r in records if not r.succeeded][:3]
        share = [runs // workers + (i < runs % workers) for i in range(workers)]
        threads = [
            threading.Thread(target=_provision_only, args=(bench, dss, n, seed + 1000 * i))
            for i, (dss, n) in enumerate(zip(dsses, share))
        ]
        peer_wall, peer_cpu = _timed(lambda: ([t.start() for t in threads], [t.join() for t in threads]))
    finally:
        for dss in dsses:
            dss.close()
    return {
        "certify": {"wall_s": wall, "cpu_s": cpu, "runs": runs},
        "provision only": {"wall_s": peer_wall, "cpu_s": peer_cpu, "runs": runs},
    }


def breakdown(bench: Bench, pki: Any, runs: int) -> Dict[str, Any]:
    """Where one worker's run time goes (cProfile, this thread)."""
    dss = LocalDSS(pki, bench.profile.accounts)
    try:
        worker = Worker(bench, dss, "profiled")
        plan = build_plan(bench.profile, runs + 1, 7)
        worker.run(plan.runs[0])  # warm-up
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for spec in plan.runs[1:]:
            worker.run(spec)
        profiler.disable()
        total = time.perf_counter() - started
    finally:
        dss.close()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]  # the raw table
    parts: Dict[str, float] = {}
    for label, wanted in BREAKDOWN:
        seconds = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
            if any(filename.endswith(suffix) and (name == fn or name.endswith(f".{fn}>")) for suffix, fn in wanted):
                seconds += cumulative
        parts[label] = seconds / runs * 1000
    parts["everything else (state machine, HTTP framing, mock radio, ...)"] = max(
        0.0, total / runs * 1000 - sum(parts.values())
    )
    return {"runs": runs, "ms_per_run": total / runs * 1000, "parts_ms": parts}


def summarize(rounds: List[Dict[int, Dict[str, Dict[str, float]]]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for workers in rounds[0]:
        for column in ("certify", "provision only"):
            samples = [r[workers][column] for r in rounds]
            per_minute = [s["runs"] / s["wall_s"] * 60 for s in samples]
            cpu_ms = [s["cpu_s"] / s["runs"] * 1000 for s in samples]
            out.setdefault(str(workers), {})[column] = {
                "runs_per_minute_best": max(per_minute),
                "runs_per_minute_median": statistics.median(per_minute),
                "cpu_ms_per_run_min": min(cpu_ms),
                "cpu_ms_per_run_median": statistics.median(cpu_ms),
            }
    return out


def format_table(result: Dict[str, Any]) -> str:
    meta, summary, where = result["meta"], result["summary"], result["breakdown"]
    lines = [
        f"wss certify benchmark: clean profile, mock radio and local DSS in process; {meta['runs']} runs per "
        f"cell, {meta['rounds']} rounds; best [median]",
        f"machine: {meta['machine']}, {meta['cpus']} CPUs, Python {meta['python']}, load average "
        f"{'/'.join(f'{x:.2f}' for x in meta['loadavg_start'])} at start, "
        f"{'/'.join(f'{x:.2f}' for x in meta['loadavg_end'])} at end; stores in {meta['scratch']}",
        "",
        f"{'workers':8} {'column':16} {'runs/min':>20} {'CPU ms/run':>20}",
    ]
    for workers, columns in summary.items():
        for column, s in columns.items():
            lines.append(
                f"{workers:8} {column:16} {s['runs_per_minute_best']:9.0f} [{s['runs_per_minute_median']:7.0f}]"
                f" {s['cpu_ms_per_run_min']:9.1f} [{s['cpu_ms_per_run_median']:7.1f}]"
            )
    best_workers = max(summary, key=lambda w: summary[w]["certify"]["runs_per_minute_best"])
    best = summary[best_workers]["certify"]["runs_per_minute_best"]
    verdict = "ok" if best >= TARGET_RUNS_PER_MINUTE else "MISSED"
    lines += [
        "",
        f"target: >= {TARGET_RUNS_PER_MINUTE:.0f} runs/min: {best:.0f} with {best_workers} worker(s): {verdict}",
        "",
        f"where one worker's run goes ({where['runs']} runs profiled: {where['ms_per_run']:.1f} ms/run, "
        "wall time per call: a C call's share includes retaking the GIL from the DSS's threads; cProfile "
        "inflates Python time):",
    ]
    for label, ms in where["parts_ms"].items():
        lines.append(f"  {label:64} {ms:7.2f} ms")
    return "\n".join(lines)


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400, help="runs per cell (default 400)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (default 2)")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated (default 1,2)")
    parser.add_argument("--profiled", type=int, default=60, help="runs profiled for the breakdown (default 60)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4 runs, 1 round, 1 and 2 workers")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.rounds, args.profiled = 4, 1, 2
    counts = [int(part) for part in args.workers.split(",") if part.strip()]
    if args.runs < 1 or args.rounds < 1 or not counts or min(counts) < 1 or args.profiled < 1:
        parser.error("--runs, --rounds, --profiled and every --workers count must be >= 1")
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="wss-bench-certify-", dir=scratch_root()) as tmp:
        bench, pki = _bench(Path(tmp))
        measure(bench, pki, 1, min(args.runs, 5), 1)  # warm-up: imports, caches
        rounds = [{w: measure(bench, pki, w, args.runs, 100 * r + w) for w in counts} for r in range(args.rounds)]
        where = breakdown(bench, pki, args.profiled)
    meta = {
        "runs": args.runs,
        "rounds": args.rounds,
        "workers": counts,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
        "profile": "clean",
        "scratch": scratch_root() or tempfile.gettempdir(),
        "target_runs_per_minute": TARGET_RUNS_PER_MINUTE,
    }
    result = {
        "meta": meta,
        "summary": summarize(rounds),
        "breakdown": where,
        "rounds": [{str(w): cells for w, cells in r.items()} for r in rounds],
    }
    publish(result, format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
