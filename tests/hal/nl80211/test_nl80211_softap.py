"""The nl80211 SoftAP's pure parts (hal.nl80211.softap), on the host: the hostapd and
udhcpd configuration it writes, the AP interface's name and MAC address, and the checks
that run before anything starts. The running SoftAP is tested in the hwsim guest
(tests/integration/hwsim/test_hwsim_softap.py)."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from hal import Security, SoftAPConfig
from hal.errors import DriverTimeout, InterfaceError, NetworkUnreachable
from hal.nl80211 import softap
from hal.nl80211.driver import WifiDriverNl80211


def _conf(text: str) -> dict:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_open_softap_config():
    conf = _conf(softap.hostapd_config("wlan0ap", "/run/x", SoftAPConfig(b"PROV_EA69FC", channel=1)))
    assert conf["interface"] == "wlan0ap" and conf["driver"] == "nl80211" and conf["ctrl_interface"] == "/run/x"
    assert conf["ssid2"] == b"PROV_EA69FC".hex() and conf["channel"] == "1" and conf["hw_mode"] == "g"
    assert conf["ignore_broadcast_ssid"] == "0"
    assert not any(k.startswith("wpa") for k in conf)


def test_wpa2_softap_config_passphrase_and_raw_psk():
    conf = _conf(softap.hostapd_config("a", "/r", SoftAPConfig(b"S", Security.WPA2_PSK, b"pass phrase 1", hidden=True)))
    assert (conf["wpa"], conf["wpa_key_mgmt"], conf["rsn_pairwise"]) == ("2", "WPA-PSK", "CCMP")
    assert conf["wpa_passphrase"] == "pass phrase 1" and conf["ignore_broadcast_ssid"] == "1"
    raw = b"ab" * 32
    conf = _conf(softap.hostapd_config("a", "/r", SoftAPConfig(b"S", Security.WPA2_PSK, raw)))
    assert conf["wpa_psk"] == raw.decode() and "wpa_passphrase" not in conf


def test_ssid_with_any_octets_goes_as_hex():
    conf = _conf(softap.hostapd_config("a", "/r", SoftAPConfig(b"a=b\nc")))
    assert bytes.fromhex(conf["ssid2"]) == b"a=b\nc"


def test_udhcpd_config_serves_the_esp_idf_network():
    text = softap.udhcpd_config("wlan0ap", "/run/x")
    lines = dict(line.split(" ", 1) for line in text.splitlines())
    assert lines["interface"] == "wlan0ap" and lines["start"] == "192.168.4.2" and lines["end"] == "192.168.4.20"
    assert lines["lease_file"] == "/run/x/udhcpd.leases"
    assert softap.AP_ADDRESS == "192.168.4.1" and softap.AP_PREFIXLEN == 24


def test_ap_interface_name_fits_ifnamsiz():
    assert softap.softap_iface("wlan0") == "wlan0ap"
    assert len(softap.softap_iface("wlxaabbccddeeff")) == 15


@pytest.mark.parametrize(
    "station, ap",
    [
        (bytes.fromhex("020000000000"), bytes.fromhex("060000000000")),
        (bytes.fromhex("24 0a c4 ea 69 fc"), bytes.fromhex("220ac4ea69fc")),
        (bytes.fromhex("ffffffffffff"), bytes.fromhex("faffffffffff")),
    ],
)
def test_ap_mac_differs_and_is_local_unicast(station, ap):
    got = softap.softap_mac(station)
    assert got == ap and got != station
    assert got[0] & 0x02 and not got[0] & 0x01
    with pytest.raises(ValueError):
        softap.softap_mac(b"\x00" * 5)


def test_missing_hostapd_is_named(monkeypatch):
    monkeypatch.setattr(softap.shutil, "which", lambda name: None if name == "hostapd" else "/bin/" + name)
    with pytest.raises(InterfaceError, match="hostapd"):
        softap.HostapdSoftAP.check_available()


def test_hostapd_that_exits_is_reported_and_cleaned_up(monkeypatch, tmp_path):
    """hostapd failing at start-up: InterfaceError with its output, no run folder left."""
    calls = []
    monkeypatch.setattr(softap.HostapdSoftAP, "check_available", staticmethod(lambda: None))
    monkeypatch.setattr(softap.HostapdSoftAP, "_add_interface", lambda self: calls.append("add"))
    monkeypatch.setattr(softap.tempfile, "mkdtemp", lambda prefix: str(tmp_path / "run"))
    (tmp_path / "run").mkdir()
    real_popen = subprocess.Popen
    monkeypatch.setattr(softap.subprocess, "run", lambda argv, **kw: calls.append(argv[:3]))
    monkeypatch.setattr(
        softap.subprocess,
        "Popen",
        lambda argv, **kw: real_popen(["sh", "-c", "echo 'Could not set channel'; exit 1"], **kw),
    )
    ap = softap.HostapdSoftAP("wlan0", bytes(6), lambda detail: None)
    with pytest.raises(InterfaceError, match="hostapd exited with status 1: Could not set channel"):
        ap.start(SoftAPConfig(b"PROV_000000"))
    assert not (tmp_path / "run").exists()
    assert calls[0] == "add" and ["iw", "dev", "wlan0ap"] in calls


def test_softap_listen_without_softap_is_unreachable():
    driver = WifiDriverNl80211("wlan0")
    with pytest.raises(NetworkUnreachable):
        driver.softap_listen(80)


def _running_hostapd(monkeypatch, tmp_path, script):
    """A HostapdSoftAP whose "hostapd" is ``sh -c script``, its output followed as start() does."""
    ap = softap.HostapdSoftAP("wlan0", bytes(6), lambda detail: None)
    ap._run_dir = str(tmp_path)
    ap._hostapd = subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    threading.Thread(target=ap._copy_output, args=(ap._hostapd.stdout, str(tmp_path / "hostapd.log"))).start()
    monkeypatch.setattr(softap.HostapdSoftAP, "_enabled", lambda self: True)  # its control socket says ENABLED
    return ap


def test_the_start_wait_ends_on_hostapds_ap_enabled_line(monkeypatch, tmp_path):
    ap = _running_hostapd(
        monkeypatch,
        tmp_path,
        "echo 'wlan0ap: interface state UNINITIALIZED->ENABLED'; echo 'wlan0ap: AP-ENABLED '; sleep 30",
    )
    try:
        t0 = time.monotonic()
        ap._wait_enabled()
        assert time.monotonic() - t0 < softap.START_TIMEOUT_S
        assert "AP-ENABLED" in (tmp_path / "hostapd.log").read_text()
    finally:
        ap._hostapd.kill()
        ap._hostapd.wait()


def test_a_hostapd_that_never_enables_the_ap_times_out(monkeypatch, tmp_path):
    monkeypatch.setattr(softap, "START_TIMEOUT_S", 0.3)
    ap = _running_hostapd(monkeypatch, tmp_path, "echo 'wlan0ap: ACS: Automatic channel selection started'; sleep 30")
    try:
        with pytest.raises(DriverTimeout, match="did not enable the SoftAP on wlan0ap within 0.3 s"):
            ap._wait_enabled()
    finally:
        ap._hostapd.kill()
        ap._hostapd.wait()
