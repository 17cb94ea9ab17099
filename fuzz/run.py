"""Run the fuzz harnesses with atheris (libFuzzer for Python) and print what they did.

    python fuzz/run.py [--runs N | --seconds S] [--jobs J] [--timeout-s T] [NAME ...]

Each harness is ``fuzz/<NAME>/harness.py``: it imports what it fuzzes and defines
``test_one_input(data: bytes)``, which raises only for a finding (an exception the code
under test does not document, a wrong result). Its seed corpus is ``fuzz/<NAME>/corpus/``
(kept in the repository, read only); what libFuzzer learns goes to ``fuzz/out/<NAME>/``
(ignored), with any crashing input as ``fuzz/out/<NAME>/crash-<sha1>``.

Every harness runs in its own process (libFuzzer ends the process), ``--jobs`` at a
time. The table printed at the end gives, per harness, the executions, executions per
second, libFuzzer's coverage (``cov``: edges of the instrumented Python code reached;
``ft``: features) and the corpus size; ``fuzz/out/summary.json`` holds the same. Exit
status 0 when no harness found anything.

``atheris.instrument_all()`` instruments every Python function already loaded (the
harness imports its targets first): the editable install of wss defeats
``instrument_imports``. It takes several seconds per process, so the short runs of the
test suite pass ``--instrument ours`` (only wss, hal and h11). The seconds and exec/s of
the table count fuzzing only, not that start. The C core is exercised through its Python entry points but not
instrumented, so its edges are not in ``cov``; a memory error there still ends the run
as a crash.

Source: issue 16 (fuzzing); atheris and libFuzzer documentation (options, statistics).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import types
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

#: libFuzzer's status lines: "#123 DONE cov: 456 ft: 789 corp: 10/1Kb ... exec/s: 1000 ..."
_STATUS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)")


@dataclass
class Outcome:
    """What one harness run did."""

    name: str
    executions: int
    seconds: float
    exec_per_s: int
    cov: int
    ft: int
    corpus: int
    status: str  # "ok", or what libFuzzer reported (a crash, a timeout, out of memory)
    artifact: Optional[str]


def harness_names() -> List[str]:
    """Every harness, in name order."""
    return sorted(p.parent.name for p in HERE.glob("*/harness.py"))


def load_harness(name: str):
    """Import ``fuzz/<name>/harness.py`` as a module."""
    spec = importlib.util.spec_from_file_location(f"fuzz_{name}", HERE / name / "harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


#: Top-level packages ``--instrument ours`` instruments: ours, and h11 (the HTTP framing).
OURS = ("wss", "hal", "h11", "fuzz_")


def instrument(scope: str) -> None:
    """Add libFuzzer's coverage counters to the Python code already imported.

    ``all``: :func:`atheris.instrument_all` (every function, the standard library too:
    several seconds at start). ``ours``: only the functions of :data:`OURS` (under a
    second; what the short runs of the test suite use).
    """
    import atheris

    if scope == "all":
        atheris.instrument_all()
        return
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and str(getattr(obj, "__module__", "")).split(".")[0] in OURS:
            atheris.instrument_func(obj)


def child(name: str, scope: str, out: Path, libfuzzer_args: List[str]) -> None:
    """In the harness's own process: instrument, then hand over to libFuzzer (never returns)."""
    import atheris

    harness = load_harness(name)  # imports the code under test first ...
    instrument(scope)  # ... so that this instruments it
    print(f"FUZZ-START {time.monotonic()}", flush=True)
    work = out / name / "corpus"
    work.mkdir(parents=True, exist_ok=True)
    seeds = HERE / name / "corpus"
    argv = [sys.argv[0], *libfuzzer_args, f"-artifact_prefix={out / name}/", str(work), str(seeds)]
    atheris.Setup(argv, harness.test_one_input)
    atheris.Fuzz()


def run_one(name: str, args: argparse.Namespace) -> Outcome:
    """Run one harness in a child process; parse libFuzzer's statistics from its output."""
    out = args.out
    (out / name).mkdir(parents=True, exist_ok=True)
    limit = [f"-runs={args.runs}"] if args.seconds is None else [f"-max_total_time={args.seconds}"]
    options = limit + [
        f"-timeout={args.timeout_s}",
        f"-rss_limit_mb={args.rss_limit_mb}",
        "-print_final_stats=1",
        f"-max_len={args.max_len}",
    ]
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", name, args.instrument, str(out), "--", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    ended = time.monotonic()
    log = done.stdout
    (out / name / "last-run.log").write_text(log)
    cov = ft = corpus = executions = 0
    started = ended
    for line in log.splitlines():
        if line.startswith("FUZZ-START "):
            started = float(line.split()[1])
        status = _STATUS.match(line)
        if status:
            executions, cov, ft, corpus = (int(g) for g in status.groups())
        stat = _STAT.match(line)
        if stat and stat.group(1) == "number_of_executed_units":
            executions = int(stat.group(2))
    elapsed = max(ended - started, 1e-3)  # fuzzing time, instrumentation excluded
    rate = int(executions / elapsed)
    artifact = next(
        (
            line.split("Test unit written to ", 1)[1].strip()
            for line in log.splitlines()
            if "Test unit written to" in line
        ),
        None,
    )
    if done.returncode == 0:
        status_text = "ok"
    else:
        uncaught = re.search(r"=== Uncaught Python exception: ===\n(.*)", log)
        found = re.search(r"==\d+== ERROR: libFuzzer: ([\w-]+)", log)
        status_text = (
            uncaught.group(1)[:100] if uncaught else found.group(1) if found else f"exit status {done.returncode}"
        )
    return Outcome(name, executions, round(elapsed, 1), rate, cov, ft, corpus, status_text, artifact)


def print_table(outcomes: List[Outcome]) -> None:
    header = (
        f"{'harness':18} {'executions':>11} {'seconds':>8} {'exec/s':>8} {'cov':>6} {'ft':>7} {'corpus':>6}  result"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        print(
            f"{o.name:18} {o.executions:>11} {o.seconds:>8.1f} {o.exec_per_s:>8} {o.cov:>6} {o.ft:>7} {o.corpus:>6}  "
            f"{o.status}{f' ({o.artifact})' if o.artifact else ''}"
        )
    total = sum(o.executions for o in outcomes)
    print(f"{'total':18} {total:>11}")


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2], Path(argv[3]), argv[5:])
        return 0
    parser = argparse.ArgumentParser(description="Run the fuzz harnesses (atheris) and print their statistics.")
    parser.add_argument("names", nargs="*", help=f"harnesses (default: all of {', '.join(harness_names())})")
    parser.add_argument("--runs", type=int, default=1_000_000, help="executions per harness (default 10^6)")
    parser.add_argument("--seconds", type=int, help="run each harness this long instead of --runs")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="harnesses at a time (default: CPUs)")
    parser.add_argument("--timeout-s", type=int, default=10, help="one input taking longer is a finding (default 10)")
    parser.add_argument("--rss-limit-mb", type=int, default=2048, help="memory that is a finding (default 2048)")
    parser.add_argument("--max-len", type=int, default=8192, help="longest input, bytes (default 8192)")
    parser.add_argument("--out", type=Path, default=OUT, help="where corpora, crashes and the summary go (fuzz/out)")
    parser.add_argument(
        "--instrument",
        choices=("all", "ours"),
        default="all",
        help="all: atheris.instrument_all() (default); ours: only wss, hal and h11 (fast start)",
    )
    args = parser.parse_args(argv)
    names = args.names or harness_names()
    unknown = sorted(set(names) - set(harness_names()))
    if unknown:
        parser.error(f"no such harness: {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda name: run_one(name, args), names))
    print_table(outcomes)
    (args.out / "summary.json").write_text(json.dumps([asdict(o) for o in outcomes], indent=2))
    return 0 if all(o.status == "ok" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
