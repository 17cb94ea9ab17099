"""Benchmark one whole provisioning: CPU and wall time by phase, beside the C floor of its crypto.

The device runs in this process: :func:`wss.provisioning.provision` (``DefaultCompat``) on the
mock radio in the home of the ``clean`` certification profile
(``wss/certify/profiles/clean.yaml``) with **zero simulated radio latency** (no scan time,
no association delay), real mutual TLS (mbedTLS) through the mock's loopback sockets, real
signature checks, the persistent store on disk (``state_dir``; default a temporary
folder). The local DSS runs in **another process** (``wss cloud serve``), so this process's
CPU time is the device's alone (plus the simulated provisioner's passphrase derivation, a
few tens of microseconds with pyca/cryptography).

Per run: CPU time (``time.process_time``) and wall time (``time.perf_counter``) from the
state machine's start to the end of ``compat.finish()`` (persisting the outcome), broken
down by state through the runner's injected clock. Opening the driver and loading the
credentials (device boot) are not timed.

The floor is the same crypto work done in C with mbedTLS, nothing else: ECDH and one
ECDSA verification per DSS response (``crypto_floor``) and the TLS handshakes' client CPU
(``tls_floor``, its own ``CLOCK_PROCESS_CPUTIME_ID`` per handshake against the same local
DSS). The counts are those the measured runs made. Rhythm: each round makes one untimed
provisioning and then its timed ones, then samples the floor (one untimed batch or
handshake, then the timed ones). Targets (issue 6): CPU <= 1.25 x floor, wall < 150 ms,
each judged on the per-round values (:mod:`wss.bench.verdict`).

Source: issue 6 ("Benchmark"), issue 17.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import floors, machine
from .common import SuiteUnavailable
from .verdict import Verdict, decide

CPU_TARGET, WALL_TARGET_MS = 1.25, 150.0
COUNTED = ("ffs_compute_ecdh_key", "ffs_verify_cloud_signature")
#: Deadlines, seconds: the local DSS's start, one floor answer.
DSS_START_S, FLOOR_ANSWER_S = 60.0, 120.0
PROFILE = "clean"


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


def one_run(home: Mapping[str, Any], files: Any, provisioner: Any, ports: Tuple[int, int], state: Path) -> dict:
    """Provision once; return the timings (ms) by phase and the crypto counts."""
    port, setup_port = ports
    from hal.mock import WifiDriverMock
    from wss.provisioning import provision
    from wss.retry import RetryPolicy
    from wss.store import ProvisioneeStore

    driver = WifiDriverMock(
        home, provisioner=provisioner, dss_host="localhost", dss_setup_port=setup_port, scan_time_s=0.0
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

    def observe(compat: Any) -> None:
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
    # The runner reads its clock more often than once per state (deadlines, the run budget):
    # each state ends at the reading nearest to its start + its duration (by that clock).
    phases, previous = {}, clock.marks[0]
    for entry in result.transcript:
        ends = previous[0] + entry.duration_s
        mark = min((m for m in clock.marks if m[0] >= previous[0]), key=lambda m: abs(m[0] - ends))
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


class Floor:
    """The C floors, sampled once per round (after the round's provisionings)."""

    def __init__(self, files: Any, port: int, target_ns: int) -> None:
        from . import crypto, tls
        from .tls_clients import Endpoint

        self.crypto_exe, self.inputs = floors.locate("crypto_floor"), crypto.Inputs()
        ep = Endpoint("127.0.0.1", port, "localhost", files.dss_ca, files.device_chain, files.device_key)
        self.tls = tls.FloorProcess(floors.locate("tls_floor"), ep)
        self.rounds: List[Dict[str, float]] = []
        self.target_ns = target_ns

    def sample(self, handshakes: int) -> Dict[str, float]:
        """One round: ECDH and ECDSA verify CPU ms/op (min of 3 batches after one untimed), the
        median client CPU and wall of ``handshakes`` handshakes after one untimed."""
        from .crypto import run_floor

        out: Dict[str, float] = {}
        for row in ("ecdh", "ecdsa_verify"):
            res = run_floor(self.crypto_exe, self.inputs, row, self.target_ns, 3, 0)
            out[f"{row}_ms"] = min(res["rows"][row]["cpu_ns_per_op"]) / 1e6  # CPU, as the device's
        self.tls.handshake()  # warm-up
        taken = [self.tls.handshake() for _ in range(handshakes)]
        out["handshake_wall_ms"] = statistics.median(w for w, _ in taken)
        out["handshake_cpu_ms"] = statistics.median(c for _, c in taken)
        self.rounds.append(out)
        return out

    def close(self) -> None:
        self.tls.close()


def floor_total(work: Mapping[str, int], per_op: Mapping[str, float]) -> float:
    """The floor's CPU ms for ``work`` (ECDH, verifications, handshakes)."""
    return (
        work["ecdh"] * per_op["ecdh_ms"]
        + work["verifications"] * per_op["ecdsa_verify_ms"]
        + work["handshakes"] * per_op["handshake_cpu_ms"]
    )


def per_round_verdicts(rounds: List[List[dict]], floor_rounds: List[Dict[str, float]]) -> Dict[str, Verdict]:
    """CPU / floor and wall / 150 ms, per round (medians of the round's runs)."""
    cpu, wall = [], []
    for runs, per_op in zip(rounds, floor_rounds):
        work = {"ecdh": runs[0]["ecdh"], "verifications": runs[0]["verifications"], "handshakes": runs[0]["handshakes"]}
        cpu.append(statistics.median(r["cpu_ms"] for r in runs) / floor_total(work, per_op))
        wall.append(statistics.median(r["wall_ms"] for r in runs) / WALL_TARGET_MS)
    return {"cpu_to_floor": decide(cpu, CPU_TARGET), "wall_to_target": decide(wall, 1.0)}


def negotiated(files: Any, port: int) -> str:
    """TLS version and cipher suite that wss negotiates with the local DSS (one handshake)."""
    from wss.tls import TLSConfig, TLSConnection

    config = TLSConfig.from_files(files.device_chain, files.device_key, files.dss_ca)
    with TLSConnection.connect(config, "127.0.0.1", port, server_hostname="localhost") as conn:
        return f"{conn.version} {conn.cipher_suite}"


# ---- one run ----


def run(
    runs: int = 15,
    rounds: int = 5,
    handshakes: int = 10,
    state_dir: Optional[Path] = None,
    quick: bool = False,
    max_rounds: Optional[int] = None,
) -> dict:
    """Provision ``runs`` times in ``rounds`` rounds (more rounds, up to ``max_rounds``,
    default ``2 * rounds``, while a verdict is inconclusive), each followed by a floor sample.

    Raises:
        SuiteUnavailable: the ``tools`` or ``mock`` extra is missing, or a floor.
        UsageError: ``runs``/``rounds`` out of range.
    """
    from wss.errors import UsageError

    if runs < 1 or not 1 <= rounds <= runs:
        raise UsageError("provision: runs must be >= 1 and 1 <= rounds <= runs")
    max_rounds = max(rounds, max_rounds if max_rounds is not None else 2 * rounds)
    try:
        import yaml  # noqa: F401  (the mock radio's environments)

        from wss.certify.profile import load_profile
        from wss.cloud import process as dss_process
        from wss.cloud.provisioner import Provisioner
        from wss.mfg.dev_pki import create_dev_pki
        from wss.platform.device_files import DeviceFiles
    except ImportError as exc:
        raise SuiteUnavailable(
            f"needs the tools and mock extras ({exc}): pip install 'wss-provisionee[tools,mock]'"
        ) from None
    load_start = machine.loadavg()
    profile = load_profile(PROFILE)
    with tempfile.TemporaryDirectory(prefix="wss-bench-provision-") as tmp:
        work = Path(tmp)
        state_folder = state_dir or work / "state"
        state_folder.mkdir(parents=True, exist_ok=True)
        create_dev_pki(work / "pki")
        accounts = work / "accounts.json"
        accounts.write_text(json.dumps(dict(profile.accounts)))
        files = DeviceFiles.from_pki(work / "pki")
        provisioner = Provisioner.from_files(files.cloud_private_key, [files.device_chain])
        server, port, setup_port = dss_process.start_serve(
            work / "pki", accounts, work / "transcript.jsonl", timeout_s=DSS_START_S
        )
        state = state_folder / "provisionee.json"
        floor: Optional[Floor] = None
        try:
            try:
                floor = Floor(files, port, 50_000 if quick else 20_000_000)
            except floors.FloorUnavailable as exc:
                raise SuiteUnavailable(f"the floor cannot run: {exc}") from None
            taken: List[List[dict]] = []

            def one_round(share: int) -> None:
                one_run(profile.home, files, provisioner, (port, setup_port), state)  # warm-up, untimed
                taken.append(
                    [one_run(profile.home, files, provisioner, (port, setup_port), state) for _ in range(share)]
                )
                assert floor is not None
                floor.sample(handshakes)

            for index in range(rounds):
                one_round(runs // rounds + (index < runs % rounds))
            verdicts = per_round_verdicts(taken, floor.rounds)
            per_round = max(1, runs // rounds)
            while any(v.status == "inconclusive" for v in verdicts.values()) and len(taken) < max_rounds:
                one_round(per_round)
                verdicts = per_round_verdicts(taken, floor.rounds)
            tls_text = negotiated(files, port)
        finally:
            if floor is not None:
                floor.close()
            dss_process.stop(server)
    all_runs = [r for round_runs in taken for r in round_runs]
    per_op = {k: min(r[k] for r in floor.rounds) for k in floor.rounds[0]}
    per_op.update(
        {k.replace("_ms", "_median_ms"): statistics.median(r[k] for r in floor.rounds) for k in floor.rounds[0]}
    )
    meta = {
        "suite": "provision",
        "runs": len(all_runs),
        "rounds": len(taken),
        "warmup": "one untimed provisioning per round",
        "machine": machine.describe(),
        "loadavg_start": load_start,
        "loadavg_end": machine.loadavg(),
        "state_dir": "temporary folder" if state_dir is None else str(state_dir),
        "environment": f"certify profile {PROFILE!r} (zero simulated radio latency)",
        "tls": tls_text,
        "versions": {"wss_mbedtls": floors.core_mbedtls(), "floor_mbedtls": floors.versions_report()["tls_floor"]},
    }
    summary = summarize(all_runs, per_op)
    summary["verdicts"] = {k: v.as_dict() for k, v in verdicts.items()}
    return {"meta": meta, "summary": summary, "runs": all_runs}


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
    from .common import header_lines

    s, f, meta = result["summary"], result["summary"]["floor"], result["meta"]
    lines = header_lines(
        f"wss provisioning benchmark: {meta['runs']} runs in {meta['rounds']} rounds (one untimed run each), "
        f"interleaved with the floor; {meta['environment']}; store in {meta['state_dir']}; min [median], ms",
        meta,
    )
    lines.append(f"{'phase (state)':30} {'CPU':>18} {'wall':>18}")
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
    verdicts = {
        k: Verdict(v["status"], v["median"], tuple(v["interval"]) if v["interval"] else None, v["rounds"], v["limit"])
        for k, v in s["verdicts"].items()
    }
    lines += [
        f"CPU / floor: {ratio['min']:.2f} [{ratio['median']:.2f}]; per round: " + verdicts["cpu_to_floor"].text(),
        f"wall: {s['total']['wall_min_ms']:.1f} [{s['total']['wall_median_ms']:.1f}] ms; per round, wall / "
        f"{WALL_TARGET_MS:.0f} ms: " + verdicts["wall_to_target"].text(),
        f"of the CPU: store ({s['store_writes']} atomic writes) {s['store_cpu_median_ms']:.2f}, "
        f"simulated radio (association, scan) {s['simulated_radio_cpu_median_ms']:.2f} (medians)",
    ]
    return "\n".join(lines)
