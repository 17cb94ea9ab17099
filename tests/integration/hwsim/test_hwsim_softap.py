"""End to end in the guest: the SoftAP setup flow on the nl80211 driver.

The device (``wss softap --hal nl80211``, namespace ``sta``) puts up its SoftAP with
hostapd on a virtual interface of ``wlan0``'s radio, on the default channel 6, address
192.168.4.1 with busybox udhcpd. mac80211_hwsim radios run one channel at a time, so before
the device joins HomeNet (channel 1) its SoftAP moves there (a channel switch announcement
the phone follows, as an ESP32's SoftAP follows its station). The "phone"
(``guest/softap_phone.py``, root namespace, the spare radio) joins that AP with its own
wpa_supplicant, takes a lease, and provisions the device with Espressif's client code over
HTTP on port 80, security 1 with a PoP. The device then joins HomeNet as a station and
saves it. The second test starts from ``wss provision --fallback softap`` with no
provisioner in range: WSS fails, the device persists WSS-disabled, and the same SoftAP
setup follows.
"""

from __future__ import annotations

import json
import re

import hwsim_topology as topo
import hwsim_vm
import pytest
from hwsim_ap_side import DSS_HOST

pytestmark = pytest.mark.hwsim

POP = "abcd1234"


DEVICE = f"--hal nl80211 --hal-option iface={topo.DEVICE_IFACE} --hal-option scan_freqs_mhz=2412,2437,2462"
# joined but not registered afterwards: the device announces itself (local discovery) for 3 s
SOFTAP = f"--sec 1 --pop {POP} --timeout 120 --no-qr --discovery-time 3"


def _provision_over_softap(hwsim, base, device_args, wait_for_ap_s):
    """Run ``python -m wss <device_args>`` in the device's namespace; once its SoftAP
    serves, the phone provisions it. Returns (phone report, device log, device status)."""
    mac = hwsim.sh(f"cat /sys/class/net/{topo.DEVICE_IFACE}/address")["stdout"].strip()
    ssid = "PROV_" + mac.replace(":", "")[-6:].upper()
    polls = int(wait_for_ap_s / 0.2)
    out = hwsim.sh(
        f"cd {base} && (ip netns exec sta $WSS_PYTHON -m wss {device_args} "
        f"> {base}/device.log 2>&1; echo $? > {base}/device.rc) & "
        f"for i in $(seq {polls}); do grep -q 'HTTP on' {base}/device.log 2>/dev/null && break; sleep 0.2; done; "
        f"cd {base} && RMAKER_CLI_LOG_DIR={base} $WSS_PYTHON {hwsim_vm.GUEST_DIR}/softap_phone.py "
        f"--iface {topo.SPARE_RADIO} --ssid {ssid} "
        f"--pop {POP} --home-ssid {topo.HOME.ssid.decode()} --home-key {topo.HOME.key.decode()}; "
        f"for i in $(seq 300); do [ -s {base}/device.rc ] && break; sleep 0.2; done",
        ns="root",
        timeout_s=wait_for_ap_s + 240,
    )
    device_log = (base / "device.log").read_text()
    assert out["rc"] == 0, (out, device_log)
    report = json.loads(out["stdout"].strip().splitlines()[-1])
    assert report.get("error") is None, (report, out["stderr"][-3000:], device_log)
    assert f"SoftAP setup: service {ssid}" in device_log, device_log
    return report, device_log, (base / "device.rc").read_text().strip()


def _assert_provisioned(hwsim, base, report, device_log, status):
    assert report["joined_softap"] and report["lease"].startswith("192.168.4."), report
    assert report["session"] and report["set_config"] and report["apply_config"], report
    assert topo.HOME.ssid.decode() in report["scan"], report
    assert report["status"] == "connected", (report, device_log)
    assert status == "0", device_log
    assert "HTTP on 192.168.4.1:80" in device_log, device_log
    assert "joined the home network 'HomeNet'" in device_log, device_log
    # the SoftAP left channel 6 for HomeNet's channel 1 before the join (-v shows the driver's log)
    assert "SoftAP moved to channel 1 (channel switch announced)" in device_log, device_log
    # local discovery on the lease's address (the driver's ip_address), then withdrawn
    assert re.search(r"discovery: announcing PROV_\w{6} on \d+\.\d+\.\d+\.\d+ ", device_log), device_log
    assert "discovery: stopped after" in device_log, device_log
    state = json.loads((base / "state" / "provisionee.json").read_text())
    assert state["softap_mode"] is False and state["networks"][0]["ssid"] == topo.HOME.ssid.hex(), state
    # HomeNet's AP saw the device join; the SoftAP interface is gone afterwards
    assert "AP-STA-CONNECTED 02:00:00:00:00:00" in hwsim.sh("cat $HWSIM_WORK/logs/hostapd-ap1.log", ns="root")["stdout"]
    assert hwsim.sh(f"ip link show {topo.DEVICE_IFACE}ap")["rc"] != 0
    return state


def _fresh(hwsim, name):
    base = hwsim.work / name
    hwsim.sh(f"rm -rf {base} && mkdir -p {base}", ns="root")
    return base


def test_softap_setup_on_nl80211_joins_homenet(hwsim):
    base = _fresh(hwsim, "softap")
    result = _provision_over_softap(hwsim, base, f"-v softap {DEVICE} {SOFTAP} --state-dir {base}/state", 60)
    _assert_provisioned(hwsim, base, *result)


def test_wss_fails_then_softap_fallback_on_nl80211_joins_homenet(hwsim):
    """No provisioner in range: WSS fails, the device persists WSS-disabled and falls back
    to its SoftAP; the phone provisions it and it joins HomeNet."""
    from wss.mfg.dev_pki import create_dev_pki

    base = _fresh(hwsim, "softap-fallback")
    create_dev_pki(base / "pki", dss_host=DSS_HOST)
    args = f"-v provision {DEVICE} --pki {base}/pki --state-dir {base}/state --fallback softap {SOFTAP}"
    result = _provision_over_softap(hwsim, base, args, 300)
    state = _assert_provisioned(hwsim, base, *result)
    assert "fallback: SoftAP setup mode with WSS disabled" in result[1], result[1]
    assert state["wss_enabled"] is False, state
