"""Mutual-TLS benchmark: handshake and 1 MiB transfer on loopback, wall and CPU; peak heap.

Usage::

    python benchmarks/bench_tls.py [--rounds 10] [--handshakes 20] [--transfers 5] [--size 1048576]
                                   [--no-massif] [--out benchmarks/out/tls.json]
    python benchmarks/bench_tls.py --quick      # tiny budget: checks that everything runs

The same code as ``wss bench --suite tls`` (:mod:`wss.bench.tls`, which documents the
columns, the peer, the rhythm and the verdicts). Source: issue 3 "Benchmark", issue 17.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _entry import OUT

from wss.bench import tls
from wss.bench.common import publish

DEFAULT_OUT = OUT / "tls.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds over all columns (default 10)")
    parser.add_argument("--handshakes", type=int, default=20, help="timed handshakes per column and round")
    parser.add_argument("--transfers", type=int, default=5, help="timed transfers per column and round")
    parser.add_argument("--max-rounds", type=int, help="rounds at most while a verdict is inconclusive (2 x rounds)")
    parser.add_argument("--size", type=int, default=1 << 20, help="transfer size in bytes")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-massif", dest="massif", action="store_false", help="skip valgrind massif")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 2 handshakes and 1 transfer, no massif")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.handshakes, args.transfers, args.massif, args.max_rounds = 2, 2, 1, False, 2
    if min(args.rounds, args.handshakes, args.transfers, args.size) < 1:
        parser.error("--rounds, --handshakes, --transfers and --size must be >= 1")
    result = tls.run(args.rounds, args.handshakes, args.transfers, args.size, args.massif, args.max_rounds)
    publish(result, tls.format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
