"""SoftAP setup benchmark: the device's CPU for one protocomm session establishment, beside
a C floor, and the whole fallback provisioning's wall time on the mock radio.

Two tables:

1. **Session establishment, device side (CPU time).** One security 1 session (X25519 key drawn,
   shared key XOR SHA-256(PoP), AES-256-CTR, the client's proof checked, the device's
   returned) and one security 2 session (SRP-6a over the 3072-bit group: B, then u, S,
   K and the proofs from A, M1 checked, M2 returned; AES-256-GCM keyed). Columns:

   * ``wss`` — :class:`wss.protocomm.Protocomm` handling the ``prov-session`` messages
     (protobuf parsing and serialising, the session state machine, the C core's
     crypto); only the device's calls are timed, the client (esp_prov's own
     ``Security1``/``Security2``) runs between them, untimed.
   * ``floor`` — ``c/crypto_floor.c`` (``cc -O2`` against the same system mbedTLS):
     row ``sec1_session`` (``c/crypto_floor_softap.c``: the device's mbedTLS calls of a
     security 1 session) and row ``srp_server`` (``c/crypto_floor_protocomm.c``: the
     SRP-6a server session; it leaves out the 32 random bytes of b and the GCM key
     schedule, microseconds next to the milliseconds of the exponentiations).

   Both columns time one session per sample and take the CPU time of their process
   (``time.process_time_ns`` and ``CLOCK_PROCESS_CPUTIME_ID``, the same clock; the floor's
   process is single-threaded, and the wss column runs no other thread while it is timed)
   and, as a second figure, the wall time (``time.perf_counter_ns`` and ``CLOCK_MONOTONIC``).
   The columns run in the rhythm of :mod:`wss.bench.rhythm`, as ``wss bench --suite
   crypto`` does (whose floor cell, :class:`wss.bench.crypto.FloorCell`, is reused here
   with a batch of one session): in each round, row by row, every column in an order
   rotated each round makes one untimed session and then ``--per-round`` timed ones. The
   table gives the CPU minimum and median, the wall median, and the ratio of the CPU
   minima.

2. **The whole fallback provisioning on the mock** (wall time): ``wss.provision`` in a
   home where no provisioner answers (the WSS run fails and persists SoftAP setup mode),
   then :func:`wss.softap.run_softap_setup`, with esp_prov's client code in a thread
   setting the device up over HTTP on loopback (version, session, scan, set and apply
   config, status until connected). Per scheme: the WSS part, the SoftAP part (from its
   start to the store written) and the total, minimum and median over ``--runs``.

Usage::

    python benchmarks/bench_softap.py [--rounds 5] [--per-round 6] [--runs 5] [--out FILE]
    python benchmarks/bench_softap.py --quick      # a tiny budget: checks that everything runs

Timing is never asserted by a test (docs/design.md §5.R10).
Source: issue 12 "Benchmark".
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "tests"), str(ROOT / "tests" / "softap")]

import bench_crypto  # noqa: E402  (the crypto floor: build and run crypto_floor.c)
from report import publish  # noqa: E402

from wss.bench.crypto import WARMUP_BATCHES, FloorCell  # noqa: E402
from wss.bench.rhythm import Sample, interleave, round_ratios  # noqa: E402
from wss.crypto import srp_salt_and_verifier  # noqa: E402
from wss.protocomm import Protocomm, Security1, Security2, version_json  # noqa: E402

DEFAULT_OUT = HERE / "out" / "softap.json"
POP, USERNAME, PASSWORD = "abcd1234", "wifiprov", "abcd1234"
#: (row, label, floor row)
SESSION_ROWS = [
    ("sec1", "security 1 session (X25519, PoP, AES-CTR)", "sec1_session"),
    ("sec2", "security 2 session (SRP-6a 3072, AES-GCM)", "srp_server"),
]


def _esp_prov() -> Any:
    """esp_prov's security module (the client), or None when it is not installed."""
    try:
        import esp_prov_peer

        return esp_prov_peer.load().security
    except BaseException:  # pytest's Skipped when esp-rainmaker-cli is absent
        return None


class _Inputs(bench_crypto.Inputs):
    """bench_crypto's inputs, checking the security 1 row too (its output is random)."""

    def check(self, row: str, result: object, column: str) -> None:
        if row == "sec1_session":
            if not (isinstance(result, bytes) and len(result) == 32):
                raise AssertionError(f"{column} gives a wrong result for {row}: {result!r}")
            return
        super().check(row, result, column)


# ---- session establishment ----


def _scheme(row: str) -> Any:
    if row == "sec1":
        return Security1(POP)
    return Security2(*srp_salt_and_verifier(USERNAME, PASSWORD))


def _client(security: Any, row: str) -> Any:
    if row == "sec1":
        return security.Security1(POP, False)
    return security.Security2(1, USERNAME, PASSWORD, False)


def _timed(call: Callable[[], Any]) -> Any:
    """``call()``'s result, wall ns and CPU ns of this process (the crypto suite's clocks)."""
    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    result = call()
    return result, time.perf_counter_ns() - wall, time.process_time_ns() - cpu


class WssSessions:
    """The ``wss`` column of a row as a :class:`wss.bench.rhythm.Subject`: one sample is one
    session's device-side wall and CPU ns (``open_session`` and every ``prov-session``
    call; the client runs between them, untimed)."""

    def __init__(self, row: str, security: Any) -> None:
        self.row, self.security = row, security
        scheme = _scheme(row)
        self.core = Protocomm(scheme, version_json(scheme))
        self.session = 0

    def _one(self) -> Sample:
        n = self.session = self.session + 1
        client = _client(self.security, self.row)
        self.core.close_session(n - 1)
        _, wall, cpu = _timed(partial(self.core.open_session, n))
        response = None
        while True:
            request = client.security_session(response)  # the client: untimed
            if request is None:
                break
            answer, more_wall, more_cpu = _timed(
                partial(self.core.handle, n, "prov-session", request.encode("latin-1"))
            )
            wall, cpu = wall + more_wall, cpu + more_cpu
            response = answer.decode("latin-1")
        if not self.core.session_established(n):
            raise AssertionError(f"{self.row}: the session did not establish")
        return Sample(float(wall), float(cpu))

    def measure(self, warmup: int, count: int) -> List[Sample]:
        for _ in range(warmup):
            self._one()
        return [self._one() for _ in range(count)]


def floor_cell(exe: Path, inputs: _Inputs, floor_row: str) -> FloorCell:
    """The floor column of a row: crypto_floor's cell of the crypto suite, one session per
    batch (so one sample is one session, as in the wss column)."""
    cell = FloorCell(exe, inputs, floor_row, 0)
    cell.batch = 1
    return cell


def _summary(rounds: List[List[Sample]]) -> Dict[str, Any]:
    cpu = [s.cpu for r in rounds for s in r if s.cpu is not None]
    wall = [s.wall for r in rounds for s in r]
    if not cpu:
        return {}
    return {
        "cpu_min_ns": min(cpu),
        "cpu_median_ns": statistics.median(cpu),
        "wall_min_ns": min(wall),
        "wall_median_ns": statistics.median(wall),
        "samples": len(cpu),
    }


def sessions(rounds: int, per_round: int) -> Dict[str, Any]:
    """The session table: per row, the wss and floor summaries (or why one is missing)."""
    security = _esp_prov()
    inputs = _Inputs()
    exe, floor_reason = bench_crypto.build_floor(Path("."))
    subjects: Dict[str, Dict[str, Any]] = {}
    for row, _, floor_row in SESSION_ROWS:
        subjects[row] = {}
        if security is not None:
            subjects[row]["wss"] = WssSessions(row, security)
        if exe is not None:
            subjects[row]["floor"] = floor_cell(exe, inputs, floor_row)
    taken: Dict[str, Dict[str, List[List[Sample]]]] = {
        row: {col: [] for col in subjects[row]} for row, _, _ in SESSION_ROWS
    }
    for _ in range(rounds):
        for row, _, _ in SESSION_ROWS:  # row by row, columns in a rotated order, one warm-up each
            interleave(subjects[row], 1, per_round, WARMUP_BATCHES, into=taken[row])
    rows: Dict[str, Any] = {}
    for row, label, floor_row in SESSION_ROWS:
        columns: Dict[str, Any] = {
            "wss": _summary(taken[row].get("wss", []))
            or {"unavailable": "esp-rainmaker-cli (the esp_prov client) is not installed"},
            "floor": _summary(taken[row].get("floor", [])) or {"unavailable": floor_reason},
        }
        ratio = wall_ratio = None
        per_round_ratios: List[float] = []
        if "cpu_min_ns" in columns["wss"] and "cpu_min_ns" in columns["floor"]:
            ratio = columns["wss"]["cpu_min_ns"] / columns["floor"]["cpu_min_ns"]
            wall_ratio = columns["wss"]["wall_min_ns"] / columns["floor"]["wall_min_ns"]
            per_round_ratios = round_ratios(taken[row]["wss"], taken[row]["floor"], "cpu", min)
        rows[row] = {
            "label": label,
            "floor_row": floor_row,
            "columns": columns,
            "ratio_to_floor": ratio,
            "wall_ratio_to_floor": wall_ratio,
            "cpu_ratio_per_round": per_round_ratios,
        }
    return rows


# ---- the whole fallback provisioning ----


class _Banner(io.StringIO):
    """The SoftAP banner's output: hands the HTTP address to the client when printed."""

    def __init__(self, found: Callable[[tuple], None]) -> None:
        super().__init__()
        self.found = found

    def write(self, text: str) -> int:
        if "HTTP on " in text:
            host, port = text.split("HTTP on ")[1].strip().rsplit(":", 1)
            self.found((host, int(port)))
        return super().write(text)


def _client_thread(security: int, address_box: list, ready: threading.Event, status: list) -> threading.Thread:
    import esp_prov_peer
    from softap_world import HOME_KEY, HOME_SSID

    def run() -> None:
        ready.wait(30)
        client = esp_prov_peer.Client(address_box[0])
        secrets = {1: {"pop": POP}, 2: {"username": USERNAME, "password": PASSWORD}}.get(security, {})
        client.connect(security, **secrets)
        client.scan()
        client.set_config(HOME_SSID, HOME_KEY)
        client.apply_config()
        status.append(client.wait_status(30.0))
        client.close()

    return threading.Thread(target=run, daemon=True)


def one_fallback(security: int, pki: Any, folder: Path) -> Dict[str, float]:
    """One whole fallback provisioning; seconds of each part."""
    from softap_world import home, setup

    from hal.mock import WifiDriverMock
    from wss.platform.device_files import DeviceFiles
    from wss.provisioning import provision
    from wss.softap import run_softap_setup
    from wss.store import ProvisioneeStore

    state = folder / "provisionee.json"
    state.unlink(missing_ok=True)
    store = ProvisioneeStore.open(str(state))
    driver = WifiDriverMock(home())
    address: list = []
    ready = threading.Event()
    status: list = []
    client = _client_thread(security, address, ready, status)
    client.start()
    started = time.perf_counter()
    outcome = provision(driver, DeviceFiles.from_pki(pki.folder), store)
    fell_back = time.perf_counter()
    if not outcome.fall_back_to_softap:
        raise AssertionError("the WSS run was meant to fail and fall back")

    def found(where: tuple) -> None:
        address.append(where)
        ready.set()

    result = run_softap_setup(driver, store, setup(security, timeout_s=60.0), out=_Banner(found))
    ended = time.perf_counter()
    driver.close()
    client.join(10)
    if not (result.provisioned and status == ["connected"]):
        raise AssertionError(f"security {security}: the fallback did not provision ({result}, {status})")
    return {"wss_s": fell_back - started, "softap_s": ended - fell_back, "total_s": ended - started}


def fallbacks(runs: int) -> Dict[str, Any]:
    """The wall-time table: per scheme, each part's minimum and median."""
    if _esp_prov() is None:
        return {"unavailable": "esp-rainmaker-cli (the esp_prov client) is not installed"}
    from wss.mfg.dev_pki import create_dev_pki

    out: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wss-bench-softap-") as tmp:
        pki = create_dev_pki(Path(tmp) / "pki", product_index="AbCd")
        for security in (0, 1, 2):
            taken = [one_fallback(security, pki, Path(tmp)) for _ in range(runs)]
            out[f"sec{security}"] = {
                part: {"min_s": min(t[part] for t in taken), "median_s": statistics.median(t[part] for t in taken)}
                for part in ("wss_s", "softap_s", "total_s")
            }
            out[f"sec{security}"]["runs"] = runs
    return out


# ---- the report ----


def _ms(ns: float) -> str:
    return f"{ns / 1e6:.3f} ms"


def table(result: Dict[str, Any]) -> str:
    lines = [
        "SoftAP setup: device-side CPU time of one session establishment "
        "(CPU min / CPU median, [wall median]; ratio of the CPU minima)",
        "",
    ]
    lines.append(f"{'session':44} {'wss':>36} {'C floor':>36} {'wss/floor':>10}")
    for row in result["sessions"].values():
        cells = []
        for col in ("wss", "floor"):
            cell = row["columns"][col]
            cells.append(
                "unavailable"
                if "unavailable" in cell
                else f"{_ms(cell['cpu_min_ns'])} / {_ms(cell['cpu_median_ns'])} [{_ms(cell['wall_median_ns'])}]"
            )
        ratio = f"{row['ratio_to_floor']:.2f}x" if row["ratio_to_floor"] else "-"
        lines.append(f"{row['label']:44} {cells[0]:>36} {cells[1]:>36} {ratio:>10}")
    lines += ["", "The whole fallback provisioning on the mock, wall time (min / median)", ""]
    walls = result["fallback"]
    if "unavailable" in walls:
        lines.append(f"unavailable: {walls['unavailable']}")
    else:
        lines.append(f"{'scheme':10} {'WSS fails':>22} {'SoftAP setup':>22} {'total':>22}")
        for scheme, parts in walls.items():
            cells = [
                f"{parts[p]['min_s'] * 1e3:.0f} / {parts[p]['median_s'] * 1e3:.0f} ms"
                for p in ("wss_s", "softap_s", "total_s")
            ]
            lines.append(f"{scheme:10} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22}")
    return "\n".join(lines)


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--rounds", type=int, default=5, help="rounds of sessions, columns in turn (default 5)")
    parser.add_argument("--per-round", type=int, default=6, help="sessions per column per round (default 6)")
    parser.add_argument("--runs", type=int, default=5, help="whole fallback provisionings per scheme (default 5)")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 sessions, 1 run: a smoke run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON output (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.per_round, args.runs = 1, 2, 1
    load = os.getloadavg()
    result = {
        "meta": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "loadavg_start": list(load),
            "rounds": args.rounds,
            "per_round": args.per_round,
            "runs": args.runs,
            "clock": "sessions: CPU time.process_time_ns / CLOCK_PROCESS_CPUTIME_ID and wall "
            "time.perf_counter_ns / CLOCK_MONOTONIC, one session per sample, one untimed session per "
            "column and round, columns rotated (wss.bench.rhythm); fallback: wall time.perf_counter",
        },
        "sessions": sessions(args.rounds, args.per_round),
        "fallback": fallbacks(args.runs),
    }
    result["meta"]["loadavg_end"] = list(os.getloadavg())
    publish(result, table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
