"""Crypto benchmark: wss.crypto against python-mbedtls, pyca/cryptography and a C floor.

Every row is one operation (the rows of ESP-IDF protocomm security 1 and 2 come from
``crypto_protocomm.py``), timed in one process and one run for each column:

* ``wss`` — our binding (:mod:`wss.crypto`, cffi over the system mbedTLS);
* ``python-mbedtls`` — the Cython binding from PyPI (it bundles its own mbedTLS build);
* ``cryptography`` — pyca/cryptography (OpenSSL);
* ``floor`` — ``c/crypto_floor.c``, compiled here with ``cc -O2`` against the same system
  mbedTLS as our binding, doing per op exactly the work of the matching ``wss_*`` C
  function. ``binding / floor`` is therefore the cost of the Python layer.

Estimator (the same for every column, the floor included): grow the batch size until one
batch lasts ``target_ns``, then time ``repeats`` batches in each of ``rounds`` rounds;
ns/op is the minimum over all batches (the median is kept in the JSON too). Each round
goes row by row through all columns, so that a change of machine load hits them alike.

Source: issue 2 "Benchmark"; estimator as in the standard library's ``timeit`` (min of
repeats, timed batches, garbage collector off).
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import os
import platform
import shlex
import statistics
import subprocess
import tempfile
import time
import timeit
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import crypto_protocomm

HERE = Path(__file__).resolve().parent
#: The floor program: its main file, the file of the protocomm rows, and the security 1
#: session of bench_softap.py.
FLOOR_SOURCES = [
    HERE / "c" / "crypto_floor.c",
    HERE / "c" / "crypto_floor_protocomm.c",
    HERE / "c" / "crypto_floor_softap.c",
]

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
        ns["server"] = pk.ECDHServer(pk.ECC(pk.Curve.SECP256R1, key=inp.own_der))
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


def _grow(n: int, elapsed_ns: int, target_ns: int) -> int:
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


class Series:
    """The ns/op samples of one cell, and the batch size they were taken with."""

    def __init__(self) -> None:
        self.batch = 0
        self.samples: List[float] = []

    def summary(self) -> dict:
        return {
            "ns_per_op": min(self.samples),
            "median_ns_per_op": statistics.median(self.samples),
            "batches": len(self.samples),
            "batch_size": self.batch,
        }


# ---- the C floor ----


def _mbedtls_flags() -> List[str]:
    root = os.environ.get("MBEDTLS_ROOT")
    flags: List[str] = []
    if root:
        flags.append(f"-I{Path(root) / 'include'}")
        for libdir in (Path(root) / "lib", Path(root) / "lib64"):
            if libdir.is_dir():
                flags += [f"-L{libdir}", f"-Wl,-rpath,{libdir}"]
    return flags + ["-lmbedtls", "-lmbedx509", "-lmbedcrypto", "-pthread"]


def build_floor(workdir: Path) -> Tuple[Optional[Path], str]:
    """Compile ``crypto_floor.c`` (with its protocomm rows); return (executable, "") or (None, why it failed)."""
    exe = workdir / "crypto_floor"
    cmd = shlex.split(os.environ.get("CC", "cc")) + ["-O2", "-o", str(exe)] + [str(f) for f in FLOOR_SOURCES]
    cmd += _mbedtls_flags()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except OSError as exc:
        return None, f"cannot run the C compiler ({exc}); install build-essential"
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["no message"])[0]
        return None, f"cannot compile crypto_floor.c against mbedTLS: {first}"
    return exe, ""


def run_floor(exe: Path, inp: Inputs, row: str, target_ns: int, repeats: int, batch: int) -> dict:
    """One run of the floor program for ``row`` (or "all"), calibrating when ``batch`` is 0.

    Returns:
        ``{"mbedtls": version, "rows": {row: {"batch", "ns_per_op": [...], "check"}}}``.
    """
    cmd = [str(exe), row, str(target_ns), str(repeats), str(batch)] + inp.floor_args()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"crypto_floor failed ({proc.returncode}): {proc.stderr.strip()}")
    out = json.loads(proc.stdout)
    for name, res in out["rows"].items():
        got = bytes.fromhex(res["check"])
        inp.check(name, got == b"\x01" if name == "ecdsa_verify" else got, "floor")
    return out


# ---- one run ----


def run(target_ns: int = 20_000_000, rounds: int = 7, repeats: int = 3) -> dict:
    """Measure every row in every column; the result is what ``run.py`` prints and saves.

    Args:
        target_ns: the least duration of one timed batch, in nanoseconds.
        rounds: how many times the columns are measured in turn.
        repeats: how many timed batches each column does per round.
    Returns:
        A JSON-ready dict: ``meta`` (versions, load, estimator) and ``rows``:
        ``{row: {"label", "columns": {column: summary or {"unavailable": reason}},
        "ratio_to_floor": {column: float}}}``.
    """
    load_start = os.getloadavg()
    inp = Inputs()
    offers = {col: make(inp) for col, make in PYTHON_COLUMNS.items()}
    timers = _checked_timers(inp, offers)
    series = {(row, col): Series() for row, _ in ROWS for col in COLUMNS}
    floor_version = None
    with tempfile.TemporaryDirectory(prefix="wss-bench-") as tmp:
        exe, floor_reason = build_floor(Path(tmp))
        for _ in range(rounds):
            for row, _ in ROWS:  # row by row, so that a burst of load hits all columns
                if exe is not None:
                    s = series[row, "floor"]
                    res = run_floor(exe, inp, row, target_ns, repeats, s.batch)
                    floor_version = res["mbedtls"]
                    s.batch = res["rows"][row]["batch"]
                    s.samples += res["rows"][row]["ns_per_op"]
                for col in PYTHON_COLUMNS:
                    timer = timers.get((row, col))
                    if timer is not None:
                        s = series[row, col]
                        if not s.batch:
                            s.batch = calibrate(timer, target_ns)
                        s.samples += [t / s.batch for t in timer.repeat(repeats, s.batch)]
    offers["floor"] = _unavailable(floor_reason) if exe is None else {}
    return {"meta": _meta(load_start, floor_version, target_ns, rounds, repeats), "rows": _rows(offers, series)}


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
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), scope)


def _rows(offers: Dict[str, Dict[str, Offer]], series: Dict[Tuple[str, str], Series]) -> dict:
    rows = {}
    for row, label in ROWS:
        cols = {}
        for col in COLUMNS:
            offer = offers[col].get(row)  # the floor offers nothing when it runs
            if isinstance(offer, str):
                cols[col] = {"unavailable": offer[len("unavailable: ") :]}
            else:
                cols[col] = series[row, col].summary()
        floor = cols["floor"].get("ns_per_op")
        ratios = {
            col: c["ns_per_op"] / floor for col, c in cols.items() if floor and "ns_per_op" in c and col != "floor"
        }
        rows[row] = {"label": label, "columns": cols, "ratio_to_floor": ratios, "ratio_target": RATIO_TARGETS.get(row)}
    return rows


def _meta(load_start, floor_version, target_ns: int, rounds: int, repeats: int) -> dict:
    from wss import _binding

    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": list(load_start),
        "loadavg_end": list(os.getloadavg()),
        "estimator": {
            "statistic": "min ns/op over all batches",
            "target_batch_ns": target_ns,
            "rounds": rounds,
            "repeats_per_round": repeats,
            "clock": "time.perf_counter_ns / CLOCK_MONOTONIC",
        },
        "versions": {"wss_mbedtls": _binding.MBEDTLS_VERSION, "floor_mbedtls": floor_version},
    }
    try:
        from cryptography import __version__ as pyca
        from cryptography.hazmat.backends.openssl.backend import backend

        meta["versions"]["cryptography"] = f"{pyca} ({backend.openssl_version_text()})"
    except ImportError:  # pragma: no cover - cryptography is a dependency of wss
        pass
    try:
        from mbedtls import __version__ as pym
        from mbedtls import version as pym_lib

        meta["versions"]["python-mbedtls"] = f"{pym} (bundles {pym_lib.version})"
    except ImportError:
        meta["versions"]["python-mbedtls"] = None
    return meta
