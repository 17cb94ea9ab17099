"""``wss bench``: the benchmarks, from the installed package (no source tree, no compiler).

    wss bench [--suite crypto,tls,provision] [--quick] [--rounds N] [--max-rounds N] [--out FILE.json]
    wss bench compare A.json B.json [...] [--chart FILE.png]

Prints each suite's table (every column beside the C floor shipped with the package,
verdicts only where the spread across rounds allows one) and writes one JSON with the
machine, whether it runs under emulation, the mbedTLS of the core and of the floors, and
the load before and after. Exit status 0; 1 when a suite failed (its peer or floor broke;
a suite that cannot run here is reported, not failed); 2 for a usage error. Method and
caveats: ``benchmarks/README.md``; code: :mod:`wss.bench`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List

from ..errors import UsageError

DEFAULT_OUT = "wss-bench.json"


def _suites(text: str) -> List[str]:
    from ..bench import SUITES

    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in SUITES]
    if unknown or not names:
        raise UsageError(f"--suite: unknown suite {', '.join(unknown) or '(none)'}; choose from {','.join(SUITES)}")
    return [s for s in SUITES if s in names]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text!r}")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser("bench", help="run the benchmarks (crypto, TLS, provisioning) against the C floors")
    p.add_argument("--suite", default="crypto,tls,provision", help="comma-separated suites (default: all three)")
    p.add_argument("--quick", action="store_true", help="tiny budget: checks that every row and floor runs")
    p.add_argument("--rounds", type=_positive, help="rounds over all columns (default per suite: 7, 10, 5)")
    p.add_argument(
        "--max-rounds", type=_positive, help="rounds at most while a verdict is inconclusive (default 2 x rounds)"
    )
    p.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help=f"JSON file (default ./{DEFAULT_OUT})")
    p.set_defaults(func=_run)
    sub = p.add_subparsers(dest="bench_command", metavar="compare")
    c = sub.add_parser("compare", help="runs or boards side by side: a table, and a PNG chart with --chart")
    c.add_argument("files", nargs="+", type=Path, help="two or more JSON files of wss bench")
    c.add_argument("--chart", type=Path, help="also draw the ratios to the C floor into this PNG (matplotlib)")
    c.set_defaults(func=_compare)


def _run(args: argparse.Namespace) -> int:
    from ..bench import runner

    suites = _suites(args.suite)
    if args.rounds and args.max_rounds and args.max_rounds < args.rounds:
        raise UsageError("--max-rounds must be >= --rounds")
    if args.out.is_dir():
        raise UsageError(f"--out {args.out}: is a folder, give a file name")
    doc = runner.run(suites, args.quick, args.rounds, args.max_rounds, args.out)
    return 1 if any("failed" in result for result in doc["suites"].values()) else 0


def _compare(args: argparse.Namespace) -> int:
    from ..bench.compare import compare

    if args.chart is not None and args.chart.suffix.lower() != ".png":
        raise UsageError(f"--chart {args.chart}: the chart is a PNG, name it .png")
    print(compare(args.files, args.chart))
    if args.chart is not None:
        print(f"\nchart written to {args.chart}")
    return 0
