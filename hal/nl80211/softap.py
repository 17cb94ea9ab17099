"""The SoftAP of the Linux driver: hostapd on a second, virtual interface, plus udhcpd.

How it runs:

* A virtual AP interface ``<iface>ap`` is added on the station's radio
  (``NL80211_CMD_NEW_INTERFACE`` through ``iw``), with the station's MAC address made
  locally administered and bit ``0x04`` of its first octet flipped (two interfaces of a
  radio must not share an address). wpa_supplicant keeps the station interface, so the
  device can join the home network while its SoftAP still answers the phone (ESP-IDF's
  APSTA mode). Most radios, mac80211_hwsim included, run both only on **one channel**,
  so before the station joins a 2.4 GHz network on another channel the SoftAP follows
  it, as ESP-IDF's SoftAP follows its station: hostapd announces the move (``CHAN_SWITCH``,
  a channel switch announcement of 5 beacons; associated phones follow it) and the
  driver waits for ``AP-CSA-FINISHED``; if hostapd refuses or does not finish in time,
  hostapd is restarted on the new channel (the interface, its address, udhcpd and the
  driver's listeners stay; phones join again). A SoftAP does not follow a 5 GHz network
  (it is a 2.4 GHz AP); on a one-channel radio that join may be refused.
* hostapd (``driver=nl80211``) runs in AP mode on that interface from a configuration file
  in a private run folder (mode 0700; the passphrase is in it, never in a log); the
  driver reads hostapd's output (copied to ``hostapd.log`` in that folder) until it prints
  ``AP-ENABLED`` or exits (10 s deadline), checks ``state=ENABLED`` on its control socket,
  and follows its events (``AP-STA-CONNECTED``, ``AP-DISABLED``) on that socket.
* The AP address is ``192.168.4.1/24`` (ESP-IDF's SoftAP default); busybox ``udhcpd``
  leases ``192.168.4.2``-``192.168.4.20`` to stations.
* Stopping terminates udhcpd and hostapd (SIGTERM, then SIGKILL after 3 s) and deletes
  the interface and the run folder.

Source: hostapd's control interface (``CHAN_SWITCH <count> <freq>``, ``AP-CSA-FINISHED``);
IEEE 802.11 (the Channel Switch Announcement element); hostapd.conf(5) (``ssid2``,
``wpa_passphrase``/``wpa_psk``, ``ignore_broadcast_ssid``, ``ctrl_interface``); busybox
``networking/udhcp/dhcpd.c`` (its configuration keys); ESP-IDF ``esp_netif`` SoftAP
defaults (192.168.4.1/24); docs/softap.md ("SoftAP on Linux").
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import replace
from typing import IO, Callable, List, Optional

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from ..errors import DriverTimeout, InterfaceError, NetworkUnreachable
from ..types import Security, SoftAPConfig, channel_to_freq_mhz
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
#: Beacons before a channel switch (about 0.5 s at 100 TU), and the longest wait for it.
CSA_BEACONS = 5
CSA_TIMEOUT_S = 3.0


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
        self._config: Optional[SoftAPConfig] = None
        self._output_thread: Optional[threading.Thread] = None
        self._switched = threading.Event()  # AP-CSA-FINISHED heard

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
            self._start_hostapd(config)
            self._set_address()
            self._start_udhcpd()
            self._pump = EventPump(os.path.join(self._run_dir, self.ap_iface), on_event=self._on_event)
        except BaseException:
            self.stop()
            raise
        log.info("%s: SoftAP %r up on channel %d, %s/%d", self.ap_iface, config.ssid, config.channel, AP_ADDRESS, 24)

    def _start_hostapd(self, config: SoftAPConfig) -> None:
        """Write the configuration (mode 0600), start hostapd, wait for it to enable the AP."""
        assert self._run_dir is not None
        conf = os.path.join(self._run_dir, "hostapd.conf")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(conf)
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(hostapd_config(self.ap_iface, self._run_dir, config))
        self._output_seen.clear()
        self._enabled_printed = False
        self._hostapd = subprocess.Popen(["hostapd", conf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self._hostapd.stdout is not None
        log_path = os.path.join(self._run_dir, "hostapd.log")
        self._output_thread = threading.Thread(
            target=self._copy_output, args=(self._hostapd.stdout, log_path), name="hostapd-output", daemon=True
        )
        self._output_thread.start()
        self._wait_enabled()
        self._config = config

    @property
    def channel(self) -> Optional[int]:
        """The AP's 2.4 GHz channel (None before it started)."""
        return None if self._config is None else self._config.channel

    def follow(self, channel: int) -> None:
        """Move the AP to 2.4 GHz ``channel`` (module docstring): announced, else restarted.

        Raises:
            InterfaceError: hostapd could not be restarted on ``channel`` (the SoftAP is down).
            DriverTimeout: the restarted hostapd did not enable the AP within 10 s.
        """
        if self._config is None or self._run_dir is None or channel == self._config.channel:
            return
        moved = replace(self._config, channel=channel)
        if self._announce_switch(channel):
            self._config = moved
            log.info("%s: SoftAP moved to channel %d (channel switch announced)", self.ap_iface, channel)
            return
        log.info("%s: hostapd did not switch channels; restarting it on channel %d", self.ap_iface, channel)
        self._stopping = True
        self._stop_hostapd()
        if self._output_thread is not None:
            self._output_thread.join(STOP_TIMEOUT_S)  # its end of output must not end the next wait
        self._stopping = False
        self._start_hostapd(moved)
        self._pump = EventPump(os.path.join(self._run_dir, self.ap_iface), on_event=self._on_event)

    def _announce_switch(self, channel: int) -> bool:
        """``CHAN_SWITCH`` and a wait for ``AP-CSA-FINISHED``; whether the AP moved."""
        assert self._run_dir is not None
        self._switched.clear()
        try:
            ctrl = WpaCtrl(os.path.join(self._run_dir, self.ap_iface), timeout_s=CSA_TIMEOUT_S)
        except InterfaceError:
            return False
        try:
            reply = ctrl.request(f"CHAN_SWITCH {CSA_BEACONS} {channel_to_freq_mhz(channel)}").strip()
        except InterfaceError:
            return False
        finally:
            ctrl.close()
        return reply == "OK" and self._switched.wait(CSA_TIMEOUT_S)

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
        elif event.name == "AP-CSA-FINISHED":
            self._switched.set()
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

    def _stop_hostapd(self) -> None:
        """Stop following hostapd's events, then hostapd itself (``_stopping`` set first)."""
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.stop()
        _stop_process(self._hostapd)
        self._hostapd = None

    def stop(self) -> None:
        """Stop udhcpd and hostapd, delete the interface and the run folder (idempotent)."""
        self._stopping = True
        self._stop_hostapd()
        _stop_process(self._udhcpd)
        self._udhcpd = None
        subprocess.run(["iw", "dev", self.ap_iface, "del"], capture_output=True, timeout=5)
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
