"""Crypto benchmark: wss.crypto against python-mbedtls, pyca/cryptography and a C floor.

Every row is one operation (the rows of ESP-IDF protocomm security 1 and 2 come from
``crypto_protocomm.py``), timed in one process and one run for each column:

* ``wss`` — our binding (:mod:`wss.crypto`, cffi over the system mbedTLS);
* ``python-mbedtls`` — the Cython binding from PyPI (it bundles its own mbedTLS build);
* ``cryptography`` — pyca/cryptography (OpenSSL);
* ``floor`` — ``crypto_floor`` (``benchmarks/c/crypto_floor.c``), built with the core
  against the same mbedTLS and shipped in the package (:mod:`wss.bench.floors`), doing per
  op exactly the work of the matching ``wss_*`` C function. ``binding / floor`` is
  therefore the cost of the Python layer.

Estimator (the same for every column, the floor included): grow the batch size until one
batch lasts ``target_ns``; then in each of ``rounds`` rounds, row by row, every column in
an order rotated each round (:mod:`wss.bench.rhythm`) runs one untimed batch and then
``repeats`` timed batches. ns/op is the minimum over all batches (the median is kept in
the JSON too; so is the CPU time of every batch). A target is judged on the per-round ratios
of the minimum CPU ns/op, ``wss / floor`` (:mod:`wss.bench.verdict`); an undecided row gets
more rounds, up to ``max_rounds``.

Source: issue 2 "Benchmark", issue 17; estimator as in the standard library's ``timeit``
(min of repeats, timed batches, garbage collector off).
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import time
import timeit
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from . import crypto_protocomm, floors, machine
from .rhythm import Sample, interleave
from .verdict import Verdict, decide

#: How long one run of the floor program may take, seconds (a board under emulation is slow).
FLOOR_TIMEOUT_S = 600.0

#: (row id, label), in table order. The floor program uses the same ids.
ROWS: List[Tuple[str, str]] = [
    ("sha256_64", "SHA-256, 64 B"),
    ("sha256_1m", "SHA-256, 1 MiB"),
    ("hmac_64", "HMAC-SHA256, 64 B"),
    ("hmac_1m", "HMAC-SHA256, 1 MiB"),
    ("ecdh", "ECDH P-256"),
    ("ecdsa_verify", "ECDSA P-256 verify"),
    ("random_32", "random 32 B"),
    *crypto_protocomm.ROWS,
]
COLUMNS = ["wss", "python-mbedtls", "cryptography", "floor"]
#: Issue 2 targets for ``wss / floor``; a row not listed has no ratio target.
RATIO_TARGETS = {
    "sha256_64": 1.5,
    "hmac_64": 1.5,
    "sha256_1m": 1.05,
    "hmac_1m": 1.05,
    "ecdh": 1.05,
    "ecdsa_verify": 1.05,
}

#: A timed cell: a statement for :class:`timeit.Timer` and the namespace it runs in.
Cell = Tuple[str, dict]
#: What a column offers for a row: a cell, or the reason why it cannot run it.
Offer = Union[Cell, str]


class Inputs:
    """The data every column works on, with the results each row must produce.

    The hash rows hash ``data[i] = i & 0xFF`` (as the floor does); keys and the signature
    are made fresh with pyca/cryptography, so a wrong result in any column is caught.
    """

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.data_1m = bytes(range(256)) * 4096
        self.data_64 = self.data_1m[:64]
        self.hmac_key = os.urandom(32)
        own, peer, signer = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
        self.own_key = own
        self.own_der = own.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.peer_spki = peer.public_key().public_bytes(*spki)
        self.verify_spki = signer.public_key().public_bytes(*spki)
        self.message = os.urandom(64)
        self.signature = signer.sign(self.message, ec.ECDSA(hashes.SHA256()))
        self.expected = {
            "sha256_64": hashlib.sha256(self.data_64).digest(),
            "sha256_1m": hashlib.sha256(self.data_1m).digest(),
            "hmac_64": hmac.new(self.hmac_key, self.data_64, "sha256").digest(),
            "hmac_1m": hmac.new(self.hmac_key, self.data_1m, "sha256").digest(),
            "ecdh": own.exchange(ec.ECDH(), peer.public_key()),
            "ecdsa_verify": True,
        }
        self.protocomm = crypto_protocomm.ProtocommInputs(self.data_1m[:1024])
        self.expected.update(self.protocomm.expected)

    def floor_args(self) -> List[str]:
        """The hex arguments of ``crypto_floor`` after TARGET_NS and REPEATS."""
        return [
            b.hex()
            for b in (self.own_der, self.peer_spki, self.verify_spki, self.message, self.signature, self.hmac_key)
        ] + self.protocomm.floor_args()

    def check(self, row: str, result: object, column: str) -> None:
        """Raise :class:`AssertionError` when ``result`` is not what ``row`` must give."""
        if row == "random_32":
            ok = isinstance(result, bytes) and len(result) == 32
        elif row == "ecdsa_verify" and column == "cryptography":
            ok = result is None  # pyca signals a valid signature by not raising
        else:
            ok = result == self.protocomm.column_expected.get((row, column), self.expected[row])
        if not ok:
            raise AssertionError(f"{column} gives a wrong result for {row}: {result!r}")


# ---- the Python columns: each returns {row: Offer} ----


def wss_cells(inp: Inputs) -> Dict[str, Offer]:
    """Our binding, called as an application would: module functions, one key object."""
    from wss import crypto

    ns = {
        "sha256": crypto.sha256,
        "hmac_sha256": crypto.hmac_sha256,
        "random_bytes": crypto.random_bytes,
        "ecdsa_verify": crypto.ecdsa_verify,
        "key": crypto.PrivateKey.from_der(inp.own_der),
        **_data_names(inp),
    }
    return {
        "sha256_64": ("sha256(d64)", ns),
        "sha256_1m": ("sha256(d1m)", ns),
        "hmac_64": ("hmac_sha256(k, d64)", ns),
        "hmac_1m": ("hmac_sha256(k, d1m)", ns),
        "ecdh": ("key.ecdh(peer)", ns),
        "ecdsa_verify": ("ecdsa_verify(spki, msg, sig)", ns),
        "random_32": ("random_bytes(32)", ns),
        **crypto_protocomm.wss_cells(inp.protocomm),
    }


def python_mbedtls_cells(inp: Inputs) -> Dict[str, Offer]:
    """python-mbedtls. Its ECDH takes the peer's raw point (TLS ClientKeyExchange form),
    so it skips the SubjectPublicKeyInfo parse the other columns do (a small head start)."""
    try:
        from mbedtls import hashlib as mhash
        from mbedtls import hmac as mhmac
        from mbedtls import pk, secrets
    except ImportError as exc:
        return _unavailable(f"python-mbedtls is not installed ({exc}); `pip install python-mbedtls` (extra `bench`)")
    ns = {
        "sha256": mhash.sha256,
        "hmac_sha256": mhmac.sha256,
        "ECC": pk.ECC,
        "token_bytes": secrets.token_bytes,
        "cke": b"\x41" + inp.peer_spki[-65:],
        **_data_names(inp),
    }
    ecdh: Offer = ("server.import_CKE(cke); server.generate_secret().to_bytes(32, 'big')", ns)
    try:  # this API changed across python-mbedtls versions
        mpk: Any = pk  # its stubs, where installed, lag its API
        ns["server"] = mpk.ECDHServer(mpk.ECC(mpk.Curve.SECP256R1, key=inp.own_der))
    except Exception as exc:
        ecdh = f"unavailable: cannot set up python-mbedtls ECDH ({exc!r})"
    return {
        "sha256_64": ("sha256(d64).digest()", ns),
        "sha256_1m": ("sha256(d1m).digest()", ns),
        "hmac_64": ("hmac_sha256(k, d64).digest()", ns),
        "hmac_1m": ("hmac_sha256(k, d1m).digest()", ns),
        "ecdh": ecdh,
        "ecdsa_verify": ("ECC.from_DER(spki).verify(msg, sig, 'sha256')", ns),
        "random_32": ("token_bytes(32)", ns),
        **crypto_protocomm.python_mbedtls_cells(inp.protocomm),
    }


def cryptography_cells(inp: Inputs) -> Dict[str, Offer]:
    """pyca/cryptography, one-shot APIs where it has them."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.hmac import HMAC
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    ns = {
        "Hash": hashes.Hash,
        "SHA256": hashes.SHA256(),
        "HMAC": HMAC,
        "ECDH": ec.ECDH(),
        "ECDSA": ec.ECDSA(hashes.SHA256()),
        "load": load_der_public_key,
        "key": inp.own_key,
        **_data_names(inp),
    }
    if hasattr(hashes.Hash, "hash"):  # one-shot since cryptography 45
        digest = "Hash.hash(SHA256, {0})"
    else:
        digest = "h = Hash(SHA256); h.update({0}); h.finalize()"
    mac = "h = HMAC(k, SHA256); h.update({0}); h.finalize()"
    return {
        "sha256_64": (digest.format("d64"), ns),
        "sha256_1m": (digest.format("d1m"), ns),
        "hmac_64": (mac.format("d64"), ns),
        "hmac_1m": (mac.format("d1m"), ns),
        "ecdh": ("key.exchange(ECDH, load(peer))", ns),
        "ecdsa_verify": ("load(spki).verify(sig, msg, ECDSA)", ns),
        "random_32": "unavailable: cryptography has no random-bytes API (it documents os.urandom)",
        **crypto_protocomm.cryptography_cells(inp.protocomm),
    }


PYTHON_COLUMNS = {"wss": wss_cells, "python-mbedtls": python_mbedtls_cells, "cryptography": cryptography_cells}


def _data_names(inp: Inputs) -> dict:
    return {
        "d64": inp.data_64,
        "d1m": inp.data_1m,
        "k": inp.hmac_key,
        "peer": inp.peer_spki,
        "spki": inp.verify_spki,
        "msg": inp.message,
        "sig": inp.signature,
    }


def _unavailable(reason: str) -> Dict[str, Offer]:
    return {row: f"unavailable: {reason}" for row, _ in ROWS}


# ---- the estimator ----

#: How many times calibration times each batch size (crypto_floor.c uses the same number).
CALIBRATION_TRIES = 3


def _grow(n: int, elapsed_ns: float, target_ns: int) -> int:
    """Next batch size while calibrating (crypto_floor.c grows its batches the same way)."""
    wanted = int(n * target_ns * 1.2 / elapsed_ns) if elapsed_ns > 0 else n * 100
    return min(100 * n, max(2 * n, wanted))


def calibrate(timer: timeit.Timer, target_ns: int) -> int:
    """The smallest batch size (grown as :func:`_grow` says) whose batch lasts ``target_ns``.

    Each size is timed :data:`CALIBRATION_TRIES` times and the quickest counts, so that one
    preemption by another process does not stop the growth early.
    """
    n = 1
    while True:
        elapsed = min(timer.repeat(CALIBRATION_TRIES, n))
        if elapsed >= target_ns:
            return n
        n = _grow(n, elapsed, target_ns)


class PythonCell:
    """A Python column's cell as a :class:`wss.bench.rhythm.Subject`: samples are ns/op of
    one batch; the batch size is calibrated on first use."""

    def __init__(self, timer: timeit.Timer, target_ns: int) -> None:
        self.timer, self.target_ns, self.batch = timer, target_ns, 0

    def measure(self, warmup: int, count: int) -> List[Sample]:
        if not self.batch:
            self.batch = calibrate(self.timer, self.target_ns)
        for _ in range(warmup):
            self.timer.timeit(self.batch)
        samples = []
        for _ in range(count):
            cpu = time.process_time_ns()
            wall = self.timer.timeit(self.batch)
            samples.append(Sample(wall / self.batch, (time.process_time_ns() - cpu) / self.batch))
        return samples


class FloorCell:
    """The floor's cell: one run of ``crypto_floor`` per sample set (it does its own one
    untimed batch before the timed ones: the rhythm's warm-up of 1)."""

    def __init__(self, exe: Path, inp: Inputs, row: str, target_ns: int) -> None:
        self.exe, self.inp, self.row, self.target_ns, self.batch = exe, inp, row, target_ns, 0
        self.version: Optional[str] = None

    def measure(self, warmup: int, count: int) -> List[Sample]:
        if warmup != 1:
            raise ValueError("crypto_floor always makes exactly one warm-up batch")
        res = run_floor(self.exe, self.inp, self.row, self.target_ns, count, self.batch)
        self.version = res["mbedtls"]
        self.batch = res["rows"][self.row]["batch"]
        found = res["rows"][self.row]
        return [Sample(wall, cpu) for wall, cpu in zip(found["ns_per_op"], found["cpu_ns_per_op"])]


# ---- the C floor ----


def run_floor(exe: Path, inp: Inputs, row: str, target_ns: int, repeats: int, batch: int) -> dict:
    """One run of the floor program for ``row`` (or "all"), calibrating when ``batch`` is 0.

    Returns:
        ``{"mbedtls": version, "rows": {row: {"batch", "ns_per_op": [...], "check"}}}``.
    Raises:
        RuntimeError: the floor failed; AssertionError: it gave a wrong result.
    """
    cmd = [str(exe), row, str(target_ns), str(repeats), str(batch)] + inp.floor_args()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=FLOOR_TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"crypto_floor failed ({proc.returncode}): {proc.stderr.strip()}")
    out = json.loads(proc.stdout)
    for name, res in out["rows"].items():
        got = bytes.fromhex(res["check"])
        inp.check(name, got == b"\x01" if name == "ecdsa_verify" else got, "floor")
    return out


# ---- one run ----

#: Every column and round: one untimed batch before the timed ones.
WARMUP_BATCHES = 1


def run(target_ns: int = 20_000_000, rounds: int = 7, repeats: int = 3, max_rounds: Optional[int] = None) -> dict:
    """Measure every row in every column; the result is what ``wss bench`` prints and saves.

    Args:
        target_ns: the least duration of one timed batch, in nanoseconds.
        rounds: how many times the columns are measured in turn.
        repeats: how many timed batches each column does per round.
        max_rounds: a row whose verdict is inconclusive after ``rounds`` gets more rounds,
            up to this many (default ``2 * rounds``).
    Returns:
        A JSON-ready dict: ``meta`` (machine, versions, load, estimator) and ``rows``:
        ``{row: {"label", "columns": {column: summary or {"unavailable": reason}},
        "ratio_to_floor": {column: float}, "verdicts": {...}, "rounds": n}}``.
    Raises:
        SuiteUnavailable: pyca/cryptography (the reference results) is not installed.
    """
    from .common import SuiteUnavailable

    max_rounds = max(rounds, max_rounds if max_rounds is not None else 2 * rounds)
    load_start = machine.loadavg()
    try:
        inp = Inputs()
    except ImportError as exc:
        raise SuiteUnavailable(
            f"needs pyca/cryptography for its reference results ({exc}): pip install 'wss-provisionee[tools]'"
        ) from None
    offers = {col: make(inp) for col, make in PYTHON_COLUMNS.items()}
    timers = _checked_timers(inp, offers)
    try:
        exe: Optional[Path] = floors.locate("crypto_floor")
        floor_reason = ""
    except floors.FloorUnavailable as exc:
        exe, floor_reason = None, str(exc)
    subjects: Dict[str, Dict[str, object]] = {}
    for row, _ in ROWS:
        subjects[row] = {col: PythonCell(timers[row, col], target_ns) for col in PYTHON_COLUMNS if (row, col) in timers}
        if exe is not None:
            subjects[row]["floor"] = FloorCell(exe, inp, row, target_ns)
    taken: Dict[str, Dict[str, list]] = {row: {col: [] for col in subjects[row]} for row, _ in ROWS}
    for _ in range(rounds):
        for row, _ in ROWS:  # row by row, so that a burst of load hits all columns
            interleave(subjects[row], 1, repeats, WARMUP_BATCHES, into=taken[row])  # type: ignore[arg-type]
    verdicts = {}
    for row, _ in ROWS:

        def one_more(row: str = row) -> None:
            interleave(subjects[row], 1, repeats, WARMUP_BATCHES, into=taken[row])  # type: ignore[arg-type]

        verdicts[row] = _decide_row(row, taken[row], one_more, max_rounds)
    offers["floor"] = _unavailable(floor_reason) if exe is None else {}
    floor_version = next(
        (c.version for s in subjects.values() for c in s.values() if isinstance(c, FloorCell) and c.version), None
    )
    meta = _meta(load_start, floor_version, target_ns, rounds, repeats, max_rounds)
    return {"meta": meta, "rows": _rows(offers, taken, verdicts, subjects)}


def _per_round(taken: Dict[str, list], ours: str, ref: str) -> List[float]:
    """Per round: min CPU ns/op of ``ours`` / min CPU ns/op of ``ref`` (CPU time: a batch
    preempted by another process keeps its CPU time, so the ratio survives a loaded machine)."""
    if ours not in taken or ref not in taken:
        return []
    return [min(s.cpu for s in a) / min(s.cpu for s in b) for a, b in zip(taken[ours], taken[ref]) if a and b]


#: The references wss is judged against on a row: (column, limit).
def _targets(row: str) -> List[Tuple[str, float]]:
    out = [("floor", RATIO_TARGETS[row])] if row in RATIO_TARGETS else []
    return out + [("python-mbedtls", 1.0)]


def _decide_row(row: str, taken: Dict[str, list], one_more, max_rounds: int) -> Dict[str, Verdict]:
    """The row's verdicts, with more rounds (up to ``max_rounds``) while one is inconclusive."""
    while True:
        verdicts = {
            ref: decide(ratios, limit) for ref, limit in _targets(row) if (ratios := _per_round(taken, "wss", ref))
        }
        rounds_done = len(taken.get("wss", []))
        if all(v.status != "inconclusive" for v in verdicts.values()) or rounds_done >= max_rounds:
            return verdicts
        one_more()


def _checked_timers(inp: Inputs, offers: Dict[str, Dict[str, Offer]]) -> dict:
    """A timer for every cell whose result is right; a peer's wrong cell becomes unavailable.

    Raises:
        AssertionError: a ``wss`` cell gives a wrong result (our binding must work).
    """
    timers = {}
    for col, cells in offers.items():
        for row, offer in cells.items():
            if isinstance(offer, str):
                continue
            try:
                inp.check(row, _result(*offer), col)
            except Exception as exc:
                if col == "wss":
                    raise
                cells[row] = f"unavailable: fails its result check ({exc!r})"
                continue
            timers[row, col] = timeit.Timer(offer[0], globals=offer[1], timer=time.perf_counter_ns)
    return timers


def _result(stmt: str, ns: dict) -> object:
    """Run a cell's statement once; return the value of its last expression."""
    *body, last = ast.parse(stmt).body
    scope = dict(ns)
    exec(compile(ast.Module(body=body, type_ignores=[]), "<cell>", "exec"), scope)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), scope)  # type: ignore[attr-defined]


def _summary(rounds: list, batch: int) -> dict:
    samples = [s.wall for r in rounds for s in r]
    return {
        "ns_per_op": min(samples),
        "median_ns_per_op": statistics.median(samples),
        "cpu_ns_per_op": min(s.cpu for r in rounds for s in r),
        "batches": len(samples),
        "batch_size": batch,
    }


def _rows(
    offers: Dict[str, Dict[str, Offer]], taken: Dict[str, Dict[str, list]], verdicts: dict, subjects: dict
) -> dict:
    rows = {}
    for row, label in ROWS:
        cols: Dict[str, Dict[str, Any]] = {}
        for col in COLUMNS:
            offer = offers[col].get(row)  # the floor offers nothing when it runs
            if isinstance(offer, str):
                cols[col] = {"unavailable": offer[len("unavailable: ") :]}
            else:
                cols[col] = _summary(taken[row][col], subjects[row][col].batch)
        floor = cols["floor"].get("ns_per_op")
        ratios = {
            col: c["ns_per_op"] / floor for col, c in cols.items() if floor and "ns_per_op" in c and col != "floor"
        }
        cpu_floor = cols["floor"].get("cpu_ns_per_op")
        cpu_ratios = {
            col: c["cpu_ns_per_op"] / cpu_floor
            for col, c in cols.items()
            if cpu_floor and "cpu_ns_per_op" in c and col != "floor"
        }
        rows[row] = {
            "label": label,
            "columns": cols,
            "ratio_to_floor": ratios,
            "cpu_ratio_to_floor": cpu_ratios,
            "ratio_target": RATIO_TARGETS.get(row),
            "rounds": len(taken[row].get("wss", [])),
            "verdicts": {ref: v.as_dict() for ref, v in verdicts[row].items()},
        }
    return rows


def _meta(load_start, floor_version, target_ns: int, rounds: int, repeats: int, max_rounds: int) -> dict:
    from .common import peer_versions

    return {
        "suite": "crypto",
        "machine": machine.describe(),
        "loadavg_start": load_start,
        "loadavg_end": machine.loadavg(),
        "estimator": {
            "statistic": "min ns/op (wall) over all batches; verdicts on per-round ratios of min CPU ns/op",
            "target_batch_ns": target_ns,
            "rounds": rounds,
            "max_rounds": max_rounds,
            "repeats_per_round": repeats,
            "warmup_batches_per_round": WARMUP_BATCHES,
            "clock": "wall: time.perf_counter_ns / CLOCK_MONOTONIC; "
            "CPU: time.process_time_ns / CLOCK_PROCESS_CPUTIME_ID",
        },
        "versions": {"wss_mbedtls": floors.core_mbedtls(), "floor_mbedtls": floor_version, **peer_versions()},
    }


# ---- the table ----

HEADINGS = {"wss": "wss", "python-mbedtls": "python-mbedtls", "cryptography": "cryptography", "floor": "C floor"}


def _cell_text(row: dict, col: str) -> str:
    from .common import format_ns

    cell = row["columns"][col]
    if "unavailable" in cell:
        return "unavailable"
    text = format_ns(cell["cpu_ns_per_op"])
    ratio = row["cpu_ratio_to_floor"].get(col)
    return f"{text} ({ratio:.2f}x)" if ratio is not None else text


def _verdict_text(row: dict) -> str:
    """Whether wss meets its targets on this row (judged on the per-round ratios)."""
    parts = []
    for ref, v in row["verdicts"].items():
        verdict = Verdict(
            v["status"], v["median"], tuple(v["interval"]) if v["interval"] else None, v["rounds"], v["limit"]
        )
        if ref == "floor":
            parts.append("floor: " + verdict.text())
        else:
            parts.append("python-mbedtls: " + verdict.text("faster", "SLOWER"))
    return "; ".join(parts) or "no target (no peer to judge against)"


def format_table(result: dict) -> str:
    """The result of :func:`run` as a plain-text table with a header and the verdicts."""
    from .common import header_lines, render

    meta = result["meta"]
    est = meta["estimator"]
    lines = header_lines(
        "wss crypto benchmark: CPU ns/op (min over batches of >= "
        f"{est['target_batch_ns'] / 1e6:g} ms, {est['repeats_per_round']} per round after one untimed batch,"
        f" columns interleaved) and (ratio to the C floor)",
        meta,
    )
    head = ["operation"] + [HEADINGS[c] for c in COLUMNS] + ["rounds"]
    body = [
        [row["label"]] + [_cell_text(row, c) for c in COLUMNS] + [str(row["rounds"])] for row in result["rows"].values()
    ]
    lines += render([head] + body)
    lines += ["", "wss targets (per-round ratios of CPU ns/op; a verdict only when the spread allows it):"]
    lines += [f"  {row['label']}: {_verdict_text(row)}" for row in result["rows"].values()]
    notes = sorted(
        {
            f"{HEADINGS[c]}: {cell['unavailable']}"
            for row in result["rows"].values()
            for c, cell in row["columns"].items()
            if "unavailable" in cell
        }
    )
    lines += [""] + [f"unavailable — {n}" for n in notes] if notes else []
    return "\n".join(lines)
