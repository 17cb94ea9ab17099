"""Benchmark one whole provisioning: CPU and wall time by phase, beside the C floor of its crypto.

    python benchmarks/bench_provision.py [--runs 15] [--warmup 3] [--state-dir DIR] [--out FILE]

The device runs in this process: :func:`wss.provisioning.provision` (``DefaultCompat``) on the mock radio of
``examples/home.yaml`` with zero simulated radio latency (no scan time, no association
delay), real mutual TLS (mbedTLS) through the mock's loopback sockets, real signature
checks, the persistent store on disk (``--state-dir``; default a temporary folder). The
local DSS runs in **another process** (``wss cloud serve``), so this process's CPU time is
the device's alone (plus the simulated provisioner's passphrase derivation, a few tens of
microseconds with pyca/cryptography).

Per run: CPU time (``time.process_time``, user + system of this process) and wall time
(``time.perf_counter``) from the state machine's start to the end of ``compat.finish()``
(persisting the outcome), broken down by state through the runner's injected clock.
Opening the driver and loading the credentials (device boot) are not timed. The first
``--warmup`` runs (imports, caches) are dropped.

The floor is the same crypto work done in C with mbedTLS, nothing else: 1 ECDH (from
``c/crypto_floor.c``, the crypto benchmark's floor), one ECDSA verification per DSS
response (idem) and the TLS handshakes' client CPU (``c/tls_floor.c``, the TLS benchmark's
floor: connect + handshake with the client configuration of ``csrc/wss_tls.c``, against
the same local DSS; its CPU time is the process's, from ``wait4``, minus that of a run
that only loads its credentials, divided by the handshakes). The counts (ECDH,
verifications, handshakes) are those the measured runs made. Targets (issue 6):
CPU <= 1.25 x floor; wall < 150 ms.

Prints a table and writes JSON to ``benchmarks/out/provision.json``.

Source: issue 6 ("Benchmark").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE), str(ROOT / "examples")]

import bench_crypto  # noqa: E402  (the crypto floor: build and run crypto_floor.c)
import demo  # noqa: E402  (start/stop `wss cloud serve` on free ports)
from report import publish  # noqa: E402

from hal.mock import WifiDriverMock  # noqa: E402
from wss.cloud.provisioner import Provisioner  # noqa: E402
from wss.platform.device_files import DeviceFiles  # noqa: E402
from wss.provisioning import provision  # noqa: E402
from wss.retry import RetryPolicy  # noqa: E402
from wss.store import ProvisioneeStore  # noqa: E402

DEFAULT_OUT = HERE / "out" / "provision.json"
HOME = ROOT / "examples" / "home.yaml"
CPU_TARGET, WALL_TARGET_MS = 1.25, 150.0
COUNTED = ("ffs_compute_ecdh_key", "ffs_verify_cloud_signature")


class DualClock:
    """The runner's clock: returns wall seconds, and remembers (wall, CPU) at every reading."""

    def __init__(self) -> None:
        self.marks: List[Tuple[float, float]] = []

    def __call__(self) -> float:
        mark = (time.perf_counter(), time.process_time())
        self.marks.append(mark)
        return mark[0]


#: Driver ops that stand in for the radio's firmware (association with the simulated
#: provisioner's passphrase derivation, scanning, leaving); reported apart, never dropped.
SIMULATED_RADIO = ("associate", "trigger_scan", "disassociate")


def _instrument(obj: object, name: str, counts: Counter, cpu_ms: Counter) -> None:
    """Count calls of ``obj.name`` and add up their CPU time, ms (an instance attribute
    shadows the method)."""
    original = getattr(obj, name)

    def measured(*args, **kwargs):
        counts[name] += 1
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            cpu_ms[name] += (time.process_time() - started) * 1e3

    setattr(obj, name, measured)


def one_run(files: DeviceFiles, provisioner: Provisioner, ports: Tuple[int, int], state: Path) -> dict:
    """Provision once; return the timings (ms) by phase and the crypto counts."""
    port, setup_port = ports
    driver = WifiDriverMock(
        HOME, provisioner=provisioner, dss_host="localhost", dss_setup_port=setup_port, scan_time_s=0.0
    )
    state.unlink(missing_ok=True)
    store = ProvisioneeStore.open(str(state))
    counts: Counter = Counter()
    cpu_ms: Counter = Counter()
    _instrument(store, "save", counts, cpu_ms)
    for name in SIMULATED_RADIO:
        _instrument(driver, name, counts, cpu_ms)
    clock = DualClock()
    finished: List[Tuple[float, float]] = []

    def observe(compat: object) -> None:
        for name in COUNTED:
            _instrument(compat, name, counts, cpu_ms)
        finish = compat.finish

        def timed_finish(joined: bool) -> None:
            finish(joined)
            finished.append((time.perf_counter(), time.process_time()))

        compat.finish = timed_finish

    outcome = provision(
        driver,
        files,
        store,
        dss_host="localhost",
        dss_port=port,
        setup_port=setup_port,
        retry_policy=RetryPolicy(clock=time.monotonic),
        clock=clock,
        observe=observe,
    )
    result, handshakes = outcome.result, outcome.tls_handshakes
    (wall0, cpu0), (wall1, cpu1) = clock.marks[0], finished[0]
    if not result.succeeded:
        raise RuntimeError(f"the provisioning did not succeed: {result.final_state.name} {result.error}")
    marks = clock.marks[1 : len(result.transcript) + 1]
    phases, previous = {}, clock.marks[0]
    for entry, mark in zip(result.transcript, marks):
        phases[entry.from_state.name] = {
            "wall_ms": (mark[0] - previous[0]) * 1e3,
            "cpu_ms": (mark[1] - previous[1]) * 1e3,
        }
        previous = mark
    phases["(persist outcome)"] = {"wall_ms": (wall1 - previous[0]) * 1e3, "cpu_ms": (cpu1 - previous[1]) * 1e3}
    return {
        "wall_ms": (wall1 - wall0) * 1e3,
        "cpu_ms": (cpu1 - cpu0) * 1e3,
        "phases": phases,
        "ecdh": counts["ffs_compute_ecdh_key"],
        "verifications": counts["ffs_verify_cloud_signature"],
        "handshakes": handshakes,
        "store_writes": counts["save"],
        "store_cpu_ms": cpu_ms["save"],
        "simulated_radio_cpu_ms": sum(cpu_ms[name] for name in SIMULATED_RADIO),
    }


# ---- the floor ----


def build_tls_floor(work: Path) -> Path:
    """Compile ``c/tls_floor.c`` (as ``bench_tls.py`` does)."""
    exe = work / "tls_floor"
    cmd = shlex.split(os.environ.get("CC", "cc")) + ["-O2", "-o", str(exe), str(HERE / "c" / "tls_floor.c")]
    proc = subprocess.run(cmd + bench_crypto._mbedtls_flags(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"cannot compile tls_floor.c: {proc.stderr.strip()[:300]}")
    return exe


def child_cpu_ms(command: List[str], stdin_text: str) -> Tuple[float, str]:
    """Run ``command`` with ``stdin_text``; return its CPU time (user + system, ms) and stdout."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    proc.stdin.write(stdin_text)  # a few lines: never fills the pipe
    proc.stdin.close()
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)  # reap it here, for its own resource usage
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed (status {proc.returncode})")
    return (usage.ru_utime + usage.ru_stime) * 1e3, out


class Floor:
    """The C floor programs, built once and sampled once per round (interleaved with the
    provisionings, so that a change of machine load hits both alike)."""

    def __init__(self, work: Path, files: DeviceFiles, port: int, target_ns: int = 20_000_000) -> None:
        exe, why = bench_crypto.build_floor(work)
        if exe is None:
            raise RuntimeError(why)
        self.crypto_exe, self.inputs = exe, bench_crypto.Inputs()
        self.tls_command = [
            str(build_tls_floor(work)),
            "127.0.0.1",
            str(port),
            "localhost",
            str(files.dss_ca),
            str(files.device_chain),
            str(files.device_key),
        ]
        self.samples: Dict[str, List[float]] = {
            "ecdh": [],
            "ecdsa_verify": [],
            "handshake_cpu": [],
            "handshake_wall": [],
        }
        self.target_ns = target_ns

    def sample(self, handshakes: int) -> None:
        """ECDH and ECDSA verify ms/op (CPU-bound loops of >= 20 ms batches, 3 batches each),
        the mean client CPU of one handshake over ``handshakes`` and their wall times."""
        for row in ("ecdh", "ecdsa_verify"):
            out = bench_crypto.run_floor(self.crypto_exe, self.inputs, row, self.target_ns, 3, 0)
            self.samples[row] += [ns / 1e6 for ns in out["rows"][row]["ns_per_op"]]
        loading, _ = child_cpu_ms(self.tls_command, "")
        total, out = child_cpu_ms(self.tls_command, "handshake\n" * handshakes)
        self.samples["handshake_cpu"].append(max(total - loading, 0.0) / handshakes)
        self.samples["handshake_wall"] += [json.loads(line)["ms"] for line in out.splitlines()]

    def per_op(self) -> dict:
        """Minimum ms per operation (the floor), and the medians beside."""
        out: Dict[str, object] = {f"{name}_ms": min(values) for name, values in self.samples.items()}
        out.update({f"{name}_median_ms": statistics.median(values) for name, values in self.samples.items()})
        return out


# ---- report ----


def negotiated(files: DeviceFiles, port: int) -> str:
    """TLS version and cipher suite that wss negotiates with the local DSS (one handshake)."""
    from wss.tls import TLSConfig, TLSConnection

    config = TLSConfig.from_files(files.device_chain, files.device_key, files.dss_ca)
    with TLSConnection.connect(config, "127.0.0.1", port, server_hostname="localhost") as conn:
        return f"{conn.version} {conn.cipher_suite}"


def summarize(runs: List[dict], per_op: dict) -> dict:
    first = runs[0]
    work = {"ecdh": first["ecdh"], "verifications": first["verifications"], "handshakes": first["handshakes"]}
    floor_ms = (
        work["ecdh"] * per_op["ecdh_ms"]
        + work["verifications"] * per_op["ecdsa_verify_ms"]
        + work["handshakes"] * per_op["handshake_cpu_ms"]
    )
    floor_median_ms = (
        work["ecdh"] * per_op["ecdh_median_ms"]
        + work["verifications"] * per_op["ecdsa_verify_median_ms"]
        + work["handshakes"] * per_op["handshake_cpu_median_ms"]
    )
    names = list(first["phases"])
    phases = {
        name: {
            f"{what}_{stat}": fn([r["phases"][name][f"{what}_ms"] for r in runs])
            for what in ("cpu", "wall")
            for stat, fn in (("min_ms", min), ("median_ms", statistics.median))
        }
        for name in names
    }
    total = {
        f"{what}_{stat}": fn([r[f"{what}_ms"] for r in runs])
        for what in ("cpu", "wall")
        for stat, fn in (("min_ms", min), ("median_ms", statistics.median))
    }
    parts = {
        f"{name}_median_ms": statistics.median(r[f"{name}_ms"] for r in runs)
        for name in ("store_cpu", "simulated_radio_cpu")
    }
    return {
        "work": work,
        "store_writes": first["store_writes"],
        "phases": phases,
        "total": total,
        **parts,
        "floor": dict(per_op, total_cpu_ms=floor_ms, total_cpu_median_ms=floor_median_ms),
        "ratio_cpu_to_floor": {
            "min": total["cpu_min_ms"] / floor_ms,
            "median": total["cpu_median_ms"] / floor_median_ms,
        },
        "targets": {"cpu_to_floor": CPU_TARGET, "wall_ms": WALL_TARGET_MS},
    }


def format_table(result: dict) -> str:
    s, f, meta = result["summary"], result["summary"]["floor"], result["meta"]
    lines = [
        f"wss provisioning benchmark: {meta['runs']} runs after {meta['warmup']} warm-up, in "
        f"{meta['rounds']} rounds interleaved with the floor; min [median], ms",
        f"machine: {meta['machine']}, {meta['cpus']} CPUs, Python {meta['python']}, load average "
        f"{'/'.join(f'{x:.2f}' for x in meta['loadavg_start'])}; store in {meta['state_dir']}",
        "",
        f"{'phase (state)':30} {'CPU':>18} {'wall':>18}",
    ]
    for name, p in list(s["phases"].items()) + [("total", s["total"])]:
        lines.append(
            f"{name:30} {p['cpu_min_ms']:8.2f} [{p['cpu_median_ms']:6.2f}] "
            f"{p['wall_min_ms']:8.2f} [{p['wall_median_ms']:6.2f}]"
        )
    w = s["work"]
    lines += [
        "",
        "C floor of the crypto work (mbedTLS called from C):",
        f"  {w['ecdh']} x ECDH P-256            {w['ecdh'] * f['ecdh_ms']:8.2f}  ({f['ecdh_ms']:.3f} each)",
        f"  {w['verifications']} x ECDSA P-256 verify   {w['verifications'] * f['ecdsa_verify_ms']:8.2f}  "
        f"({f['ecdsa_verify_ms']:.3f} each)",
        f"  {w['handshakes']} x TLS handshake (CPU)  {w['handshakes'] * f['handshake_cpu_ms']:8.2f}  "
        f"({f['handshake_cpu_ms']:.3f} each, {meta['tls']})",
        f"  floor total                {f['total_cpu_ms']:8.2f}  [{f['total_cpu_median_ms']:.2f}]",
        "",
    ]
    ratio = s["ratio_cpu_to_floor"]
    cpu_ok = ratio["min"] <= CPU_TARGET
    wall_ok = s["total"]["wall_min_ms"] < WALL_TARGET_MS
    lines += [
        f"CPU / floor: {ratio['min']:.2f} [{ratio['median']:.2f}]  (target <= {CPU_TARGET}: "
        f"{'ok' if cpu_ok else 'MISSED'})",
        f"wall: {s['total']['wall_min_ms']:.1f} [{s['total']['wall_median_ms']:.1f}] ms  "
        f"(target < {WALL_TARGET_MS:.0f} ms: {'ok' if wall_ok else 'MISSED'})",
        f"of the CPU: store ({s['store_writes']} atomic writes) {s['store_cpu_median_ms']:.2f}, "
        f"simulated radio (association, scan) {s['simulated_radio_cpu_median_ms']:.2f} (medians)",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured provisionings (default 15)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds: runs/rounds provisionings, then one floor sample (default 5)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="provisionings dropped first (default 3)")
    parser.add_argument("--state-dir", type=Path, help="folder of the store (default: a temporary folder)")
    parser.add_argument("--handshakes", type=int, default=10, help="handshakes for the floor per round (default 10)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})")
    parser.add_argument(
        "--quick", action="store_true", help="1 run, 1 round, no warm-up, tiny floor batches: a smoke run"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.rounds, args.warmup, args.handshakes = 1, 1, 0, 1
    if args.runs < 1 or args.warmup < 0 or not 1 <= args.rounds <= args.runs:
        parser.error("--runs must be >= 1, --warmup >= 0 and 1 <= --rounds <= --runs")
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="wss-bench-") as tmp:
        work = Path(tmp)
        state_dir = args.state_dir or work / "state"
        state_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            demo.wss("mfg", "dev-pki", "--out", str(work / "pki")),
            check=True,
            env=demo._env(),
            stdout=subprocess.DEVNULL,
        )
        files = DeviceFiles.from_pki(work / "pki")
        provisioner = Provisioner.from_files(files.cloud_private_key, [files.device_chain])
        server, port, setup_port = demo.start_dss(work / "pki", work / "transcript.jsonl")
        state = state_dir / "provisionee.json"
        try:
            floor = Floor(work, files, port, 50_000 if args.quick else 20_000_000)
            for _ in range(args.warmup):
                one_run(files, provisioner, (port, setup_port), state)
            runs: List[dict] = []
            for index in range(args.rounds):
                share = args.runs // args.rounds + (index < args.runs % args.rounds)
                runs += [one_run(files, provisioner, (port, setup_port), state) for _ in range(share)]
                floor.sample(args.handshakes)
            per_op = floor.per_op()
            tls = negotiated(files, port)
        finally:
            demo.stop_dss(server)
    meta = {
        "runs": args.runs,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
        "state_dir": "temporary folder" if args.state_dir is None else str(args.state_dir),
        "environment": str(HOME.relative_to(ROOT)),
        "tls": tls,
    }
    result = {"meta": meta, "summary": summarize(runs, per_op), "runs": runs}
    publish(result, format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
