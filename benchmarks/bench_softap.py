"""SoftAP setup benchmark: the device's CPU for one protocomm session establishment, beside
a C floor, and the whole fallback provisioning's wall time on the mock radio.

Two tables:

1. **Session establishment, device side.** One security 1 session (X25519 key drawn,
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

   Both columns time one session per sample, in turns (a round times ``--per-round``
   sessions of each column), with ``time.perf_counter_ns`` and ``CLOCK_MONOTONIC``;
   the table gives the minimum and the median.

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
from pathlib import Path
from typing import Any, Callable, Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "tests"), str(ROOT / "tests" / "softap")]

import bench_crypto  # noqa: E402  (the crypto floor: build and run crypto_floor.c)
from report import publish  # noqa: E402

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


def wss_sessions(row: str, count: int, security: Any) -> List[float]:
    """Device-side ns of ``count`` sessions: open_session and every prov-session call."""
    scheme = _scheme(row)
    core = Protocomm(scheme, version_json(scheme))
    samples = []
    for n in range(count):
        client = _client(security, row)
        core.close_session(n - 1)
        started = time.perf_counter_ns()
        core.open_session(n)
        spent = time.perf_counter_ns() - started
        response = None
        while True:
            request = client.security_session(response)  # the client: untimed
            if request is None:
                break
            started = time.perf_counter_ns()
            answer = core.handle(n, "prov-session", request.encode("latin-1"))
            spent += time.perf_counter_ns() - started
            response = answer.decode("latin-1")
        if not core.session_established(n):
            raise AssertionError(f"{row}: the session did not establish")
        samples.append(float(spent))
    return samples


def floor_sessions(exe: Path, inputs: _Inputs, floor_row: str, count: int) -> List[float]:
    """ns of ``count`` single ops of the floor's row (batch of 1: one op per sample)."""
    result = bench_crypto.run_floor(exe, inputs, floor_row, 0, count, 1)
    return [float(ns) for ns in result["rows"][floor_row]["ns_per_op"]]


def _summary(samples: List[float]) -> Dict[str, Any]:
    if not samples:
        return {}
    return {"min_ns": min(samples), "median_ns": statistics.median(samples), "samples": len(samples)}


def sessions(rounds: int, per_round: int) -> Dict[str, Any]:
    """The session table: per row, the wss and floor summaries (or why one is missing)."""
    security = _esp_prov()
    inputs = _Inputs()
    rows: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wss-bench-softap-") as tmp:
        exe, floor_reason = bench_crypto.build_floor(Path(tmp))
        taken: Dict[str, Dict[str, List[float]]] = {row: {"wss": [], "floor": []} for row, _, _ in SESSION_ROWS}
        for _ in range(rounds):
            for row, _, floor_row in SESSION_ROWS:  # row by row, columns in turn
                if security is not None:
                    taken[row]["wss"] += wss_sessions(row, per_round, security)
                if exe is not None:
                    taken[row]["floor"] += floor_sessions(exe, inputs, floor_row, per_round)
    for row, label, floor_row in SESSION_ROWS:
        columns: Dict[str, Any] = {
            "wss": _summary(taken[row]["wss"])
            or {"unavailable": "esp-rainmaker-cli (the esp_prov client) is not installed"},
            "floor": _summary(taken[row]["floor"]) or {"unavailable": floor_reason},
        }
        ratio = None
        if "min_ns" in columns["wss"] and "min_ns" in columns["floor"]:
            ratio = columns["wss"]["min_ns"] / columns["floor"]["min_ns"]
        rows[row] = {"label": label, "floor_row": floor_row, "columns": columns, "ratio_to_floor": ratio}
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
    lines = ["SoftAP setup: device-side CPU of one session establishment (min / median)", ""]
    lines.append(f"{'session':44} {'wss':>24} {'C floor':>24} {'wss/floor':>10}")
    for row in result["sessions"].values():
        cells = []
        for col in ("wss", "floor"):
            cell = row["columns"][col]
            cells.append(
                "unavailable" if "unavailable" in cell else f"{_ms(cell['min_ns'])} / {_ms(cell['median_ns'])}"
            )
        ratio = f"{row['ratio_to_floor']:.2f}x" if row["ratio_to_floor"] else "-"
        lines.append(f"{row['label']:44} {cells[0]:>24} {cells[1]:>24} {ratio:>10}")
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
            "clock": "time.perf_counter_ns / CLOCK_MONOTONIC, one session per sample",
        },
        "sessions": sessions(args.rounds, args.per_round),
        "fallback": fallbacks(args.runs),
    }
    result["meta"]["loadavg_end"] = list(os.getloadavg())
    publish(result, table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
