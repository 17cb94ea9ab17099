"""Run the wss benchmarks: print a table and write JSON (``make bench``).

Usage::

    python benchmarks/run.py [--target-ms 20] [--rounds 7] [--repeats 3] [--out FILE]
    python benchmarks/run.py --quick      # a tiny budget: checks that everything runs

The crypto benchmark (``bench_crypto.py``) times SHA-256, HMAC-SHA256, ECDH, ECDSA
verify and the DRBG, and the protocomm primitives (X25519, AES-256-GCM, SHA-512, an SRP-6a
server session), in wss.crypto, python-mbedtls, pyca/cryptography and a C program
calling mbedTLS directly (the floor), and gives each row's ratio to the floor. The JSON
goes to ``benchmarks/out/crypto.json`` unless ``--out`` says otherwise.

Source: issue 2 "Benchmark".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_crypto
from report import publish

DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "crypto.json"
HEADINGS = {"wss": "wss", "python-mbedtls": "python-mbedtls", "cryptography": "cryptography", "floor": "C floor"}


def format_ns(ns: float) -> str:
    """``ns`` nanoseconds with a unit that keeps 3–4 significant digits."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns < 100 * scale else f"{ns / scale:.0f} {unit}"
    return f"{ns:.0f} ns"


def _cell_text(row: dict, col: str) -> str:
    cell = row["columns"][col]
    if "unavailable" in cell:
        return "unavailable"
    text = format_ns(cell["ns_per_op"])
    ratio = row["ratio_to_floor"].get(col)
    return f"{text} ({ratio:.2f}x)" if ratio is not None else text


def _verdict(row: dict) -> str:
    """Whether wss meets its targets on this row: ratio to the floor, faster than python-mbedtls."""
    ratio, limit = row["ratio_to_floor"].get("wss"), row["ratio_target"]
    parts = []
    if limit is not None and ratio is not None:
        parts.append(f"<={limit}x {'ok' if ratio <= limit else 'MISSED'}")
    ours, peer = row["columns"]["wss"], row["columns"]["python-mbedtls"]
    if "ns_per_op" in ours and "ns_per_op" in peer:
        parts.append("beats python-mbedtls" if ours["ns_per_op"] < peer["ns_per_op"] else "SLOWER than python-mbedtls")
    return ", ".join(parts)


def format_table(result: dict) -> str:
    """The result of :func:`bench_crypto.run` as a plain-text table with a header."""
    meta = result["meta"]
    est = meta["estimator"]
    lines = [
        "wss crypto benchmark: ns/op (min over "
        f"{est['rounds'] * est['repeats_per_round']} batches of >= {est['target_batch_ns'] / 1e6:g} ms)"
        " and (ratio to the C floor)",
        f"machine: {meta['machine']}, {meta['cpus']} CPUs, Python {meta['python']}; load average "
        f"(1/5/15 min) {_load(meta['loadavg_start'])} at start, {_load(meta['loadavg_end'])} at end",
        "versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
        "",
    ]
    head = ["operation"] + [HEADINGS[c] for c in bench_crypto.COLUMNS] + ["wss targets"]
    body = [
        [row["label"]] + [_cell_text(row, c) for c in bench_crypto.COLUMNS] + [_verdict(row)]
        for row in result["rows"].values()
    ]
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    for r in [head] + body:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    notes = sorted(
        {
            f"{HEADINGS[c]}: {cell['unavailable']}"
            for row in result["rows"].values()
            for c, cell in row["columns"].items()
            if "unavailable" in cell
        }
    )
    lines += [""] + [f"unavailable — {n}" for n in notes] if notes else []
    if meta["versions"]["floor_mbedtls"] not in (None, meta["versions"]["wss_mbedtls"]):
        lines.append("WARNING: the floor and wss were built against different mbedTLS versions")
    return "\n".join(lines)


def _load(avg) -> str:
    return "/".join(f"{x:.2f}" for x in avg)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--target-ms", type=float, default=20.0, help="least duration of one timed batch, ms (default 20)"
    )
    parser.add_argument("--rounds", type=int, default=7, help="rounds over all columns (default 7)")
    parser.add_argument("--repeats", type=int, default=3, help="timed batches per column and round (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="tiny budget (0.05 ms batches, 1 round, 1 repeat): a smoke run"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.quick:
        args.target_ms, args.rounds, args.repeats = 0.05, 1, 1
    if args.rounds < 1 or args.repeats < 1 or args.target_ms <= 0:
        parser.error("--rounds and --repeats must be >= 1 and --target-ms > 0")
    result = bench_crypto.run(int(args.target_ms * 1e6), args.rounds, args.repeats)
    publish(result, format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
