"""The SoftAP of the Linux driver: hostapd on a second, virtual interface, plus udhcpd.

How it runs:

* A virtual AP interface ``<iface>ap`` is added on the station's radio
  (``NL80211_CMD_NEW_INTERFACE`` through ``iw``), with the station's MAC address made
  locally administered and bit ``0x04`` of its first octet flipped (two interfaces of a
  radio must not share an address). wpa_supplicant keeps the station interface, so the
  device can join the home network while its SoftAP still answers the phone (ESP-IDF's
  APSTA mode). Most radios, mac80211_hwsim included, run both only on **one channel**:
  start the SoftAP on the home network's channel, or the join may be refused.
* hostapd (``driver=nl80211``) runs in AP mode on that interface from a configuration file
  in a private run folder (mode 0700; the passphrase is in it, never in a log); the
  driver reads hostapd's output (copied to ``hostapd.log`` in that folder) until it prints
  ``AP-ENABLED`` or exits (10 s deadline), checks ``state=ENABLED`` on its control socket,
  and follows its events (``AP-STA-CONNECTED``, ``AP-DISABLED``) on that socket.
* The AP address is ``192.168.4.1/24`` (ESP-IDF's SoftAP default); busybox ``udhcpd``
  leases ``192.168.4.2``-``192.168.4.20`` to stations.
* Stopping terminates udhcpd and hostapd (SIGTERM, then SIGKILL after 3 s) and deletes
  the interface and the run folder.

Source: hostapd.conf(5) (``ssid2``, ``wpa_passphrase``/``wpa_psk``, ``ignore_broadcast_ssid``,
``ctrl_interface``); busybox ``networking/udhcp/dhcpd.c`` (its configuration keys);
ESP-IDF ``esp_netif`` SoftAP defaults (192.168.4.1/24); docs/softap.md ("SoftAP on Linux").
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
from typing import IO, Callable, List, Optional

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from ..errors import DriverTimeout, InterfaceError, NetworkUnreachable
from ..types import Security, SoftAPConfig
from .wpa_ctrl import EventPump, WpaCtrl, WpaEvent

__all__ = [
    "AP_ADDRESS",
    "AP_PREFIXLEN",
    "softap_iface",
    "softap_mac",
    "hostapd_config",
    "udhcpd_config",
    "HostapdSoftAP",
]

log = logging.getLogger("hal.nl80211")

#: The SoftAP's own address and prefix (ESP-IDF's default SoftAP network).
AP_ADDRESS = "192.168.4.1"
AP_PREFIXLEN = 24
#: Seconds hostapd has to bring the AP up, and each process to exit when stopped.
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 3.0


def softap_iface(iface: str) -> str:
    """The virtual AP interface's name for station interface ``iface`` (<= 15 chars)."""
    return (iface[:13] + "ap") if len(iface) > 13 else iface + "ap"


def softap_mac(station_mac: bytes) -> bytes:
    """The AP interface's MAC: the station's, locally administered, bit 0x04 flipped.

    Raises:
        ValueError: ``station_mac`` is not 6 bytes.
    """
    if len(station_mac) != 6:
        raise ValueError("a MAC address is 6 bytes")
    first = ((station_mac[0] | 0x02) ^ 0x04) & 0xFE
    return bytes([first]) + station_mac[1:]


def hostapd_config(iface: str, ctrl_dir: str, config: SoftAPConfig) -> str:
    """hostapd.conf text for ``config`` on ``iface`` (contains the passphrase).

    An open AP for ``Security.OPEN``; WPA2-PSK (CCMP) otherwise, WPA3 types included
    (a phone app's SoftAP is WPA2-PSK, as ESP-IDF's). A 64-hex-digit key is a raw PSK.
    """
    lines = [
        f"interface={iface}",
        "driver=nl80211",
        f"ctrl_interface={ctrl_dir}",
        f"ssid2={config.ssid.hex()}",
        "hw_mode=g",
        f"channel={config.channel}",
        f"ignore_broadcast_ssid={1 if config.hidden else 0}",
        "auth_algs=1",
    ]
    if config.security is not Security.OPEN:
        key = config.key.decode("ascii")
        lines += ["wpa=2", "wpa_key_mgmt=WPA-PSK", "rsn_pairwise=CCMP"]
        lines.append(f"wpa_psk={key}" if len(key) == 64 else f"wpa_passphrase={key}")
    return "\n".join(lines) + "\n"


def udhcpd_config(iface: str, run_dir: str) -> str:
    """busybox udhcpd's configuration: leases 192.168.4.2-20 on ``iface``, no router."""
    return (
        f"interface {iface}\nstart 192.168.4.2\nend 192.168.4.20\nmax_leases 19\n"
        f"lease_file {run_dir}/udhcpd.leases\npidfile {run_dir}/udhcpd.pid\n"
        "opt subnet 255.255.255.0\nopt lease 3600\n"
    )


def _stop_process(proc: Optional[subprocess.Popen]) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(STOP_TIMEOUT_S)


class HostapdSoftAP:
    """One running SoftAP (see the module docstring). Not thread-safe: the driver locks.

    Args:
        iface: The station interface whose radio hosts the AP.
        station_mac: The station's MAC address (the AP's is derived from it).
        on_stopped: Called (on the event thread) when hostapd stops on its own.
    """

    def __init__(self, iface: str, station_mac: bytes, on_stopped: Callable[[str], None]) -> None:
        self.iface = iface
        self.ap_iface = softap_iface(iface)
        self.mac = softap_mac(station_mac)
        self._on_stopped = on_stopped
        self._run_dir: Optional[str] = None
        self._hostapd: Optional[subprocess.Popen] = None
        self._udhcpd: Optional[subprocess.Popen] = None
        self._pump: Optional[EventPump] = None
        self._stopping = False
        self._output_seen = threading.Event()  # hostapd printed AP-ENABLED, or its output ended
        self._enabled_printed = False

    @staticmethod
    def check_available() -> None:
        """Raises InterfaceError naming a missing program (hostapd, iw, busybox udhcpd)."""
        for program in ("hostapd", "iw"):
            if shutil.which(program) is None:
                raise InterfaceError(f"SoftAP needs {program!r}, which is not installed (Debian package {program})")
        if shutil.which("udhcpd") is None and shutil.which("busybox") is None:
            raise InterfaceError("SoftAP needs busybox's udhcpd, which is not installed (Debian package busybox)")

    def start(self, config: SoftAPConfig) -> None:
        """Add the interface, start hostapd and udhcpd, set the address.

        Raises:
            InterfaceError: A program is missing, the kernel refused the interface, or
                hostapd exited (its last output lines are in the message).
            DriverTimeout: hostapd did not enable the AP within 10 s.
        """
        self.check_available()
        self._run_dir = tempfile.mkdtemp(prefix="wss-softap-")
        try:
            self._add_interface()
            conf = os.path.join(self._run_dir, "hostapd.conf")
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(hostapd_config(self.ap_iface, self._run_dir, config))
            self._hostapd = subprocess.Popen(["hostapd", conf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            assert self._hostapd.stdout is not None
            log_path = os.path.join(self._run_dir, "hostapd.log")
            threading.Thread(
                target=self._copy_output, args=(self._hostapd.stdout, log_path), name="hostapd-output", daemon=True
            ).start()
            self._wait_enabled()
            self._set_address()
            self._start_udhcpd()
            self._pump = EventPump(os.path.join(self._run_dir, self.ap_iface), on_event=self._on_event)
        except BaseException:
            self.stop()
            raise
        log.info("%s: SoftAP %r up on channel %d, %s/%d", self.ap_iface, config.ssid, config.channel, AP_ADDRESS, 24)

    def _add_interface(self) -> None:
        mac = ":".join(f"{b:02x}" for b in self.mac)
        subprocess.run(["iw", "dev", self.ap_iface, "del"], capture_output=True, timeout=5)  # a leftover
        for argv in (
            ["iw", "dev", self.iface, "interface", "add", self.ap_iface, "type", "__ap"],
            ["ip", "link", "set", "dev", self.ap_iface, "address", mac],
        ):
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=5)
            if proc.returncode != 0:
                raise InterfaceError(f"{self.iface}: cannot add the SoftAP interface: {proc.stderr.strip()[:200]}")

    def _hostapd_tail(self) -> str:
        assert self._run_dir is not None
        try:
            with open(os.path.join(self._run_dir, "hostapd.log"), errors="replace") as f:
                lines = [line.strip() for line in f if "passphrase" not in line and "psk" not in line.lower()]
        except OSError:
            return ""
        return " | ".join(lines[-3:])

    def _copy_output(self, stream: IO[bytes], log_path: str) -> None:
        """Runs on its own thread: hostapd's output into the log; note ``AP-ENABLED`` and the end."""
        try:
            with stream, open(log_path, "wb") as out:
                for line in stream:
                    out.write(line)
                    out.flush()
                    if b" AP-ENABLED" in line:
                        self._enabled_printed = True
                        self._output_seen.set()
        except OSError as exc:
            log.info("%s: reading hostapd's output failed: %s", self.ap_iface, exc)
        finally:
            self._output_seen.set()

    def _wait_enabled(self) -> None:
        """Wait for hostapd's ``AP-ENABLED`` (or its exit), then confirm on its control socket.

        Raises:
            InterfaceError: hostapd exited, or its control socket does not say ENABLED.
            DriverTimeout: neither within ``START_TIMEOUT_S``.
        """
        assert self._run_dir is not None and self._hostapd is not None
        if not self._output_seen.wait(START_TIMEOUT_S):
            raise DriverTimeout(f"hostapd did not enable the SoftAP on {self.ap_iface} within {START_TIMEOUT_S:g} s")
        if not self._enabled_printed:  # its output ended: hostapd is exiting
            try:
                status = self._hostapd.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                status = None
            raise InterfaceError(f"hostapd exited with status {status}: {self._hostapd_tail()}")
        if not self._enabled():
            raise InterfaceError(f"hostapd on {self.ap_iface} is not ENABLED: {self._hostapd_tail()}")

    def _enabled(self) -> bool:
        """Whether hostapd's control socket reports ``state=ENABLED``."""
        assert self._run_dir is not None
        try:
            ctrl = WpaCtrl(os.path.join(self._run_dir, self.ap_iface), timeout_s=1.0)
        except InterfaceError:
            return False
        try:
            return "state=ENABLED" in ctrl.request("STATUS").splitlines()
        except InterfaceError:
            return False
        finally:
            ctrl.close()

    def _set_address(self) -> None:
        try:
            with IPRoute() as ipr:
                idx = ipr.link_lookup(ifname=self.ap_iface)[0]
                ipr.addr("add", index=idx, address=AP_ADDRESS, prefixlen=AP_PREFIXLEN)
        except (NetlinkError, IndexError) as exc:
            raise InterfaceError(f"{self.ap_iface}: cannot set {AP_ADDRESS}/{AP_PREFIXLEN}: {exc}") from exc

    def _start_udhcpd(self) -> None:
        assert self._run_dir is not None
        conf = os.path.join(self._run_dir, "udhcpd.conf")
        with open(conf, "w") as f:
            f.write(udhcpd_config(self.ap_iface, self._run_dir))
        open(os.path.join(self._run_dir, "udhcpd.leases"), "wb").close()
        argv: List[str] = ["udhcpd"] if shutil.which("udhcpd") else ["busybox", "udhcpd"]
        self._udhcpd = subprocess.Popen(argv + ["-f", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _on_event(self, event: WpaEvent) -> None:
        if event.name in ("AP-STA-CONNECTED", "AP-STA-DISCONNECTED"):
            log.info("%s: %s %s", self.ap_iface, event.name, event.text)
        elif event.name in ("AP-DISABLED", "CTRL-EVENT-TERMINATING", EventPump.LOST) and not self._stopping:
            self._on_stopped(f"hostapd on {self.ap_iface}: {event.name}")

    def require_running(self) -> str:
        """The AP address if hostapd still runs.

        Raises:
            NetworkUnreachable: hostapd has exited.
        """
        if self._hostapd is None or self._hostapd.poll() is not None:
            raise NetworkUnreachable(f"the SoftAP on {self.ap_iface} is not running")
        return AP_ADDRESS

    def stop(self) -> None:
        """Stop udhcpd and hostapd, delete the interface and the run folder (idempotent)."""
        self._stopping = True
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.stop()
        _stop_process(self._udhcpd)
        _stop_process(self._hostapd)
        self._udhcpd = self._hostapd = None
        subprocess.run(["iw", "dev", self.ap_iface, "del"], capture_output=True, timeout=5)
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
