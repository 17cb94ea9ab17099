"""Run the crypto benchmark: print a table and write JSON (``make bench``).

Usage::

    python benchmarks/run.py [--target-ms 20] [--rounds 7] [--repeats 3] [--max-rounds 14] [--out FILE]
    python benchmarks/run.py --quick      # a tiny budget: checks that everything runs

The same code as ``wss bench --suite crypto`` (:mod:`wss.bench.crypto`): SHA-256,
HMAC-SHA256, ECDH, ECDSA verify, the DRBG and the protocomm primitives in wss.crypto,
python-mbedtls, pyca/cryptography and the C floor shipped with the package, each row's
ratio to the floor and the verdicts. JSON: ``benchmarks/out/crypto.json`` unless ``--out``.

Source: issue 2 "Benchmark", issue 17.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _entry import OUT

from wss.bench import crypto
from wss.bench.common import publish

DEFAULT_OUT = OUT / "crypto.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-ms", type=float, default=20.0, help="least duration of one timed batch, ms")
    parser.add_argument("--rounds", type=int, default=7, help="rounds over all columns (default 7)")
    parser.add_argument("--repeats", type=int, default=3, help="timed batches per column and round (default 3)")
    parser.add_argument("--max-rounds", type=int, help="rounds at most while a verdict is inconclusive (2 x rounds)")
    parser.add_argument("--quick", action="store_true", help="tiny budget (0.05 ms batches, 1 round, 1 repeat)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.quick:
        args.target_ms, args.rounds, args.repeats, args.max_rounds = 0.05, 1, 1, 1
    if args.rounds < 1 or args.repeats < 1 or args.target_ms <= 0:
        parser.error("--rounds and --repeats must be >= 1 and --target-ms > 0")
    result = crypto.run(int(args.target_ms * 1e6), args.rounds, args.repeats, args.max_rounds)
    publish(result, crypto.format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
