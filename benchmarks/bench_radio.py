"""Benchmark the time to provision on the kernel's Wi-Fi stack, beside the radio's floors.

    python benchmarks/bench_radio.py [--runs 3] [--floor-reps 3] [--out FILE]

Everything runs in one boot of the mac80211_hwsim QEMU guest of
``tests/integration/hwsim`` (the same guest, radios, access points and AP side as the
end-to-end test ``test_hwsim_provisioning.py``):

* ``--runs`` times ``wss provision --hal nl80211 --hal-option iface=wlan0`` (a fresh state
  folder each run, so each run probes for a new encoded setup SSID and the emulated Echo
  brings that network up), wall time by state from the CLI's transition lines (the
  runner's clock: Python start-up is reported apart, as ``process_s``);
* then, ``--floor-reps`` times on the same radios (the minimum is the floor), the radio
  operations a provisioning needs, each done alone with nothing of ours around it:
  one full scan (wildcard, every enabled channel, not associated); one directed scan on
  the 2.4 GHz channels (wildcard + a 32-octet SSID, as the setup probe), and one on
  channels 1, 6 and 11 only (where the driver looks first); one association
  with its 4-way handshake (HomeNet, wpa_supplicant, scan limited to its channel, from
  ``SELECT_NETWORK`` to ``CTRL-EVENT-CONNECTED``); one association that fails on a wrong
  PSK (MixedNet, the same block the driver writes, to ``CTRL-EVENT-SSID-TEMP-DISABLED``);
  one DHCP lease (busybox ``udhcpc`` alone); one mutual-TLS handshake with the device's
  credentials (``wss.tls``, mbedTLS) and one HTTP round trip on it, to the DSS across the
  simulated link.

``floor_s`` of a run is the sum of the floors that run needed: one directed 2.4 GHz scan
and one full scan (the posted list must come from a look at every channel), one
association and one lease per network joined, one wrong-PSK failure per 3:2:0:1 attempt,
one TLS handshake per handshake the device made and one round trip per DSS exchange in
the DSS transcript. ``floor_strict_s`` counts the 1/6/11 scan instead of the 2.4 GHz one
(what finding the setup network takes when it sits on one of those channels, as here).
The emulated Echo's reaction (starting hostapd after it hears the
probe) is the provisioner's time, not a radio floor; it is in the setup phase's wall.

Prints a table and writes JSON to ``benchmarks/out/radio.json``: ``total_s`` (median of
the runs), ``phases_s`` (median per state), ``floor_s``, ``floors_s`` (each floor) and every
run. Needs what the hwsim tests need (root, QEMU, the Debian kernel, hostapd,
wpa_supplicant, busybox: ``tests/integration/hwsim/install-deps.sh``); exits 2 naming what
is missing. Target (issue 14): total <= 1.5 x floor_s and < 10 s.

Source: issue 14; ``tests/integration/README.md`` (the guest).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HWSIM = ROOT / "tests" / "integration" / "hwsim"

#: CLI lines: "[3/9] CONNECTING_TO_SETUP_NETWORK -> START_PROVISIONING (...) in 8133.1 ms".
_TRANSITION = re.compile(r"^\[\d+/\d+\] (\w+) -> \w+ \(.*\) in ([\d.]+) ms$", re.M)
_RESULT = re.compile(r"^result: (\w+).* in (\d+) ms \((\d+) TLS handshakes", re.M)
_ATTEMPT = re.compile(r"^  \S.*?\s+(WPA_PSK|NONE|WEP|OTHER)\s+(ASSOCIATED|FAILED)[ \t]*(\S*)", re.M)

#: The floors, in the order they are measured and printed.
FLOORS = (
    "full_scan",
    "directed_scan_2g4",
    "directed_scan_1_6_11",
    "association",
    "wrong_psk",
    "dhcp_lease",
    "tls_handshake",
    "dss_round_trip",
)


# ------------------------------------------------------------------ in the guest --


def guest_floors(reps: int, pki: str, dss_address: str, dss_port: int, dss_host: str) -> Dict[str, List[float]]:
    """Measure every floor ``reps`` times in the device's namespace; seconds per sample."""
    import hwsim_topology as topo

    from hal.nl80211.association import ID_STR, JoinTracker, network_settings
    from hal.nl80211.ipconfig import HOOK_SCRIPT, IPConfig, parse_hook_output
    from hal.nl80211.scan import Session, scan
    from hal.nl80211.wpa_ctrl import EventPump, WpaCtrl
    from wss.platform.device_files import DeviceFiles, load_credentials
    from wss.tls import TLSConnection

    iface = topo.DEVICE_IFACE
    path = f"/run/wpa_supplicant/{iface}"
    ctrl, pump = WpaCtrl(path), EventPump(path)
    sae = "SAE" in ctrl.request("GET_CAPABILITY key_mgmt").split()
    with Session() as session:
        wiphy = session.wiphy(session.interface(iface).wiphy, iface)
    freqs_2g4 = [f for f in wiphy.freqs_mhz if f < 2500]
    tls_config = load_credentials(DeviceFiles.from_pki(pki)).tls_config
    ip = IPConfig(iface)
    hook = Path(f"/tmp/bench-radio-hook-{os.getpid()}")
    hook.write_text(HOOK_SCRIPT)
    hook.chmod(0o700)
    out: Dict[str, List[float]] = {name: [] for name in FLOORS}

    def timed(name: str, fn: Any, *args: Any) -> Any:
        t0 = time.perf_counter()
        value = fn(*args)
        out[name].append(time.perf_counter() - t0)
        return value

    def join(net: Any, key: bytes) -> Optional[str]:
        """Add, select and wait; the outcome's failure name (None: joined)."""
        events = pump.subscribe()
        try:
            ctrl.request("BSS_FLUSH 0")
            net_id = int(ctrl.request("ADD_NETWORK").strip())
            for name, value in network_settings(net.config(key=key), sae=sae, scan_freqs_mhz=[net.freq_mhz]):
                ctrl.command(f"SET_NETWORK {net_id} {name} {value}")
            tracker = JoinTracker(net_id)
            ctrl.command(f"SELECT_NETWORK {net_id}")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                outcome = tracker.feed(events.get(timeout=deadline - time.monotonic()))
                if outcome is not None:
                    return None if outcome.joined else outcome.reason.name  # type: ignore[union-attr]
            raise TimeoutError(f"no outcome joining {net.ssid!r}")
        finally:
            pump.unsubscribe(events)

    def leave() -> None:
        ip.release()
        for line in ctrl.request("LIST_NETWORKS").splitlines()[1:]:
            net_id = line.split("\t", 1)[0]
            if net_id.isdigit() and ctrl.request(f"GET_NETWORK {net_id} id_str").strip() == f'"{ID_STR}"':
                ctrl.request(f"REMOVE_NETWORK {net_id}")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not re.search(
            r"wpa_state=(DISCONNECTED|INACTIVE)", ctrl.request("STATUS")
        ):
            time.sleep(0.05)

    def dhcp() -> Any:
        import subprocess

        argv = ["busybox", "udhcpc", "-i", iface, "-f", "-q", "-n", "-t", "3", "-T", "1", "-A", "1", "-s", str(hook)]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=15)
        lease = parse_hook_output(proc.stdout)
        if lease is None:
            raise RuntimeError(f"no DHCP lease: {proc.stderr[-200:]}")
        return lease

    leave()
    for _ in range(reps):
        timed("full_scan", lambda: scan(iface, (b"",), None, timeout_s=30))
        timed("directed_scan_2g4", lambda: scan(iface, (b"", b"x" * 32), freqs_2g4, timeout_s=30))
        timed("directed_scan_1_6_11", lambda: scan(iface, (b"", b"x" * 32), [2412, 2437, 2462], timeout_s=30))
        failure = timed("wrong_psk", lambda: join(topo.MIXED, b"an-old-password"))
        assert failure == "WRONG_KEY", failure
        leave()
        assert timed("association", lambda: join(topo.HOME, topo.HOME.key)) is None
        ip.apply(timed("dhcp_lease", dhcp))
        conn = timed(
            "tls_handshake", lambda: TLSConnection.connect(tls_config, dss_address, dss_port, server_hostname=dss_host)
        )
        with conn:
            timed("dss_round_trip", _round_trip, conn, dss_host)
        leave()
    pump.stop()
    ctrl.close()
    hook.unlink()
    return out


def _round_trip(conn: Any, dss_host: str) -> None:
    """One HTTP request on a TLS connection, until the response head is in."""
    conn.write(f"GET /ping HTTP/1.1\r\nHost: {dss_host}\r\nContent-Length: 0\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.read(4096, timeout_s=10)
        if not chunk:
            break
        head += chunk


# ------------------------------------------------------------------ on the host --


def parse_run(text: str) -> Dict[str, Any]:
    """Phases (s), total (s), TLS handshakes and attempts from ``wss provision``'s output."""
    phases: Dict[str, float] = {}
    for state, ms in _TRANSITION.findall(text):
        phases[state] = phases.get(state, 0.0) + float(ms) / 1000
    result = _RESULT.search(text)
    if result is None:
        raise RuntimeError(f"wss provision did not finish:\n{text[-2000:]}")
    attempts = [(state, code) for _security, state, code in _ATTEMPT.findall(text)]
    return {
        "outcome": result.group(1),
        "total_s": int(result.group(2)) / 1000,
        "tls_handshakes": int(result.group(3)),
        "associations": sum(1 for state, _ in attempts if state == "ASSOCIATED"),
        "wrong_psk": sum(1 for state, code in attempts if state == "FAILED" and code == "3:2:0:1"),
        "phases_s": phases,
    }


def record_run(text: str, before: Dict[str, int], after: Dict[str, int], process_s: float) -> Dict[str, Any]:
    """One run's record: :func:`parse_run` of its output, the runner's ``process_s``
    (seconds, Python start-up included) and the DSS exchanges it made, by listener
    (``after`` minus ``before``, counts of :func:`_exchanges`)."""
    run = parse_run(text)
    run["process_s"] = round(process_s, 3)
    run["dss_exchanges_by_port"] = {port: after[port] - before.get(port, 0) for port in after}
    run["dss_exchanges"] = sum(run["dss_exchanges_by_port"].values())
    return run


def floor_of(run: Dict[str, Any], floors: Dict[str, float], directed: str = "directed_scan_2g4") -> float:
    """The sum of the floors ``run`` needed (module docstring); ``directed`` names the
    floor of the scan that finds the setup network once the provisioner brought it up."""
    return (
        floors[directed]
        + floors["full_scan"]
        + run["associations"] * (floors["association"] + floors["dhcp_lease"])
        + run["wrong_psk"] * floors["wrong_psk"]
        + run["tls_handshakes"] * floors["tls_handshake"]
        + run["dss_exchanges"] * floors["dss_round_trip"]
    )


def _exchanges(transcript: Path) -> Dict[str, int]:
    """DSS exchanges in the transcript so far, by listener (``setup``: port 8888, ``dss``)."""
    counts = {"setup": 0, "dss": 0}
    if transcript.exists():
        for line in transcript.read_text().splitlines():
            record = json.loads(line)
            if record.get("event") == "exchange":
                counts[record.get("listener", "dss")] = counts.get(record.get("listener", "dss"), 0) + 1
    return counts


#: Groups of states -> the floors spent in them (strict: the 1/6/11 scan finds the setup AP).
STAGES = (
    ("joining the setup network", ("NOT_PROVISIONED", "CONNECTING_TO_SETUP_NETWORK")),
    (
        "DSS on the setup network",
        ("START_PROVISIONING", "COMPUTE_CONFIGURATION", "POST_WIFI_SCAN_DATA", "GET_WIFI_LIST"),
    ),
    ("joining the home network", ("CONNECTING_TO_USER_NETWORK", "CONNECTED_TO_USER_NETWORK")),
)


def stage_floors(run: Dict[str, Any], floors: Dict[str, float]) -> Dict[str, float]:
    """The strict floor of each stage of ``run`` (the last join's report rides on the DSS
    port: one handshake and its round trips are counted in the home stage)."""
    rt, tls = floors["dss_round_trip"], floors["tls_handshake"]
    join = floors["association"] + floors["dhcp_lease"]
    return {
        STAGES[0][0]: floors["full_scan"] + floors["directed_scan_1_6_11"] + join,
        STAGES[1][0]: tls + run["dss_exchanges_by_port"]["setup"] * rt,
        STAGES[2][0]: run["wrong_psk"] * floors["wrong_psk"]
        + (run["associations"] - 1) * join
        + (run["tls_handshakes"] - 1) * tls
        + run["dss_exchanges_by_port"]["dss"] * rt,
    }


def measure(runs: int, reps: int, verbose: bool = False) -> Dict[str, Any]:
    sys.path[:0] = [str(ROOT), str(HWSIM)]
    import hwsim_topology as topo
    import hwsim_vm
    from hwsim_ap_side import DSS_HOST, provisioner_ap

    missing = hwsim_vm.missing_requirements()
    if missing:
        print("bench_radio: the mac80211_hwsim guest cannot boot here; missing: " + "; ".join(missing), file=sys.stderr)
        raise SystemExit(2)
    import compileall

    for package in ("hal", "wss"):
        compileall.compile_dir(str(ROOT / package), quiet=1, workers=1)
    base = Path(os.environ.get("HWSIM_WORK") or Path(os.environ.get("TMPDIR") or "/tmp") / "wss-hwsim")
    guest = hwsim_vm.HwsimGuest(hwsim_vm.run_folder(base), cache=base)
    guest.boot(timeout_s=float(os.environ.get("HWSIM_BOOT_TIMEOUT", "300")))
    print(f"[bench_radio] guest ready in {guest.timings['ready_s']:.1f} s", flush=True)
    saved = [
        {"ssid": topo.MIXED.ssid.decode(), "security": "WPA_PSK", "key": "an-old-password"},
        {"ssid": topo.HOME.ssid.decode(), "security": "WPA_PSK", "key": topo.HOME.key.decode()},
    ]
    results: List[Dict[str, Any]] = []
    try:
        with provisioner_ap(guest, guest.work / "radio", [{"id": "home", "devices": "*", "networks": saved}]) as ap:
            transcript = ap / "dss-transcript.jsonl"
            for i in range(runs):
                before = _exchanges(transcript)
                t0 = time.monotonic()
                out = guest.sh(
                    f"cd {ap} && $WSS_PYTHON -m wss {'-v ' if verbose else ''}provision --hal nl80211 "
                    f"--hal-option iface={topo.DEVICE_IFACE} --pki {ap}/pki --dss {DSS_HOST}:8443 --setup-port 8888 "
                    f"--state-dir {ap}/state-{i}",
                    timeout_s=400,
                )
                text = out["stdout"] + out["stderr"]
                (ap / f"provision-{i}.log").write_text(text)
                run = record_run(text, before, _exchanges(transcript), time.monotonic() - t0)
                results.append(run)
                print(f"[bench_radio] run {i + 1}/{runs}: {run['outcome']} in {run['total_s']:.2f} s", flush=True)
            code = (
                f"import sys, json; sys.path[:0] = [{str(HERE)!r}, {str(HWSIM)!r}]; import bench_radio; "
                f"print(json.dumps(bench_radio.guest_floors({reps}, {str(ap / 'pki')!r}, {topo.HOME.gateway!r}, 8443, "
                f"{DSS_HOST!r})))"
            )
            floors_out = guest.sh(f"$WSS_PYTHON -c {json.dumps(code)}", timeout_s=600)
            if floors_out["rc"] != 0:
                raise RuntimeError(f"measuring the floors failed:\n{floors_out['stderr'][-3000:]}")
            samples = json.loads(floors_out["stdout"].strip().splitlines()[-1])
    finally:
        guest.shutdown()
    accel = "KVM" if "kvm" in " ".join(hwsim_vm.accelerator()[0]) else "TCG"
    return summarize(results, samples, f"mac80211_hwsim under QEMU ({accel})")


def summarize(results: List[Dict[str, Any]], samples: Dict[str, List[float]], guest: str) -> Dict[str, Any]:
    """The JSON of the benchmark from the runs and the floor samples (the floor is the minimum)."""
    floors = {name: min(values) for name, values in samples.items()}
    for run in results:
        run["floor_s"] = round(floor_of(run, floors), 3)
        run["floor_strict_s"] = round(floor_of(run, floors, "directed_scan_1_6_11"), 3)
        run["stages_s"] = {
            name: {"wall": round(sum(run["phases_s"].get(p, 0.0) for p in states), 3), "floor": round(floor, 3)}
            for (name, states), floor in zip(STAGES, stage_floors(run, floors).values())
        }
    phases = sorted({p for run in results for p in run["phases_s"]}, key=lambda p: _order(results, p))
    return {
        "benchmark": "radio",
        "guest": guest,
        "runs": len(results),
        "total_s": round(statistics.median(r["total_s"] for r in results), 3),
        "floor_s": round(statistics.median(r["floor_s"] for r in results), 3),
        "floor_strict_s": round(statistics.median(r["floor_strict_s"] for r in results), 3),
        "phases_s": {p: round(statistics.median(r["phases_s"].get(p, 0.0) for r in results), 3) for p in phases},
        "stages_s": {
            name: {
                key: round(statistics.median(r["stages_s"][name][key] for r in results), 3) for key in ("wall", "floor")
            }
            for name, _states in STAGES
        },
        "floors_s": {name: round(value, 3) for name, value in floors.items()},
        "floor_samples_s": {name: [round(v, 3) for v in values] for name, values in samples.items()},
        "all_runs": results,
    }


def _order(results: List[Dict[str, Any]], phase: str) -> int:
    return list(results[0]["phases_s"]).index(phase) if phase in results[0]["phases_s"] else 99


def table(result: Dict[str, Any]) -> str:
    runs = result["all_runs"]
    lines = [f"Time to provision on {result['guest']}, {result['runs']} runs (seconds)", ""]
    head = f"{'phase':<30}" + "".join(f"{'run ' + str(i + 1):>8}" for i in range(len(runs))) + f"{'median':>9}"
    lines += [head, "-" * len(head)]
    for phase, median in result["phases_s"].items():
        cells = "".join(f"{r['phases_s'].get(phase, 0.0):>8.2f}" for r in runs)
        lines.append(f"{phase:<30}{cells}{median:>9.2f}")
    lines.append(
        f"{'total (runner)':<30}" + "".join(f"{r['total_s']:>8.2f}" for r in runs) + f"{result['total_s']:>9.2f}"
    )
    lines.append(f"{'process (with Python start)':<30}" + "".join(f"{r['process_s']:>8.2f}" for r in runs))
    lines.append(
        f"{'floor_s (floors it needed)':<30}"
        + "".join(f"{r['floor_s']:>8.2f}" for r in runs)
        + f"{result['floor_s']:>9.2f}"
    )
    lines += ["", f"{'where the time goes (medians)':<30}{'wall':>8}{'floor':>8}{'above':>8}", "-" * 54]
    for name, cell in result["stages_s"].items():
        lines.append(f"{name:<30}{cell['wall']:>8.2f}{cell['floor']:>8.2f}{cell['wall'] - cell['floor']:>8.2f}")
    lines += ["", f"{'floor (same boot)':<22}{'min':>8}  samples", "-" * 50]
    for name, value in result["floors_s"].items():
        samples = ", ".join(f"{v:.2f}" for v in result["floor_samples_s"][name])
        lines.append(f"{name:<22}{value:>8.3f}  {samples}")
    ratio = result["total_s"] / result["floor_s"] if result["floor_s"] else float("inf")
    strict = result["total_s"] / result["floor_strict_s"] if result["floor_strict_s"] else float("inf")
    lines += [
        "",
        f"total / floor_s = {ratio:.2f}x (target <= 1.5x), total {result['total_s']:.2f} s (target < 10 s)",
        f"total / floor_strict_s (the setup network found by a scan of channels 1/6/11) = {strict:.2f}x",
        "run 1 needed: {associations} joins, {wrong_psk} wrong PSK, {tls_handshakes} TLS handshakes, "
        "{dss_exchanges} DSS exchanges".format(**runs[0]),
    ]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    p.add_argument("--runs", type=int, default=3, help="provisioning runs (default 3)")
    p.add_argument("--floor-reps", type=int, default=3, help="samples of each floor (default 3; the minimum counts)")
    p.add_argument("--out", type=Path, default=HERE / "out" / "radio.json")
    p.add_argument("--log", action="store_true", help="run `wss -v provision` (timestamped log lines in the run logs)")
    args = p.parse_args(argv)
    if args.runs < 1 or args.floor_reps < 1:
        p.error("--runs and --floor-reps must be at least 1")
    sys.path.insert(0, str(HERE))
    from report import publish

    result = measure(args.runs, args.floor_reps, args.log)
    publish(result, table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
