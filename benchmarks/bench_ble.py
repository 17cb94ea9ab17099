"""Benchmark the setup flow over BLE beside the SoftAP one, by step, in the hwsim guest.

    python benchmarks/bench_ble.py [--runs 3] [--out FILE]

One boot of the mac80211_hwsim QEMU guest of ``tests/integration/hwsim`` (one vCPU under
TCG), with its Bluetooth started (``guest/ble_env.sh``: hci_vhci, btvirt, bluetoothd).
Each run, alternating the two transports so both see the same load:

* **ble**: ``wss softap --transport ble`` on ``hci1`` (namespace ``sta``); the phone
  (``guest/ble_phone.py``: Espressif's esp_prov over bleak on ``hci0``) provisions it with
  security 1 (custom data and a Wi-Fi scan included, as in the tests);
* **softap**: ``wss softap`` (its SoftAP on the device radio); the phone
  (``guest/softap_phone.py``: its own wpa_supplicant on the spare radio, then esp_prov
  over HTTP) provisions it with security 1.

Steps, each the wall time of the guest's clock: ``advertise`` (device process start to
its "service" banner: Python start-up, driver open, SoftAP or GATT registration);
``connect`` (BLE: scan and GATT connection with service discovery; SoftAP: association
with the SoftAP and a DHCP lease); ``session`` (proto-ver and the security 1 handshake);
``config`` (set and apply config); ``joined`` (status polls until Connected: the
device's join of HomeNet); ``total`` (device start to the device process's end).
Custom data and the scan, between ``session`` and ``config``, are in ``total`` only.

Prints a table (median of the runs) and writes JSON to ``benchmarks/out/ble.json``. Needs
what the hwsim tests need plus Debian's bluez, bluez-test-tools and dbus on the host, and
bleak (the [test] extra); exits 2 naming what is missing.

Source: issue 18 (benchmark); ``tests/integration/hwsim/test_hwsim_ble.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HWSIM = ROOT / "tests" / "integration" / "hwsim"
STEPS = ("advertise", "connect", "session", "config", "joined", "total")
POP = "abcd1234"


def _device(transport: str, base: str) -> str:
    common = (
        "--hal nl80211 --hal-option iface=wlan0 --hal-option scan_freqs_mhz=2412,2437,2462 "
        f"--sec 1 --pop {POP} --timeout 150 --no-qr --no-discovery --state-dir {base}/state"
    )
    if transport == "ble":
        return f"softap --transport ble --ble-adapter hci1 {common}"
    return f"softap --ap-channel 1 {common}"


def _phone(transport: str, guest_dir: str, name: str, home_ssid: str, home_key: str) -> str:
    if transport == "ble":
        return (
            f"$WSS_PYTHON {guest_dir}/ble_phone.py --adapter hci0 --name {name} --sec 1 --pop {POP} "
            f"--deadline 240 provision --home-ssid {home_ssid} --home-key {home_key}"
        )
    return (
        f"$WSS_PYTHON {guest_dir}/softap_phone.py --iface ap4 --ssid {name} --pop {POP} "
        f"--home-ssid {home_ssid} --home-key {home_key}"
    )


def one_run(guest: Any, transport: str, index: int) -> Dict[str, Any]:
    """One provisioning over ``transport``; seconds per step."""
    import hwsim_topology as topo
    import hwsim_vm

    base = guest.work / f"bench-{transport}-{index}"
    guest.sh(f"rm -rf {base} && mkdir -p {base}", ns="root")
    mac = guest.sh(f"cat /sys/class/net/{topo.DEVICE_IFACE}/address")["stdout"].strip()
    name = "PROV_" + mac.replace(":", "")[-6:].upper()
    banner = "BLE setup: service" if transport == "ble" else "HTTP on"
    phone = _phone(transport, str(hwsim_vm.GUEST_DIR), name, topo.HOME.ssid.decode(), topo.HOME.key.decode())
    out = guest.sh(
        f"cd {base} && t0=$(date +%s.%N); (ip netns exec sta $WSS_PYTHON -m wss {_device(transport, str(base))} "
        f"> {base}/device.log 2>&1; echo $? > {base}/device.rc; date +%s.%N > {base}/device.end) & "
        f"for i in $(seq 1500); do grep -q '{banner}' {base}/device.log 2>/dev/null && break; sleep 0.02; done; "
        f"t1=$(date +%s.%N); RMAKER_CLI_LOG_DIR={base} {phone} 2> {base}/phone.err; "
        f"for i in $(seq 600); do [ -s {base}/device.end ] && break; sleep 0.1; done; "
        f'echo "TIMES $t0 $t1 $(cat {base}/device.end)"',
        ns="root",
        timeout_s=420,
    )
    lines = out["stdout"].strip().splitlines()
    times = next(line for line in reversed(lines) if line.startswith("TIMES")).split()[1:]
    report = json.loads(next(line for line in reversed(lines) if line.startswith("{")))
    if report.get("error") or report.get("status") != "connected":
        raise RuntimeError(f"{transport} run {index} failed: {report} {(base / 'phone.err').read_text()[-1500:]}")
    t0, t1, t_end = (float(t) for t in times)
    return {
        "advertise": t1 - t0,
        "connect": report["t_connect_s"],
        "session": report["t_session_s"],
        "config": report["t_config_s"],
        "joined": report["t_joined_s"],
        "total": t_end - t0,
    }


def missing() -> List[str]:
    sys.path.insert(0, str(HWSIM))
    import hwsim_vm

    problems = hwsim_vm.missing_requirements()
    for tool in ("btvirt", "bluetoothd", "dbus-daemon"):
        if shutil.which(tool, path="/usr/bin:/usr/sbin:/usr/libexec/bluetooth") is None:
            problems.append(f"{tool} (Debian bluez, bluez-test-tools, dbus)")
    try:
        import bleak  # noqa: F401
    except ImportError:
        problems.append("bleak (the [test] extra)")
    return problems


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "ble.json")
    args = parser.parse_args(argv)
    problems = missing()
    if problems:
        print("bench_ble: cannot run here; missing: " + "; ".join(problems), file=sys.stderr)
        return 2
    import hwsim_vm

    base = Path(os.environ.get("HWSIM_WORK") or "/tmp/wss-hwsim")
    guest = hwsim_vm.HwsimGuest(hwsim_vm.run_folder(base), cache=base)
    runs: Dict[str, List[Dict[str, float]]] = {"ble": [], "softap": []}
    load_start = os.getloadavg()
    guest.boot()
    try:
        ready = guest.sh(f"bash {hwsim_vm.GUEST_DIR}/ble_env.sh start", ns="root", timeout_s=150)
        if "BLE-ENV-READY" not in ready["stdout"]:
            print(f"bench_ble: the guest's Bluetooth did not start: {ready['stdout']}", file=sys.stderr)
            return 1
        for index in range(args.runs):
            for transport in ("ble", "softap"):
                runs[transport].append(one_run(guest, transport, index))
                print(f"[{transport} {index + 1}/{args.runs}] total {runs[transport][-1]['total']:.1f} s", flush=True)
    finally:
        guest.shutdown()
    medians = {t: {step: statistics.median(r[step] for r in rs) for step in STEPS} for t, rs in runs.items()}
    print(f"\n{'step (median s)':<16}{'ble':>10}{'softap':>10}")
    for step in STEPS:
        print(f"{step:<16}{medians['ble'][step]:>10.2f}{medians['softap'][step]:>10.2f}")
    result = {
        "meta": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "guest_vcpus": hwsim_vm.accelerator()[1],
            "runs": args.runs,
            "clock": "the guest's date +%s.%N (advertise, total) and time.monotonic in the phone (other steps)",
            "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(),
        },
        "median_s": medians,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
