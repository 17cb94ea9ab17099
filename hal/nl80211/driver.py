"""The Linux driver: nl80211 (pyroute2) for scans, wpa_supplicant for association.

What runs where:

=====================  ============================================================
contract op            how
=====================  ============================================================
``attach()``           start-up checks (:mod:`hal.nl80211.checks`): interface exists,
                       CAP_NET_ADMIN, nl80211 station, wpa_supplicant answers PING,
                       DHCP client present; then an event thread on wpa_supplicant
``trigger_scan()``     ``NL80211_CMD_TRIGGER_SCAN`` (wildcard + the SSIDs asked for,
                       optionally limited to ``scan_freqs_mhz``); a thread waits for the
                       end, listens passively on channels 1, 6 and 11 (beacons a short
                       active dwell missed) and reads the results (:mod:`hal.nl80211.scan`)
``associate()``        a wpa_supplicant network block, ``SELECT_NETWORK``, its events
                       (:mod:`hal.nl80211.association`); DHCP (:mod:`hal.nl80211.ipconfig`);
                       the connectivity check (:mod:`hal.nl80211.connectivity`)
``disassociate()``     ``REMOVE_NETWORK`` of the driver's block; the lease is released
``tcp_connect()``      a kernel TCP socket bound to the interface (``SO_BINDTODEVICE``)
``mac_address()``      the interface's address (``IFLA_ADDRESS``)
``start_softap()``     hostapd on a virtual AP interface, 192.168.4.1/24, busybox
                       udhcpd (:mod:`hal.nl80211.softap`); the station stays usable,
                       and the SoftAP moves to the channel of a network the station joins
``softap_listen()``    a kernel TCP listener on 192.168.4.1
=====================  ============================================================

The driver adds one network block at a time (``id_str=wss``) and removes it when done;
``SELECT_NETWORK`` disables the other blocks wpa_supplicant may hold from its own
configuration (they are not re-enabled). wpa_supplicant's BSS table is flushed before
each join so that its verdict comes from a fresh scan; the join scan is limited to the
channels where the last scan heard the SSID (then, if that finds nothing, to
``scan_freqs_mhz`` or every channel). A hidden network the last scan did not name (the
encoded setup network comes up only after the provisioner heard the device's probe,
protocol §7.1) is looked for with directed scans of channels 1, 6 and 11, then of every
2.4 GHz channel (up to :attr:`WifiDriverNl80211.HIDDEN_SCANS` of them: setup networks are
2.4 GHz), and only then on every channel.

Every wait is on an event with a deadline, never a fixed sleep: scans end on
``NL80211_CMD_NEW_SCAN_RESULTS`` / ``SCAN_ABORTED``, joins and leaves on wpa_supplicant's
control events, an address on ``RTM_NEWADDR``.

A link lost while joined (``CTRL-EVENT-DISCONNECTED``) disables the block, releases the
address and is reported as DISCONNECTED; wpa_supplicant terminating is INTERFACE_LOST.

Source: protocol §3.1 rows 13-18, §7.2, §10, §11.1; ``docs/design.md`` §5.3; ``hal/base.py``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import weakref
from pathlib import Path
from typing import FrozenSet, List, Optional, Sequence, Tuple

from pyroute2 import IPRoute

from ..args import Nl80211Args
from ..base import WifiDriver
from ..errors import (
    AssociationFailed,
    DriverTimeout,
    HALError,
    InterfaceError,
    InvalidArgument,
    NetworkUnreachable,
)
from ..helpers import EventCallback
from ..stream import ByteStream, StreamListener, connect_socket_stream, listen_socket_stream
from ..types import (
    Capabilities,
    ConnectivityCheck,
    DriverEvent,
    FailureReason,
    NetworkConfig,
    SoftAPConfig,
    freq_mhz_to_channel,
)
from . import checks
from .association import ID_STR, JoinOutcome, JoinTracker, network_settings
from .attrs import IFTYPE_STATION
from .bss import BssEntry, to_scan_result
from .connectivity import check_connectivity
from .ies import parse_elements
from .ipconfig import IPConfig
from .scan import ScanRequest, Session
from .softap import HostapdSoftAP
from .wpa_ctrl import EventPump, WpaCtrl, WpaEvent

__all__ = ["WifiDriverNl80211"]

log = logging.getLogger("hal.nl80211")

#: 2.4 GHz channels 1, 6 and 11 (MHz): the three that do not overlap, where most access
#: points (and setup networks) sit; a hidden network not yet seen is looked for there first.
COMMON_2G4_MHZ = (2412, 2437, 2462)

_JOINING_STATES = ("AUTHENTICATING", "ASSOCIATING", "ASSOCIATED", "4WAY_HANDSHAKE", "GROUP_HANDSHAKE", "COMPLETED")


class WifiDriverNl80211(WifiDriver):
    """Wi-Fi on Linux through the kernel's nl80211 and a running wpa_supplicant.

    Args:
        iface: The wireless interface, e.g. ``"wlan0"``; wpa_supplicant must manage it
            with a control socket (``wpa_supplicant -i wlan0 -D nl80211 -C /run/wpa_supplicant``).
        wpa_ctrl_dir: wpa_supplicant's control-socket folder.
        dhcp: ``"udhcpc"`` (busybox, default), ``"none"`` (the system configures IP) or
            a command template such as ``"dhclient -1 -4 {iface}"`` (see :mod:`.ipconfig`).
        scan_freqs_mhz: Channels (MHz) to scan; None for every enabled channel. A device
            whose networks are all on a few channels scans much faster.
        resolv_conf: File to write the lease's DNS servers to (None: leave DNS alone).
        route_metric: Metric of the default route added through ``iface``.
        probe_portal: Send the HTTP captive-portal probe during connectivity checks.
        scan_timeout_s: Longest wait for one scan to end, seconds.
        event_callback: First DriverEvent listener.
    Raises:
        InvalidArgument: An empty interface name, or frequencies that are not positive.
    """

    #: Scans that must miss a hidden network before it is AP_NOT_FOUND (see
    #: :class:`~hal.nl80211.association.JoinTracker`).
    HIDDEN_SCANS = 3

    OPTIONS = Nl80211Args

    def __init__(
        self,
        iface: str = "wlan0",
        *,
        wpa_ctrl_dir: str = "/run/wpa_supplicant",
        dhcp: Optional[str] = "udhcpc",
        scan_freqs_mhz: Optional[Sequence[int]] = None,
        resolv_conf: Optional[str] = None,
        route_metric: int = 600,
        probe_portal: bool = True,
        scan_timeout_s: float = 30.0,
        event_callback: Optional[EventCallback] = None,
    ) -> None:
        super().__init__(event_callback=event_callback)
        if not iface or "/" in iface:
            raise InvalidArgument(f"bad interface name {iface!r}")
        if scan_freqs_mhz is not None and not all(int(f) > 0 for f in scan_freqs_mhz):
            raise InvalidArgument("scan frequencies must be positive MHz values")
        self.iface = iface
        self.ctrl_path = str(Path(wpa_ctrl_dir) / iface)
        self.scan_freqs_mhz: Optional[Tuple[int, ...]] = (
            tuple(int(f) for f in scan_freqs_mhz) if scan_freqs_mhz else None
        )
        self._ip = IPConfig(iface, dhcp or "udhcpc", route_metric, resolv_conf)
        self._probe_portal = probe_portal
        self._scan_timeout_s = scan_timeout_s
        self._ctrl: Optional[WpaCtrl] = None
        self._pump: Optional[EventPump] = None
        self._ifindex = 0
        self._caps = Capabilities(directed_scan=True, max_scan_ssids=1, stream_fileno=True)
        self._freqs_mhz: Tuple[int, ...] = ()  # the radio's enabled channels
        self._sae = False
        self._net_id: Optional[int] = None
        self._joined = False
        self._address: Optional[str] = None  # the lease's address while joined
        self._softap: Optional[HostapdSoftAP] = None
        self._softap_lock = threading.Lock()
        self._listeners: weakref.WeakSet[StreamListener] = weakref.WeakSet()

    def __repr__(self) -> str:
        return f"WifiDriverNl80211(iface={self.iface!r}, open={self.is_open}, state={self.connection_state().name})"

    # ------------------------------------------------------------- lifecycle --

    def attach(self) -> None:
        self._ifindex = checks.check_interface_exists(self.iface)
        checks.check_privileges(self.iface)
        with Session() as session:
            info = session.interface(self.iface)
            if info.iftype != IFTYPE_STATION:
                raise InterfaceError(f"{self.iface} is not in station mode (nl80211 iftype {info.iftype})")
            wiphy = session.wiphy(info.wiphy, self.iface)
        ctrl = WpaCtrl(self.ctrl_path)
        try:
            if ctrl.request("PING", timeout_s=3.0).strip() != "PONG":
                raise InterfaceError(f"wpa_supplicant at {self.ctrl_path} does not answer PING")
            key_mgmt = ctrl.request("GET_CAPABILITY key_mgmt").split()
            group = ctrl.request("GET_CAPABILITY group").split()
            self._ip.check_available()
            self._remove_leftovers(ctrl)
            self._pump = EventPump(self.ctrl_path, on_event=self._on_wpa_event)
        except BaseException:
            ctrl.close()
            raise
        self._ctrl = ctrl
        self._sae = "SAE" in key_mgmt
        self._freqs_mhz = wiphy.freqs_mhz
        ssids = max(0, wiphy.max_scan_ssids - 1)  # one slot is the wildcard SSID
        self._caps = Capabilities(
            wpa3=self._sae,
            wep=bool({"WEP40", "WEP104"} & set(group)),
            directed_scan=ssids > 0,
            max_scan_ssids=ssids,
            band_5ghz=any(4900 <= f < 5925 for f in wiphy.freqs_mhz),
            stream_fileno=True,
            softap=True,
            concurrent_softap_station=True,
        )
        log.info("%s attached: %s", self.iface, self._caps)

    @staticmethod
    def _remove_leftovers(ctrl: WpaCtrl) -> None:
        """Remove network blocks an earlier run of this driver left behind."""
        for line in ctrl.request("LIST_NETWORKS").splitlines()[1:]:
            net_id = line.split("\t", 1)[0]
            if net_id.isdigit() and ctrl.request(f"GET_NETWORK {net_id} id_str").strip() == f'"{ID_STR}"':
                ctrl.request(f"REMOVE_NETWORK {net_id}")

    def detach(self) -> None:
        self._end_softap()
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.stop()
        if self._ctrl is not None:
            try:
                self._forget()
            except InterfaceError as exc:
                log.info("%s: cleaning up on detach: %s", self.iface, exc)
            self._ctrl.close()
            self._ctrl = None
        self._joined = False
        self._ip.close()

    def capabilities(self) -> Capabilities:
        return self._caps

    def mac_address(self) -> bytes:
        """The interface's MAC address (6 bytes; ``IFLA_ADDRESS``).

        Raises:
            InterfaceError: The interface does not exist.
        """
        with IPRoute() as ipr:
            links = ipr.get_links(ifname=self.iface) if ipr.link_lookup(ifname=self.iface) else []
        if not links:
            raise InterfaceError(f"interface {self.iface} does not exist")
        return bytes.fromhex(links[0].get_attr("IFLA_ADDRESS").replace(":", ""))

    def _wpa(self) -> WpaCtrl:
        if self._ctrl is None:
            raise InterfaceError(f"{self.iface}: the driver is not attached")
        return self._ctrl

    # ------------------------------------------------------------------ scan --

    def trigger_scan(self, ssids: Tuple[bytes, ...]) -> None:
        request = ScanRequest(self.iface, self._ifindex, (b"",) + tuple(ssids), self.scan_freqs_mhz)
        threading.Thread(
            target=self._finish_scan, args=(request, frozenset(ssids)), name=f"scan:{self.iface}", daemon=True
        ).start()

    def _finish_scan(self, request: ScanRequest, probed: FrozenSet[bytes]) -> None:
        try:
            if not request.wait(self._scan_timeout_s):
                self._scan_failed("the kernel aborted the scan")
                return
            with Session() as session:
                entries = session.results(self._ifindex, self.iface)
            again = self._listen_again_mhz(entries, probed)
            if again:
                log.info("%s: listening again on %s MHz", self.iface, ", ".join(map(str, again)))
                entries = self._listen_for_beacons(again, entries)
            self._scan_completed([to_scan_result(e, probed) for e in entries])
        except HALError as exc:
            self._scan_failed(str(exc))
        finally:
            request.close()

    def _listen_again_mhz(self, entries: Sequence[BssEntry], probed: FrozenSet[bytes]) -> Tuple[int, ...]:
        """The channels (MHz) to listen on, passively, after an active scan.

        * Channels 1, 6 and 11 (:data:`COMMON_2G4_MHZ`), when the scan covered them. The
          active dwell (mac80211: about 30 ms after a 30 ms probe delay) is shorter than a
          beacon interval (102.4 ms), so an AP whose probe responses come late (a busy
          AP; hostapd answers probes from user space on mac80211) is heard only if one
          of its beacons fell in the dwell, and otherwise missed together with every
          other BSS of its radio. A postWifiScanData missing the home network costs the
          whole setup (credentials go only to SSIDs in the vicinity, protocol §6.4), so
          the three channels nearly every 2.4 GHz network uses get one listen longer
          than a beacon interval (about 0.35 s for the three). Chipsets with scan
          firmware lengthen the dwell on these channels for the same reason.
        * Any other channel where a hidden AP answered a probe by name but no beacon was
          heard: only the beacon shows the SSID is hidden.
        """
        scanned = set(self.scan_freqs_mhz or self._freqs_mhz or COMMON_2G4_MHZ)
        common = {f for f in COMMON_2G4_MHZ if f in scanned}
        unsure = {e.freq_mhz for e in entries if e.beacon_ies is None and parse_elements(e.ies).ssid in probed}
        return tuple(sorted(common | unsure))

    def _listen_for_beacons(self, freqs: Sequence[int], entries: list) -> list:
        """A short passive scan of ``freqs`` (no flush), then the results again.

        Listening (about 110 ms a channel, longer than a beacon interval) catches the
        beacons an active dwell may miss; see :meth:`_listen_again_mhz` for which channels.
        """
        try:
            with ScanRequest(self.iface, self._ifindex, (), freqs, flush=False) as request:
                if not request.wait(self._scan_timeout_s):
                    return entries
            with Session() as session:
                return session.results(self._ifindex, self.iface)
        except HALError as exc:
            log.info("%s: passive follow-up scan failed: %s", self.iface, exc)
            return entries

    def abort_scan(self) -> None:
        with Session() as session:
            session.abort(self._ifindex)

    # ------------------------------------------------------------- associate --

    def associate(self, config: NetworkConfig, timeout_s: float, check: Optional[ConnectivityCheck]) -> None:
        deadline = time.monotonic() + timeout_s
        self._softap_follows(config)
        outcome = JoinOutcome(FailureReason.AP_NOT_FOUND, "not tried")
        for freqs, scans in self._join_plans(config):
            log.info("%s: looking for %r on %s (%d scan(s))", self.iface, config.ssid, freqs or "every channel", scans)
            outcome = self._select(config, freqs, scans, deadline, timeout_s)
            if outcome.reason is not FailureReason.AP_NOT_FOUND:
                break
        if outcome.reason is not None:  # not joined
            self._forget()
            raise AssociationFailed(outcome.reason, outcome.detail)
        self._joined = True
        failure = self._configure_ip(check, deadline)
        if failure is not None:
            self.disassociate()
            raise AssociationFailed(*failure)

    def _softap_follows(self, config: NetworkConfig) -> None:
        """Move a running SoftAP to the 2.4 GHz channel where ``config`` was heard (most
        radios run an AP and a station on one channel; :mod:`hal.nl80211.softap`). A
        SoftAP that cannot be moved is stopped (SOFTAP_STOPPED), and the join goes on."""
        with self._softap_lock:
            softap = self._softap
        if softap is None:
            return
        freq = self._heard_on_mhz(config)
        if freq is None or freq > 2500:
            log.info(
                "%s: the SoftAP stays on channel %s (%r heard on %s MHz)", self.iface, softap.channel, config.ssid, freq
            )
            return
        try:
            softap.follow(freq_mhz_to_channel(freq))
        except HALError as exc:
            self._softap_failed(f"it could not move to {freq} MHz: {exc}")

    def _heard_on_mhz(self, config: NetworkConfig) -> Optional[int]:
        """The channel (MHz) of the strongest BSS of ``config`` in the last scan, else in a
        new one (probing its name if it is hidden); None if no scan heard it."""
        heard = [r for r in self.scan_results() if r.ssid == config.ssid]
        if not heard:
            try:
                found = self.scan((config.ssid,) if config.hidden else (), self._scan_timeout_s)
            except HALError as exc:
                log.info("%s: scanning for %r failed: %s", self.iface, config.ssid, exc)
                return None
            heard = [r for r in found if r.ssid == config.ssid]
        return max(heard, key=lambda r: r.rssi_dbm).freq_mhz if heard else None

    def _join_plans(self, config: NetworkConfig) -> List[Tuple[Optional[Tuple[int, ...]], int]]:
        """Where to look for ``config``, in order: ``(channels or None for all, scans)``.

        The channels where the last scan heard the SSID; else, for a hidden network, one
        directed scan of channels 1, 6 and 11 (:data:`COMMON_2G4_MHZ`), then
        :attr:`HIDDEN_SCANS` of every 2.4 GHz channel; then the configured channels
        (``scan_freqs_mhz``, or every one).
        """
        wider = self.scan_freqs_mhz
        scans = self.HIDDEN_SCANS if config.hidden else 1
        seen = tuple(sorted({r.freq_mhz for r in self.scan_results() if r.ssid == config.ssid}))
        if seen:
            return [(seen, scans), (wider, scans)]
        if not config.hidden:
            return [(wider, scans)]
        usable = tuple(wider or self._freqs_mhz)
        band_2g4 = tuple(f for f in usable if f < 2500)
        common = tuple(f for f in COMMON_2G4_MHZ if f in band_2g4)
        plans: List[Tuple[Optional[Tuple[int, ...]], int]] = []
        if common and common != band_2g4:
            plans.append((common, 1))
        if band_2g4 and band_2g4 != usable:
            plans.append((band_2g4, scans))
        return plans + [(wider, 1 if plans else scans)]

    def _select(
        self, config: NetworkConfig, freqs: Optional[Sequence[int]], scans: int, deadline: float, timeout_s: float
    ) -> JoinOutcome:
        """Add the network block, select it, and read events until the outcome (a missing
        network is AP_NOT_FOUND after ``scans`` scans)."""
        ctrl, pump = self._wpa(), self._pump
        assert pump is not None
        events = pump.subscribe()
        try:
            self._forget()
            ctrl.request("BSS_FLUSH 0")
            reply = ctrl.request("ADD_NETWORK").strip()
            if not reply.isdigit():
                raise InterfaceError(f"wpa_supplicant refused ADD_NETWORK: {reply[:40]}")
            self._net_id = int(reply)
            for name, value in network_settings(config, sae=self._sae, scan_freqs_mhz=freqs):
                ctrl.command(f"SET_NETWORK {self._net_id} {name} {value}")
            ctrl.command(f"SELECT_NETWORK {self._net_id}")
            tracker = JoinTracker(self._net_id, scans)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DriverTimeout(f"no connection outcome for {config.ssid!r} within {timeout_s:g} s")
                try:
                    event = events.get(timeout=left)
                except queue.Empty:
                    continue
                if event.name == EventPump.LOST:
                    raise InterfaceError(event.text)
                outcome = tracker.feed(event)
                if outcome is not None:
                    return outcome
                if tracker.rescan:
                    tracker.rescan = False
                    ctrl.request("SCAN")
        finally:
            pump.unsubscribe(events)

    @property
    def ip_address(self) -> Optional[str]:
        """The station's IPv4 address on the joined network (its DHCP lease, or the address
        an external client configured), dotted quad; None when not joined."""
        return self._address if self._joined else None

    def _configure_ip(self, check: Optional[ConnectivityCheck], deadline: float) -> Optional[Tuple[FailureReason, str]]:
        lease = self._ip.obtain(deadline - time.monotonic())
        self._address = lease.address if lease is not None else None
        if not self._joined:
            return FailureReason.LIMITED_CONNECTIVITY, "the link dropped during IP configuration"
        if lease is None:
            return FailureReason.LIMITED_CONNECTIVITY, f"no DHCP lease on {self.iface}"
        if check is None:
            return None
        return check_connectivity(self.iface, check, max(0.5, deadline - time.monotonic()), self._probe_portal)

    def _forget(self) -> None:
        """Remove the driver's network block (wpa_supplicant then disconnects)."""
        net_id, self._net_id = self._net_id, None
        if net_id is not None and self._ctrl is not None:
            self._ctrl.request(f"REMOVE_NETWORK {net_id}")
            self._ctrl.request("ABORT_SCAN")

    def disassociate(self) -> None:
        """Remove the block and wait (at most 3 s) until wpa_supplicant has left the
        network: ``CTRL-EVENT-DISCONNECTED``, or a state that is not joining."""
        self._joined = False
        ctrl, pump = self._wpa(), self._pump
        events = pump.subscribe() if pump is not None else None
        try:
            self._forget()
            deadline = time.monotonic() + 3.0
            while self._wpa_state(ctrl) in _JOINING_STATES and events is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    events.get(timeout=left)  # any event (DISCONNECTED, STATE-CHANGE): look again
                except queue.Empty:
                    break
        finally:
            if events is not None and pump is not None:
                pump.unsubscribe(events)
        self._ip.release()

    @staticmethod
    def _wpa_state(ctrl: WpaCtrl) -> str:
        status = dict(line.split("=", 1) for line in ctrl.request("STATUS").splitlines() if "=" in line)
        return status.get("wpa_state", "")

    def _on_wpa_event(self, event: WpaEvent) -> None:
        """Runs on the event thread: link loss and wpa_supplicant going away."""
        if event.name == "CTRL-EVENT-DISCONNECTED" and self._joined:
            self._joined = False
            try:
                if self._net_id is not None and self._ctrl is not None:
                    self._ctrl.request(f"DISABLE_NETWORK {self._net_id}")
            except InterfaceError as exc:
                log.info("%s: disabling the lost network failed: %s", self.iface, exc)
            self._ip.release()
            self._link_lost(f"disconnected (reason={event.fields.get('reason', '?')})")
        elif event.name in ("CTRL-EVENT-TERMINATING", EventPump.LOST):
            self._joined = False
            self._interface_lost(f"wpa_supplicant stopped managing {self.iface}")

    # ---------------------------------------------------------------- SoftAP --

    def start_softap(self, config: SoftAPConfig) -> None:
        """hostapd on ``<iface>ap`` (see :mod:`hal.nl80211.softap`); replaces a running one."""
        if not isinstance(config, SoftAPConfig):
            raise InvalidArgument("start_softap() takes a SoftAPConfig")
        self._end_softap()
        softap = HostapdSoftAP(self.iface, self.mac_address(), self._softap_failed)
        softap.start(config)
        with self._softap_lock:
            self._softap = softap
        self._emit(DriverEvent.SOFTAP_STARTED)

    def _softap_failed(self, detail: str) -> None:
        log.warning("%s: the SoftAP stopped: %s", self.iface, detail)
        if self._end_softap():
            self._emit(DriverEvent.SOFTAP_STOPPED)

    def _end_softap(self) -> bool:
        """Close the SoftAP's listeners and stop it; return whether one ran."""
        with self._softap_lock:
            softap, self._softap = self._softap, None
            listeners = list(self._listeners)
            self._listeners = weakref.WeakSet()
        for listener in listeners:
            listener.close()
        if softap is None:
            return False
        softap.stop()
        return True

    def stop_softap(self) -> None:
        if self._end_softap():
            self._emit(DriverEvent.SOFTAP_STOPPED)

    def softap_listen(self, port: int) -> StreamListener:
        """A TCP listener on 192.168.4.1:``port`` (the SoftAP's address)."""
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise InvalidArgument(f"port must be 0-65535, not {port!r}")
        with self._softap_lock:
            if self._softap is None:
                raise NetworkUnreachable("no SoftAP is running: start_softap() first")
            address = self._softap.require_running()
            listener = listen_socket_stream((address, port))
            self._listeners.add(listener)
        return listener

    # ---------------------------------------------------------------- stream --

    def tcp_connect(self, host: str, port: int, timeout_s: float) -> ByteStream:
        return connect_socket_stream((host, port), timeout_s, bind_device=self.iface)
