"""The "phone" of the SoftAP test, run in the guest's root namespace on a spare radio.

It joins the device's SoftAP with its own wpa_supplicant (the real station stack), takes a
DHCP lease from the device's udhcpd (busybox udhcpc, applied with the driver's own
``IPConfig``), then provisions the device with Espressif's client code
(``tests/esp_prov_peer.py``: esp_prov's flow functions, Transport_HTTP and Security1) over
HTTP to the SoftAP's address: session with the PoP, scan, set config, apply config, status.
Prints one JSON line with what it saw. esp-rainmaker-cli writes a log file next to its
package unless ``RMAKER_CLI_LOG_DIR`` names another folder: the guest's venv is read-only,
so the test sets it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))  # tests/

from esp_prov_peer import Client

from hal.nl80211.ipconfig import IPConfig


def _wpa_state(ctrl_dir: str, iface: str) -> str:
    out = subprocess.run(["wpa_cli", "-p", ctrl_dir, "-i", iface, "status"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("wpa_state="):
            return line.split("=", 1)[1]
    return ""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iface", required=True)
    parser.add_argument("--ssid", required=True)
    parser.add_argument("--pop", required=True)
    parser.add_argument("--home-ssid", required=True)
    parser.add_argument("--home-key", required=True)
    parser.add_argument("--address", default="192.168.4.1:80")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    report: dict = {}
    run = tempfile.mkdtemp(prefix="phone-")
    conf = os.path.join(run, "wpa.conf")
    with open(conf, "w") as f:
        f.write(f'ctrl_interface={run}\nnetwork={{\n ssid="{args.ssid}"\n key_mgmt=NONE\n scan_ssid=1\n}}\n')
    subprocess.run(["ip", "link", "set", args.iface, "up"], check=True)
    wpa = subprocess.Popen(["wpa_supplicant", "-i", args.iface, "-D", "nl80211", "-c", conf], stdout=subprocess.DEVNULL)
    ip = IPConfig(args.iface)
    try:
        t0 = time.monotonic()  # t_*_s: each step's wall time (benchmarks/bench_ble.py)
        deadline = time.monotonic() + args.timeout
        while _wpa_state(run, args.iface) != "COMPLETED":
            if time.monotonic() > deadline:
                raise SystemExit(f"the phone did not join {args.ssid}")
            time.sleep(0.2)
        report["joined_softap"] = True
        lease = ip.obtain(20.0)
        report["lease"] = lease.address if lease else None
        if lease is None:
            raise SystemExit("no DHCP lease from the SoftAP")
        host, port = args.address.rsplit(":", 1)
        client = Client((host, int(port)), timeout_s=20.0)
        report["t_connect_s"] = time.monotonic() - t0
        report["version"] = client.version()
        t1 = time.monotonic()
        report["session"] = client.connect(1, pop=args.pop)
        report["t_session_s"] = time.monotonic() - t1
        report["scan"] = sorted({ap["ssid"] for ap in client.scan()})
        t2 = time.monotonic()
        report["set_config"] = client.set_config(args.home_ssid, args.home_key)
        report["apply_config"] = client.apply_config()
        report["t_config_s"] = time.monotonic() - t2
        t3 = time.monotonic()
        report["status"] = client.wait_status(60.0)
        report["t_joined_s"] = time.monotonic() - t3
        client.close()
    except (Exception, SystemExit) as exc:  # the report names what went wrong
        report["error"] = repr(exc)
        report["traceback"] = traceback.format_exc()[-2000:]
    finally:
        ip.close()
        wpa.terminate()
        wpa.wait(5)
        shutil.rmtree(run, ignore_errors=True)
        print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
