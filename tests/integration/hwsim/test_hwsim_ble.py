"""End to end in the guest: the setup flow over BLE, with Espressif's client as the phone.

The guest's Bluetooth (``guest/ble_env.sh``): hci_vhci with three virtual LE controllers
from ``btvirt``, a private system bus and bluetoothd under real-time priority. The device
(``wss softap --transport ble`` or ``wss provision --fallback ble``, namespace ``sta``)
registers its GATT service and advertisement on ``hci1`` through BlueZ's D-Bus API; the
phone (``guest/ble_phone.py``: esp_prov's flow functions, Transport_BLE over bleak,
Security1/Security2) scans and connects from ``hci0``, finds the endpoints by their 0x2901
names and provisions the device, which joins HomeNet on mac80211_hwsim and saves it.

The guest boots with one vCPU under TCG (``hwsim_vm.accelerator``); with two,
advertisements race the start of discovery.
"""

from __future__ import annotations

import json
import shlex
import shutil

import hwsim_topology as topo
import hwsim_vm
import pytest
from hwsim_ap_side import DSS_HOST

pytestmark = pytest.mark.hwsim

POP = "abcd1234"
SEC2_USER, SEC2_PASSWORD = "wifiprov", "abcd1234"
DEVICE_ADAPTER, PHONE_ADAPTER = "hci1", "hci0"
DEVICE = f"--hal nl80211 --hal-option iface={topo.DEVICE_IFACE} --hal-option scan_freqs_mhz=2412,2437,2462"
BLE = f"--ble-adapter {DEVICE_ADAPTER} --timeout 150 --no-qr --no-discovery"
PHONE = f"{hwsim_vm.GUEST_DIR}/ble_phone.py --adapter {PHONE_ADAPTER}"


@pytest.fixture(scope="module")
def ble(hwsim):
    """The guest with its Bluetooth environment started (once per guest)."""
    missing = [tool for tool in ("btvirt", "bluetoothd", "dbus-daemon") if not _host_tool(tool)]
    if missing:
        pytest.skip(
            f"the BLE tests need {', '.join(missing)} on the host (Debian bluez, bluez-test-tools, dbus: make test)"
        )
    pytest.importorskip("bleak", reason="bleak (the [test] extra), which esp_prov's Transport_BLE runs on")
    out = hwsim.sh(f"bash {hwsim_vm.GUEST_DIR}/ble_env.sh start", ns="root", timeout_s=150)
    if "BLE-ENV-READY" not in out["stdout"]:
        pytest.fail(f"the guest's Bluetooth did not start: {out['stdout']} {out['stderr']}", pytrace=False)
    return hwsim


def _host_tool(name):
    return shutil.which(name, path="/usr/bin:/usr/sbin:/usr/libexec/bluetooth:/bin:/sbin")


def _fresh(hwsim, name):
    base = hwsim.work / name
    hwsim.sh(f"rm -rf {base} && mkdir -p {base}", ns="root")
    return base


def _service_name(hwsim):
    mac = hwsim.sh(f"cat /sys/class/net/{topo.DEVICE_IFACE}/address")["stdout"].strip()
    return "PROV_" + mac.replace(":", "")[-6:].upper()


def _run(hwsim, base, device_args, phone_args, wait_for_service_s):
    """Start ``python -m wss <device_args>`` in the device's namespace; once it
    advertises, run the phone with ``phone_args``. Returns (phone report, device log,
    device exit status)."""
    polls = int(wait_for_service_s / 0.2)
    out = hwsim.sh(
        f"cd {base} && (ip netns exec sta $WSS_PYTHON -m wss {device_args} "
        f"> {base}/device.log 2>&1; echo $? > {base}/device.rc) & "
        f"for i in $(seq {polls}); do grep -q 'BLE setup: service' {base}/device.log 2>/dev/null && break; "
        f"sleep 0.2; done; "
        f"cd {base} && RMAKER_CLI_LOG_DIR={base} $WSS_PYTHON {PHONE} --name {_service_name(hwsim)} "
        f"--report-file {base}/phone.json {phone_args} 2> {base}/phone.err; "
        f"for i in $(seq 400); do [ -s {base}/device.rc ] && break; sleep 0.2; done",
        ns="root",
        timeout_s=wait_for_service_s + 400,
    )
    device_log = (base / "device.log").read_text()
    phone_err = (base / "phone.err").read_text()
    assert out["rc"] == 0, (out, device_log)
    lines = out["stdout"].strip().splitlines()
    if lines and lines[-1].startswith("{"):
        report = json.loads(lines[-1])
    else:  # the phone was stopped by its deadline: its report file has the steps done
        partial = base / "phone.json"
        assert partial.exists(), ("the phone printed no report", phone_err[-3000:], device_log)
        report = json.loads(partial.read_text())
        if report.get("step") != "done":  # stopped while leaving is no failure of the device
            report["error"] = f"the phone was stopped in step {report.get('step')!r}"
    rc = (base / "device.rc").read_text().strip() if (base / "device.rc").exists() else "(running)"
    return report, device_log, rc, phone_err


def _provision_args(sec, **secrets):
    creds = " ".join(f"--{k} {shlex.quote(v)}" for k, v in secrets.items())
    home = f"--home-ssid {topo.HOME.ssid.decode()} --home-key {topo.HOME.key.decode()}"
    return f"--sec {sec} {creds} provision {home}"


def _assert_provisioned(hwsim, base, report, device_log, rc, stderr):
    assert report.get("error") is None, (report, stderr[-3000:], device_log)
    assert report["session"] and report["custom_data"], report
    assert topo.HOME.ssid.decode() in report["scan"], report
    assert report["set_config"] and report["apply_config"], report
    assert report["status"] == "connected", (report, device_log)
    assert rc == "0", device_log
    assert f"BLE setup: service {_service_name(hwsim)} on {DEVICE_ADAPTER}" in device_log, device_log
    assert "custom-data: 20 bytes received" in device_log, device_log
    assert "joined the home network 'HomeNet'" in device_log, device_log
    state = json.loads((base / "state" / "provisionee.json").read_text())
    assert state["softap_mode"] is False and state["networks"][0]["ssid"] == topo.HOME.ssid.hex(), state
    assert "AP-STA-CONNECTED 02:00:00:00:00:00" in hwsim.sh("cat $HWSIM_WORK/logs/hostapd-ap1.log", ns="root")["stdout"]
    return state


def test_ble_setup_security1_joins_homenet(ble):
    base = _fresh(ble, "ble-sec1")
    device = f"softap --transport ble {DEVICE} {BLE} --sec 1 --pop {POP} --state-dir {base}/state"
    result = _run(ble, base, device, _provision_args(1, pop=POP), 60)
    _assert_provisioned(ble, base, *result)


def test_ble_setup_security2_refuses_a_wrong_password_then_joins_homenet(ble):
    base = _fresh(ble, "ble-sec2")
    device = (
        f"softap --transport ble {DEVICE} {BLE} --sec 2 --sec2-username {SEC2_USER} "
        f"--sec2-password {SEC2_PASSWORD} --state-dir {base}/state"
    )
    wrong = f"--wrong-password {SEC2_PASSWORD}-not"
    args = _provision_args(2, username=SEC2_USER, password=SEC2_PASSWORD).replace(" provision", f" {wrong} provision")
    report, device_log, rc, stderr = _run(ble, base, device, args, 60)
    # esp_prov's Security2 sees the device's proof fail to verify (the device refuses the
    # client's proof): no session with a wrong password
    assert report.get("wrong_password_session") is False, (report, device_log)
    assert "prov-session" in device_log and "refused" in device_log, device_log
    _assert_provisioned(ble, base, report, device_log, rc, stderr)


def test_ble_robustness_disconnect_overflow_long_write_second_client(ble):
    base = _fresh(ble, "ble-robust")
    device = f"-v softap --transport ble {DEVICE} {BLE} --sec 1 --pop {POP} --state-dir {base}/state"
    report, device_log, rc, stderr = _run(ble, base, device, f"--sec 1 --pop {POP} robustness --deadline 240", 60)
    assert report.get("error") is None, (report, stderr[-3000:], device_log)
    # the client left in the middle of the handshake; a new session then starts cleanly
    assert report["mid_session_disconnect"] and report["new_session"], report
    # a write longer than the MTU without a long write is refused (by the client's stack:
    # an ATT PDU cannot exceed the MTU), and the device stays usable
    assert report["overflow_write"].startswith("refused"), report
    assert report["session_after_overflow"], report
    # a 200-byte request (past the default ATT MTU of 23: an MTU exchange or a long write
    # carries it) reaches the handler whole
    assert report["long_custom_data"], report
    assert "custom-data: 200 bytes received" in device_log, device_log
    # a second client while the first holds the session is refused
    assert report["second_client"].startswith("refused"), report


def test_wss_fails_then_ble_fallback_joins_homenet(ble):
    """No provisioner in range: WSS fails, the device persists WSS-disabled and falls back
    to BLE; the phone provisions it over BLE and it joins HomeNet."""
    from wss.mfg.dev_pki import create_dev_pki

    base = _fresh(ble, "ble-fallback")
    create_dev_pki(base / "pki", dss_host=DSS_HOST)
    device = f"provision {DEVICE} --pki {base}/pki --state-dir {base}/state --fallback ble {BLE} --sec 1 --pop {POP}"
    report, device_log, rc, stderr = _run(ble, base, device, _provision_args(1, pop=POP), 300)
    state = _assert_provisioned(ble, base, report, device_log, rc, stderr)
    assert "fallback: SoftAP setup mode with WSS disabled" in device_log, device_log
    assert state["wss_enabled"] is False, state
