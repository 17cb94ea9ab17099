"""Mutual-TLS benchmark: handshake and 1 MiB transfer on loopback, wall and CPU time; peak heap.

Columns: wss over a socket (all TLS I/O in C), wss over the Python callback transport
(``SocketTransport`` on a TCP socket: one Python call per send/recv), python-mbedtls,
Python ``ssl`` (OpenSSL), and the floor ``tls_floor`` (``benchmarks/c/tls_floor.c``:
mbedTLS called directly from C, built with the core against the same mbedTLS).

Peer: ``openssl s_server`` in its own process, requiring and verifying the client chain
(``-Verify 5 -verify_return_error``), one cipher suite for everybody
(ECDHE-ECDSA-AES128-GCM-SHA256), no session tickets, serving the transfer file with
``-WWW``. PKI: :func:`wss.mfg.dev_pki.create_dev_pki` (4-certificate DHA-shaped chain).

Rhythm (:mod:`wss.bench.rhythm`): in every round each column, in an order rotated each
round, makes one untimed handshake and then its timed ones, then likewise its transfers.
The floor program stays running between its turns and gets the same warm-up, so it pays
no cold start the others do not. Each sample has wall time and the client's CPU time.
Verdicts (:mod:`wss.bench.verdict`) judge the per-round ratio of medians, wss socket /
floor (target <= 1.05, wall and CPU) and wss socket / python-mbedtls (faster).

Heap: Debian's mbedTLS lacks ``MBEDTLS_PLATFORM_MEMORY``, so ``tls_heap`` links the core
with the static mbedTLS archives and ``-Wl,--wrap=calloc,--wrap=free`` to count every
allocation of one handshake. Where valgrind exists, massif's peak for one handshake of
the floor program is reported beside it. The guide recommends 64 KB of heap for a
provisionee. Source: issue 3 "Benchmark", issue 17.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import floors, machine
from .rhythm import Rounds, Sample, flatten, interleave, round_ratios
from .tls_clients import Endpoint, PythonMbedTLSClient, SSLClient, WssClient
from .verdict import INCONCLUSIVE, Verdict, decide

CIPHER = "ECDHE-ECDSA-AES128-GCM-SHA256"
GUIDE_HEAP_BYTES = 64 * 1024
COLUMNS = ["wss socket", "wss callback", "python-mbedtls", "Python ssl", "C floor"]
TARGET_RATIO = 1.05
#: Deadlines, seconds: the server's start, one floor answer (a board under emulation is slow).
SERVER_START_S, FLOOR_ANSWER_S = 10.0, 120.0


# ---- peer, PKI, floor ----------------------------------------------------------------------


def make_endpoint(work: Path) -> Tuple[Endpoint, dict]:
    """A dev PKI; returns (Endpoint for the clients, server files dict)."""
    from wss.mfg.dev_pki import DSS_HOST, create_dev_pki

    pki = create_dev_pki(work / "pki")
    ep = Endpoint("127.0.0.1", 0, DSS_HOST, pki.dss_ca, pki.device.certificate, pki.device.private_key)
    return ep, {"cert": pki.dss_certificate, "key": pki.dss_private_key, "client_ca": pki.dha_root}


class OpenSSLServer:
    """``openssl s_server -WWW`` on 127.0.0.1, verifying client chains."""

    def __init__(self, files: dict, www: Path) -> None:
        probe = socket.create_server(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        cmd = ["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}", "-cert", str(files["cert"])]
        cmd += ["-key", str(files["key"]), "-Verify", "5", "-verify_return_error", "-CAfile", str(files["client_ca"])]
        cmd += ["-WWW", "-quiet", "-no_ticket", "-cipher", CIPHER, "-tls1_2"]
        self.proc = subprocess.Popen(
            cmd, cwd=www, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.close()
        raise RuntimeError("openssl s_server did not start")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class FloorProcess:
    """``tls_floor`` kept running; each command is one sample: (wall ms, CPU ms[, bytes])."""

    def __init__(self, exe: Path, ep: Endpoint) -> None:
        self.proc = subprocess.Popen(
            [str(exe), ep.host, str(ep.port), ep.name, str(ep.ca), str(ep.chain), str(ep.key)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, command: str) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = _readline(self.proc, FLOOR_ANSWER_S)
        if not line:
            raise RuntimeError(f"tls_floor stopped (exit {self.proc.wait()})")
        return json.loads(line)

    def handshake(self) -> Tuple[float, float]:
        out = self._ask("handshake")
        return out["ms"], out["cpu_ms"]

    def transfer(self, path: str) -> Tuple[float, float, int]:
        out = self._ask(f"transfer {path}")
        return out["ms"], out["cpu_ms"], out["bytes"]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _readline(proc: subprocess.Popen, timeout_s: float) -> str:
    """One line of ``proc``'s stdout within ``timeout_s`` (the floor is killed after that)."""
    import selectors

    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout_s):
            proc.kill()
            raise RuntimeError(f"tls_floor did not answer within {timeout_s:g} s")
    return proc.stdout.readline()


# ---- columns as subjects --------------------------------------------------------------------


class Handshakes:
    """A client's handshakes as a :class:`wss.bench.rhythm.Subject` (ms)."""

    def __init__(self, client) -> None:
        self.client = client

    def measure(self, warmup: int, count: int) -> List[Sample]:
        for _ in range(warmup):
            self.client.handshake()
        return [Sample(*self.client.handshake()) for _ in range(count)]


class Transfers:
    """A client's transfers of ``path`` (at least ``size`` bytes each) as a subject (ms)."""

    def __init__(self, name: str, client, path: str, size: int) -> None:
        self.name, self.client, self.path, self.size = name, client, path, size

    def _one(self) -> Sample:
        wall, cpu, got = self.client.transfer(self.path)
        if got < self.size:
            raise RuntimeError(f"{self.name}: transfer returned {got} bytes, expected >= {self.size}")
        return Sample(wall, cpu)

    def measure(self, warmup: int, count: int) -> List[Sample]:
        for _ in range(warmup):
            self._one()
        return [self._one() for _ in range(count)]


def make_clients(ep: Endpoint) -> Tuple[Dict[str, object], Dict[str, str]]:
    """The live clients by column, and why the others are missing."""
    live: Dict[str, object] = {"wss socket": WssClient(ep, False), "wss callback": WssClient(ep, True)}
    missing: Dict[str, str] = {}
    try:
        client = PythonMbedTLSClient(ep)
        client.handshake()  # can it do mutual TLS against this server?
        live["python-mbedtls"] = client
    except ImportError:
        missing["python-mbedtls"] = "not installed (pip install python-mbedtls, or the `bench` extra)"
    except Exception as exc:
        missing["python-mbedtls"] = f"mutual TLS failed ({exc!r})"
    live["Python ssl"] = SSLClient(ep)
    try:
        live["C floor"] = FloorProcess(floors.locate("tls_floor"), ep)
    except floors.FloorUnavailable as exc:
        missing["C floor"] = str(exc)
    return {c: live[c] for c in COLUMNS if c in live}, missing


# ---- statistics and verdicts ----------------------------------------------------------------


def column_stats(rounds: List[List[Sample]]) -> dict:
    """Summary of one column's samples (ms): wall and CPU medians, wall spread."""
    import statistics

    wall, cpu = flatten(rounds, "wall"), flatten(rounds, "cpu")
    s = sorted(wall)
    return {
        "median_ms": statistics.median(s),
        "min_ms": s[0],
        "max_ms": s[-1],
        "p90_ms": s[min(len(s) - 1, int(len(s) * 0.9))],
        "cpu_median_ms": statistics.median(cpu) if cpu else None,
        "n": len(s),
        "rounds": len(rounds),
        "samples_ms": wall,
        "cpu_samples_ms": cpu,
    }


#: (reference column, measurement, clock, limit, words for ok/missed)
TARGETS = [
    ("C floor", "handshake", "wall", TARGET_RATIO, ("ok", "MISSED")),
    ("C floor", "handshake", "cpu", TARGET_RATIO, ("ok", "MISSED")),
    ("C floor", "transfer", "wall", TARGET_RATIO, ("ok", "MISSED")),
    ("C floor", "transfer", "cpu", TARGET_RATIO, ("ok", "MISSED")),
    ("python-mbedtls", "handshake", "wall", 1.0, ("faster", "SLOWER")),
    ("python-mbedtls", "transfer", "wall", 1.0, ("faster", "SLOWER")),
]


def judge(taken: Dict[str, Rounds]) -> Dict[str, Verdict]:
    """The wss socket transport's verdicts on per-round paired ratios of medians."""
    out = {}
    ours = "wss socket"
    for ref, what, clock, limit, _ in TARGETS:
        if ref in taken[what] and ours in taken[what]:
            ratios = round_ratios(taken[what][ours], taken[what][ref], clock)
            out[f"{what} {clock} / {ref}"] = decide(ratios, limit)
    return out


# ---- heap -----------------------------------------------------------------------------------


def measure_heap(
    ep: Endpoint, massif: bool, key_args: Optional[List[str]] = None, env: Optional[Dict[str, str]] = None
) -> dict:
    """The core's heap during one handshake (``tls_heap``); ``key_args`` replace the key
    file ``ep.key`` (``["--pkcs11", MODULE, TOKEN, LABEL]``: a token key, its PIN in
    ``env["WSS_TLS_HEAP_PIN"]``); ``env``: the floor's environment (default this one's).
    ``massif`` (valgrind on ``tls_floor``, which takes a key file) applies to the key file only."""
    args = [ep.host, str(ep.port), ep.name, str(ep.ca), str(ep.chain), str(ep.key)]
    result: dict = {"guide_recommendation_bytes": GUIDE_HEAP_BYTES}
    try:
        heap = floors.locate("tls_heap")
        cmd = [str(heap)] + args[:-1] + (key_args or args[-1:])
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=FLOOR_ANSWER_S, env=env)
        result["wss_core_counting_allocator"] = (
            json.loads(proc.stdout) if proc.returncode == 0 else {"unavailable": proc.stderr.strip()}
        )
    except floors.FloorUnavailable as exc:
        result["wss_core_counting_allocator"] = {"unavailable": str(exc)}
    if massif and key_args is None and shutil.which("valgrind"):
        try:
            floor = floors.locate("tls_floor")
        except floors.FloorUnavailable:
            return result
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "massif.out"
            proc = subprocess.run(
                ["valgrind", "--tool=massif", f"--massif-out-file={out}", str(floor)] + args,
                input="handshake\n",
                capture_output=True,
                text=True,
                timeout=300,
            )
            heaps = []
            if proc.returncode == 0 and out.exists():
                text = out.read_text()
                heaps = [int(a) + int(b) for a, b in re.findall(r"mem_heap_B=(\d+)\nmem_heap_extra_B=(\d+)", text)]
            result["floor_massif_peak_bytes"] = max(heaps) if heaps else None
    return result


# ---- one run --------------------------------------------------------------------------------


def run(
    rounds: int = 10,
    handshakes_per_round: int = 20,
    transfers_per_round: int = 5,
    size: int = 1 << 20,
    massif: bool = True,
    max_rounds: Optional[int] = None,
) -> dict:
    """Measure every column; the result is what ``wss bench`` prints and saves.

    Args:
        rounds: rounds over all columns (more, up to ``max_rounds``, default ``2 * rounds``,
            while a verdict is inconclusive).
        handshakes_per_round, transfers_per_round: timed samples per column and round.
        size: the transfer's size, bytes.
        massif: cross-check the heap with valgrind massif where valgrind exists.
    Raises:
        SuiteUnavailable: no openssl CLI (the server) or no pyca/cryptography (the PKI).
    """
    from .common import SuiteUnavailable, peer_versions

    if shutil.which("openssl") is None:
        raise SuiteUnavailable("needs the openssl CLI as its server (Debian: apt-get install openssl)")
    max_rounds = max(rounds, max_rounds if max_rounds is not None else 2 * rounds)
    load_start = machine.loadavg()
    with tempfile.TemporaryDirectory(prefix="wss-bench-tls-") as tmp:
        work = Path(tmp)
        try:
            ep, files = make_endpoint(work)
        except ImportError as exc:
            raise SuiteUnavailable(
                f"needs pyca/cryptography for its PKI ({exc}): pip install 'wss-provisionee[tools]'"
            ) from None
        www = work / "www"
        www.mkdir()
        (www / "blob").write_bytes(os.urandom(size))
        server = OpenSSLServer(files, www)
        live: Dict[str, object] = {}
        try:
            ep.port = server.port
            live, missing = make_clients(ep)
            subjects = {
                "handshake": {name: Handshakes(c) for name, c in live.items()},
                "transfer": {name: Transfers(name, c, "/blob", size) for name, c in live.items()},
            }
            taken: Dict[str, Rounds] = {"handshake": {n: [] for n in live}, "transfer": {n: [] for n in live}}

            def one_round() -> None:
                interleave(subjects["handshake"], 1, handshakes_per_round, 1, into=taken["handshake"])  # type: ignore[arg-type]
                interleave(subjects["transfer"], 1, transfers_per_round, 1, into=taken["transfer"])  # type: ignore[arg-type]

            for _ in range(rounds):
                one_round()
            verdicts = judge(taken)
            while (
                any(v.status == INCONCLUSIVE for v in verdicts.values())
                and len(taken["handshake"]["wss socket"]) < max_rounds
            ):
                one_round()
                verdicts = judge(taken)
            heap = measure_heap(ep, massif)
        finally:
            floor = live.get("C floor")
            if isinstance(floor, FloorProcess):
                floor.close()
            server.close()
    columns = {
        name: {"unavailable": missing[name]}
        if name in missing
        else {"handshake": column_stats(taken["handshake"][name]), "transfer": column_stats(taken["transfer"][name])}
        for name in COLUMNS
    }
    meta = {
        "suite": "tls",
        "machine": machine.describe(),
        "loadavg_start": load_start,
        "loadavg_end": machine.loadavg(),
        "rounds": len(taken["handshake"]["wss socket"]),
        "handshakes_per_round": handshakes_per_round,
        "transfers_per_round": transfers_per_round,
        "transfer_bytes": size,
        "server": f"openssl s_server, {CIPHER}, client chain verified",
        "cipher_suite": CIPHER,
        "statistic": "median; rounds interleave the columns with one untimed operation each; "
        "verdicts on per-round ratios of medians",
        "versions": {"wss_mbedtls": floors.core_mbedtls(), **_floor_version(), **peer_versions()},
    }
    return {
        "meta": meta,
        "columns": columns,
        "heap": heap,
        "verdicts": {k: v.as_dict() for k, v in verdicts.items()},
    }


def _floor_version() -> Dict[str, str]:
    return {"floor_mbedtls": floors.versions_report()["tls_floor"]}


# ---- report ---------------------------------------------------------------------------------


def _cell(col: dict, what: str, floor: dict) -> str:
    if "unavailable" in col:
        return "unavailable"
    med, cpu = col[what]["median_ms"], col[what]["cpu_median_ms"]
    ref = floor.get(what, {}).get("median_ms") if "unavailable" not in floor else None
    text = f"{med:.2f} ms ({med / ref:.2f}x)" if ref else f"{med:.2f} ms"
    return text + (f", CPU {cpu:.2f}" if cpu is not None else "")


def format_table(result: dict) -> str:
    from .common import header_lines, render

    meta, cols = result["meta"], result["columns"]
    floor = cols["C floor"]
    size = meta["transfer_bytes"]
    lines = header_lines(
        f"wss mutual-TLS benchmark (loopback, {meta['server']}); median wall (ratio to the C floor), "
        "median client CPU, ms",
        meta,
    )
    n_hs = meta["rounds"] * meta["handshakes_per_round"]
    n_tr = meta["rounds"] * meta["transfers_per_round"]
    rows = [["column", f"handshake (n={n_hs})", f"{size // 1024} KiB transfer (n={n_tr})"]]
    rows += [[name, _cell(c, "handshake", floor), _cell(c, "transfer", floor)] for name, c in cols.items()]
    lines += render(rows)
    lines += ["", "wss socket transport targets (per-round paired ratios of medians):"]
    words = {f"{what} {clock} / {ref}": w for ref, what, clock, _, w in TARGETS}
    for key, v in result["verdicts"].items():
        verdict = Verdict(
            v["status"], v["median"], tuple(v["interval"]) if v["interval"] else None, v["rounds"], v["limit"]
        )
        lines.append(f"  {key}: {verdict.text(*words[key])}")
    notes = [f"{name}: {c['unavailable']}" for name, c in cols.items() if "unavailable" in c]
    lines += [""] + [f"unavailable — {n}" for n in notes] if notes else []
    heap = result["heap"]
    counted = heap["wss_core_counting_allocator"]
    lines.append("")
    if "unavailable" in counted:
        lines.append(f"heap (wss C core, one handshake): {counted['unavailable']}")
    else:
        lines.append(
            f"heap (wss C core, one handshake, counting calloc/free): peak "
            f"{counted['handshake_peak_bytes']} B = config+key {counted['config_and_key_bytes']} B "
            f"+ connection {counted['handshake_peak_above_config_bytes']} B; "
            f"{counted['connection_bytes_after_handshake']} B held after the handshake; "
            f"guide recommends {GUIDE_HEAP_BYTES} B "
            f"({'within' if counted['handshake_peak_bytes'] <= GUIDE_HEAP_BYTES else 'ABOVE'})"
        )
    if heap.get("floor_massif_peak_bytes"):
        lines.append(
            f"heap (C floor process, valgrind massif, whole program incl. libc): peak "
            f"{heap['floor_massif_peak_bytes']} B"
        )
    return "\n".join(lines)
