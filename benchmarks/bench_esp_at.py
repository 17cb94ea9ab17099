"""Benchmark provisioning through the ESP-AT driver and the emulated module, beside the UART floor.

    python benchmarks/bench_esp_at.py [--bauds 115200,921600] [--runs 3] [--warmup 1] [--out FILE]

Three processes, as on a product: the device (this process: :func:`wss.provision` with
:class:`hal.esp_at.WifiDriverEspAt`, mutual TLS in the mbedTLS core over the module's AT
socket), the module (``wss esp-at-emulator``: ``examples/home.yaml`` as its radio, the UART
paced at the baud rate in both directions) and the local DSS (``wss cloud serve``).

Per run and phase (the driver's start-up, then each state of the state machine, read
through the runner's injected clock): wall time (``time.perf_counter``) and the octets
that crossed the UART in both directions (counted by the driver on its serial port). The
**wire floor** of a phase is its octets ÷ (baud / 10) (8N1: 10 bits an octet): the time
the UART alone needs, even with an infinitely fast host, module and DSS. Each TLS
handshake is also timed, with the UART octets it took and the TLS octets it carried
(the certificate chains dominate). Medians over the measured runs (``--warmup`` runs
dropped first). Target (issue 11): total wall <= 1.3 x the wire floor at 115200 baud.

Prints a table and writes JSON to ``benchmarks/out/esp_at.json``.

Source: issue 11 ("Benchmark").
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "examples")]

import demo  # noqa: E402  (start/stop `wss cloud serve` on free ports)
from report import publish  # noqa: E402

from hal.esp_at import WifiDriverEspAt  # noqa: E402
from hal.esp_at.sockets import EspAtStream  # noqa: E402
from wss.platform.device_files import DeviceFiles  # noqa: E402
from wss.provisioning import provision  # noqa: E402
from wss.retry import RetryPolicy  # noqa: E402
from wss.store import ProvisioneeStore  # noqa: E402
from wss.tls import TLSConnection  # noqa: E402

DEFAULT_OUT = HERE / "out" / "esp_at.json"
HOME = ROOT / "examples" / "home.yaml"
TARGET = 1.3
START_TIMEOUT_S = 30.0


def floor_ms(octets: int, baud: int) -> float:
    """Milliseconds ``octets`` need on the UART at ``baud`` (10 bits an octet)."""
    return octets * 10.0 / baud * 1e3


class Emulator:
    """``wss esp-at-emulator`` in its own process."""

    def __init__(self, pki: Path, setup_port: int, baud: int) -> None:
        command = demo.wss(
            "esp-at-emulator",
            "--environment",
            str(HOME),
            "--pki",
            str(pki),
            "--dss-host",
            "localhost",
            "--setup-port",
            str(setup_port),
            "--baud",
            str(baud),
        )
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=demo._env())
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True).start()
        try:
            first = lines.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            self.close()
            raise SystemExit("bench_esp_at: the emulator did not start") from None
        self.path = first.split()[3].rstrip(":")

    def close(self) -> None:
        demo.stop_dss(self.process)  # SIGTERM, wait, kill after 10 s


class Counters:
    """TLS handshakes and stream octets, counted by wrapping the classes (this process only)."""

    def __init__(self) -> None:
        self.driver: Any = None
        self.payload = 0
        self.handshakes: List[Dict[str, float]] = []
        self._saved: List[Tuple[type, str, Any]] = []

    def wire(self) -> int:
        inbound, outbound = self.driver.wire_octets()
        return inbound + outbound

    def install(self) -> None:
        counters = self

        def wrap(cls: type, name: str, make: Any) -> None:
            original = getattr(cls, name)
            self._saved.append((cls, name, original))
            setattr(cls, name, make(original))

        def handshake(original: Any) -> Any:
            def timed(connection: Any) -> Any:
                wire0, payload0, t0 = counters.wire(), counters.payload, time.perf_counter()
                try:
                    return original(connection)
                finally:
                    counters.handshakes.append(
                        {
                            "wall_ms": (time.perf_counter() - t0) * 1e3,
                            "uart_octets": counters.wire() - wire0,
                            "tls_octets": counters.payload - payload0,
                        }
                    )

            return timed

        def send(original: Any) -> Any:
            def counted(stream: Any, data: bytes) -> int:
                sent = original(stream, data)
                counters.payload += sent
                return sent

            return counted

        def recv(original: Any) -> Any:
            def counted(stream: Any, max_bytes: int) -> bytes:
                data = original(stream, max_bytes)
                counters.payload += len(data)
                return data

            return counted

        wrap(TLSConnection, "handshake", handshake)
        wrap(EspAtStream, "send", send)
        wrap(EspAtStream, "recv", recv)

    def remove(self) -> None:
        for cls, name, original in reversed(self._saved):
            setattr(cls, name, original)


def one_run(files: DeviceFiles, ports: Tuple[int, int], baud: int, pki: Path, state: Path, counters: Counters) -> dict:
    """Provision once through a fresh emulator; the phases' wall time and octets."""
    port, setup_port = ports
    emulator = Emulator(pki, setup_port, baud)
    try:
        driver = WifiDriverEspAt(emulator.path, baud=baud, ready_timeout_s=10.0)
        counters.driver, counters.handshakes, counters.payload = driver, [], 0
        state.unlink(missing_ok=True)
        store = ProvisioneeStore.open(str(state))
        t0 = time.perf_counter()
        driver.open()
        marks: List[Tuple[float, int]] = [(time.perf_counter(), counters.wire())]

        def clock() -> float:
            now = time.perf_counter()
            marks.append((now, counters.wire()))
            return now

        outcome = provision(
            driver,
            files,
            store,
            dss_host="localhost",
            dss_port=port,
            setup_port=setup_port,
            retry_policy=RetryPolicy(clock=time.monotonic),
            clock=clock,
        )
        end = (time.perf_counter(), counters.wire())
    finally:
        emulator.close()
    result = outcome.result
    if not result.succeeded:
        raise RuntimeError(f"the provisioning did not succeed: {result.final_state.name} {result.error}")
    phases = {"(driver start-up)": {"wall_ms": (marks[0][0] - t0) * 1e3, "octets": marks[0][1]}}
    previous = marks[1]  # the runner's first reading: the start of the run
    for entry in result.transcript:  # each state ends at a clock reading: the nearest one
        ends = previous[0] + entry.duration_s
        mark = min(marks, key=lambda m: abs(m[0] - ends))
        phases[entry.from_state.name] = {"wall_ms": (mark[0] - previous[0]) * 1e3, "octets": mark[1] - previous[1]}
        previous = mark
    phases["(persist, leave, close)"] = {"wall_ms": (end[0] - previous[0]) * 1e3, "octets": end[1] - previous[1]}
    return {"phases": phases, "handshakes": list(counters.handshakes)}


def summarize(runs: Sequence[dict], baud: int) -> dict:
    names = list(runs[0]["phases"])
    phases = {}
    for name in names:
        wall = statistics.median(r["phases"][name]["wall_ms"] for r in runs if name in r["phases"])
        octets = int(statistics.median(r["phases"][name]["octets"] for r in runs if name in r["phases"]))
        phases[name] = {"wall_ms": wall, "octets": octets, "floor_ms": floor_ms(octets, baud)}
    total_wall = statistics.median(sum(p["wall_ms"] for p in r["phases"].values()) for r in runs)
    total_octets = int(statistics.median(sum(p["octets"] for p in r["phases"].values()) for r in runs))
    shakes = [h for r in runs for h in r["handshakes"]]
    handshake = {
        "count_per_run": len(runs[0]["handshakes"]),
        "wall_ms": statistics.median(h["wall_ms"] for h in shakes),
        "uart_octets": int(statistics.median(h["uart_octets"] for h in shakes)),
        "tls_octets": int(statistics.median(h["tls_octets"] for h in shakes)),
    }
    handshake["floor_ms"] = floor_ms(handshake["uart_octets"], baud)
    total = {"wall_ms": total_wall, "octets": total_octets, "floor_ms": floor_ms(total_octets, baud)}
    total["ratio"] = total["wall_ms"] / total["floor_ms"]
    return {"baud": baud, "phases": phases, "total": total, "handshake": handshake}


def format_table(result: dict) -> str:
    bauds = [s["baud"] for s in result["summaries"]]
    head = f"{'phase':32}" + "".join(f" | {f'{b} baud: wall / floor ms (x)':>38} {'octets':>7}" for b in bauds)
    lines = [head, "-" * len(head)]
    names = list(result["summaries"][0]["phases"])
    for name in names + ["total"]:
        row = f"{name:32}"
        for summary in result["summaries"]:
            p = summary["total"] if name == "total" else summary["phases"][name]
            ratio = f"{p['wall_ms'] / p['floor_ms']:6.2f}x" if p["floor_ms"] else "     - "
            row += f" | {p['wall_ms']:14.1f} / {p['floor_ms']:9.1f} ({ratio}) {p['octets']:7d}"
        lines.append(row)
    lines.append("")
    for summary in result["summaries"]:
        h, t = summary["handshake"], summary["total"]
        share = h["uart_octets"] * h["count_per_run"] / t["octets"] * 100
        lines.append(
            f"{summary['baud']} baud: {h['count_per_run']} TLS handshakes per run, each {h['tls_octets']} TLS octets "
            f"= {h['uart_octets']} UART octets ({share:.0f}% of the run's), {h['wall_ms']:.1f} ms "
            f"(floor {h['floor_ms']:.1f} ms)"
        )
    first = result["summaries"][0]
    verdict = "meets" if first["total"]["ratio"] <= TARGET else "MISSES"
    lines.append(
        f"target: total <= {TARGET}x the wire floor at {first['baud']} baud: "
        f"{first['total']['ratio']:.2f}x, {verdict} it"
    )
    return "\n".join(lines)


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bauds", default="115200,921600", help="UART rates, comma-separated (first: the target's)")
    parser.add_argument("--runs", type=int, default=3, help="measured provisionings per rate (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="provisionings dropped first, per rate (default 1)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true", help="1 run, no warm-up, 921600 baud only: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.warmup, args.bauds = 1, 0, "921600"
    bauds = [int(b) for b in args.bauds.split(",") if b.strip()]
    if args.runs < 1 or args.warmup < 0 or not bauds or min(bauds) <= 0:
        parser.error("--runs must be >= 1, --warmup >= 0 and every rate positive")
    load_start = os.getloadavg()
    counters = Counters()
    counters.install()
    summaries, all_runs = [], {}
    try:
        with tempfile.TemporaryDirectory(prefix="wss-bench-esp-at-") as tmp:
            work = Path(tmp)
            pki = work / "pki"
            subprocess.run(
                demo.wss("mfg", "dev-pki", "--out", str(pki)), check=True, env=demo._env(), stdout=subprocess.DEVNULL
            )
            files = DeviceFiles.from_pki(pki)
            server, port, setup_port = demo.start_dss(pki, work / "transcript.jsonl")
            try:
                for baud in bauds:
                    state = work / f"state-{baud}.json"
                    for _ in range(args.warmup):
                        one_run(files, (port, setup_port), baud, pki, state, counters)
                    runs = [one_run(files, (port, setup_port), baud, pki, state, counters) for _ in range(args.runs)]
                    summaries.append(summarize(runs, baud))
                    all_runs[str(baud)] = runs
            finally:
                demo.stop_dss(server)
    finally:
        counters.remove()
    meta = {
        "runs": args.runs,
        "warmup": args.warmup,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
        "environment": str(HOME.relative_to(ROOT)),
        "target": f"total <= {TARGET} x wire floor at {bauds[0]} baud",
    }
    result = {"meta": meta, "summaries": summaries, "runs": all_runs}
    publish(result, format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
