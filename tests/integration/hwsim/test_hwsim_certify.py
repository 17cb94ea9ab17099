"""``wss certify --hal nl80211`` in the guest: a few runs on the kernel's Wi-Fi stack, checked.

The AP side (root namespace) runs ``guest/provisioner_ap.py``: the local DSS, with its
transcript on the shared work folder, and an emulated Echo that brings up each run's
*encoded* setup network when it hears the device's probe (each run boots the device
afresh: a new nonce, a new SSID). The device (``wlan0``, namespace ``sta``) runs the real
CLI with ``--dss`` and ``--dss-transcript``: each run provisions across the simulated
air and is checked from that DSS's records (TLS, vicinity, error details) and the
driver's events. A lab profile names the account's networks and says that MixedNet's
saved password is stale (a fault of the home itself: 3:2:0:1 is expected there).
"""

from __future__ import annotations

import json

import hwsim_topology as topo
import pytest
import yaml
from hwsim_ap_side import DSS_HOST, provisioner_ap

pytestmark = pytest.mark.hwsim

RUNS = 3


@pytest.fixture(scope="module")
def lab(hwsim):
    """The account and a lab profile naming it; the DSS and the Echo running in the guest."""
    saved = [
        {"ssid": topo.MIXED.ssid.decode(), "security": "WPA_PSK", "key": "an-old-password", "priority": 2},
        {"ssid": topo.HOME.ssid.decode(), "security": "WPA_PSK", "key": topo.HOME.key.decode(), "priority": 1},
    ]
    customers = [{"id": "lab", "devices": "*", "networks": saved}]
    with provisioner_ap(hwsim, hwsim.work / "certify", customers) as base:
        profile = {
            "name": "hwsim-lab",
            "description": "the guest's access points; MixedNet's saved password is stale",
            "home": {"faults": [{"type": "wrong_psk", "ssid": topo.MIXED.ssid.decode()}], "customers": customers},
        }
        (base / "lab.yaml").write_text(yaml.safe_dump(profile))
        yield base


def test_wss_certify_on_nl80211_passes_a_few_runs_checked_from_the_dss_and_the_radio(hwsim, lab):
    base = lab
    out = hwsim.sh(
        f"cd {base} && MPLCONFIGDIR={base}/mpl $WSS_PYTHON -m wss certify --hal nl80211 "
        f"--hal-option iface={topo.DEVICE_IFACE} --hal-option scan_freqs_mhz=2412,2437,2462 "
        f"--pki {base}/pki --customer-id A2HWSIMLAB0001 --out {base}/report "
        f"--profile {base}/lab.yaml --runs {RUNS} --dss {DSS_HOST}:8443 --setup-port 8888 "
        f"--dss-transcript {base}/dss-transcript.jsonl --no-progress",
        timeout_s=900,
    )
    log = out["stdout"] + out["stderr"]
    (base / "certify.log").write_text(log)
    assert out["rc"] == 0, log
    assert log.startswith(f"PASS: {RUNS}/{RUNS} runs provisioned"), log
    report = json.loads((base / "report" / "report.json").read_text())
    assert report["plan"]["hal"] == "nl80211" and report["plan"]["dss"].startswith(f"remote {DSS_HOST}:8443")
    tls = report["tls"]
    assert tls["handshakes"] == 2 * RUNS and tls["ems_negotiated"] == 2 * RUNS and tls["sni"] == {DSS_HOST: 2 * RUNS}
    assert tls["by_listener"] == {"setup": RUNS, "dss": RUNS} and tls["chain_lengths"] == {"4": 2 * RUNS}
    codes = {row["code"]: row for row in report["error_codes"]}
    assert codes["3:2:0:1"]["runs"] == RUNS  # MixedNet's stale password, reported in every run
    for run in report["runs"]:
        assert run["succeeded"] and run["findings"] == [] and "HomeNet" in run["posted"]
    provisioner_log = (base / "provisioner.log").read_text()
    assert provisioner_log.count("recognised: hosting it") == RUNS, provisioner_log  # a new SSID per boot
