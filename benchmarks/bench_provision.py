"""Benchmark one whole provisioning: CPU and wall time by phase, beside the C floor of its crypto.

    python benchmarks/bench_provision.py [--runs 15] [--rounds 5] [--handshakes 10] [--state-dir DIR] [--out FILE]
    python benchmarks/bench_provision.py --quick

The same code as ``wss bench --suite provision`` (:mod:`wss.bench.provision`, which
documents the set-up — zero simulated radio latency on the mock —, the floor, the rhythm and
the targets). Source: issue 6 ("Benchmark"), issue 17.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _entry import OUT

from wss.bench import provision
from wss.bench.common import publish

DEFAULT_OUT = OUT / "provision.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured provisionings (default 15)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each followed by a floor sample (default 5)")
    parser.add_argument("--max-rounds", type=int, help="rounds at most while a verdict is inconclusive (2 x rounds)")
    parser.add_argument("--state-dir", type=Path, help="folder of the store (default: a temporary folder)")
    parser.add_argument("--handshakes", type=int, default=10, help="floor handshakes per round (default 10)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true", help="1 run, 1 round, tiny floor batches: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.rounds, args.handshakes, args.max_rounds = 1, 1, 1, 1
    if args.runs < 1 or not 1 <= args.rounds <= args.runs or args.handshakes < 1:
        parser.error("--runs and --handshakes must be >= 1 and 1 <= --rounds <= --runs")
    result = provision.run(args.runs, args.rounds, args.handshakes, args.state_dir, args.quick, args.max_rounds)
    publish(result, provision.format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
