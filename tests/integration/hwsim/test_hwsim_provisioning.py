"""End to end in the guest: ``wss provision --hal nl80211 --hal-option iface=wlan0`` reaches DONE.

The AP side (root namespace) runs ``guest/provisioner_ap.py``: the local DSS and an Echo
that brings up the device's *encoded* hidden setup network when it hears the device's
directed probe. The device (``wlan0``, its own namespace) runs the real CLI: it joins the
setup network, talks mutual TLS to the DSS on port 8888 across the simulated radio link,
posts what it scanned, gets the account's saved networks (the first with a stale
password), fails on that one with a bad PSK, joins HomeNet, reports, and ends DONE.
Also ``wss scan --hal nl80211`` in the guest.
"""

from __future__ import annotations

import json
import re

import hwsim_topology as topo
import pytest
from hwsim_ap_side import DSS_HOST, provisioner_ap

pytestmark = pytest.mark.hwsim


@pytest.fixture(scope="module")
def ap_side(hwsim):
    """PKI and accounts on the shared work folder; the DSS + provisioner running in the guest."""
    saved = [
        {"ssid": topo.MIXED.ssid.decode(), "security": "WPA_PSK", "key": "an-old-password"},
        {"ssid": topo.HOME.ssid.decode(), "security": "WPA_PSK", "key": topo.HOME.key.decode()},
    ]
    with provisioner_ap(hwsim, hwsim.work / "e2e", [{"id": "home", "devices": "*", "networks": saved}]) as base:
        yield base


def test_wss_provision_on_nl80211_reaches_done(hwsim, ap_side):
    base = ap_side
    out = hwsim.sh(
        f"cd {base} && $WSS_PYTHON -m wss provision --hal nl80211 --hal-option iface={topo.DEVICE_IFACE} "
        f"--pki {base}/pki --dss {DSS_HOST}:8443 --setup-port 8888 --state-dir {base}/state",
        timeout_s=400,
    )
    log = out["stdout"] + out["stderr"]
    (base / "provision.log").write_text(log)
    assert out["rc"] == 0, log
    assert "result: DONE, joined the home network 'HomeNet'" in log
    # the first saved network had a stale password: a bad-PSK attempt was recorded and reported
    assert re.search(r"MixedNet\s+WPA_PSK\s+FAILED\s+3:2:0:1", log), log
    assert re.search(r"HomeNet\s+WPA_PSK\s+ASSOCIATED", log), log
    # the encoded setup network came up because the provisioner heard the device's probe
    provisioner_log = (base / "provisioner.log").read_text()
    assert len(re.findall(r"probe for \S{32} recognised", provisioner_log)) == 1, provisioner_log
    assert "AP-STA-CONNECTED 02:00:00:00:00:00" in (base / "provisioner-hostapd.log").read_text()
    # DSS side: the first operations on the setup-network port, the last reports on the DSS port
    records = [json.loads(line) for line in (base / "dss-transcript.jsonl").read_text().splitlines()]
    listeners = [r["listener"] for r in records if r.get("event") == "exchange"]
    assert listeners[0] == "setup" and listeners[-1] == "dss", listeners
    state = json.loads((base / "state" / "provisionee.json").read_text())
    assert (state["state"], state["softap_mode"], state["wss_enabled"]) == ("DONE", False, True), state
    ap_log = hwsim.sh("cat $HWSIM_WORK/logs/hostapd-ap1.log", ns="root")["stdout"]
    assert "AP-STA-CONNECTED 02:00:00:00:00:00" in ap_log


def test_wss_scan_cli_on_nl80211(hwsim):
    out = hwsim.sh(
        f"$WSS_PYTHON -m wss scan --hal nl80211 --hal-option iface={topo.DEVICE_IFACE} "
        f"--hal-option scan_freqs_mhz=2412,2437,2462 --ssid {topo.HIDDEN.ssid.decode()}",
        timeout_s=200,
    )
    assert out["rc"] == 0, out
    rows = {re.split(r"\s{2,}", line)[0]: re.split(r"\s{2,}", line) for line in out["stdout"].splitlines()[1:]}
    assert rows["HomeNet"][5] == "WPA2_PSK" and rows["Wpa3Only"][5] == "WPA3_SAE"
    assert rows["simple_setup"][-1] == "hidden"
    assert rows["CorpNet"][5] == "ENTERPRISE" and rows["LegacyWep"][5] == "WEP"
