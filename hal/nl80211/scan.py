"""Scanning through pyroute2's nl80211 socket: trigger, wait with a timeout, read.

Flow (the same as ``iw dev wlan0 scan``): subscribe to the ``scan`` multicast group, send
``NL80211_CMD_TRIGGER_SCAN``, wait for ``NL80211_CMD_NEW_SCAN_RESULTS`` or
``NL80211_CMD_SCAN_ABORTED`` for the interface, then dump ``NL80211_CMD_GET_SCAN``.

What pyroute2 0.9.7 falls short of, and what this module does instead:

* ``IW.scan()`` waits only for NEW_SCAN_RESULTS: when the kernel aborts the scan it
  waits forever, and it has no timeout. :class:`ScanRequest` waits on a plain netlink
  socket (``socket.socket``, so a deadline works and any thread may wait) for either.
* ``NL80211_ATTR_SCAN_FREQUENCIES`` is declared ``'hex'``; frequency-limited scans pack
  the nested u32 list by hand (:func:`hal.nl80211.attrs.pack_u32_list`). Limiting a
  scan to the channels in use cuts it from about 4 s (38 channels) to 0.1-0.2 s per
  channel set on mac80211_hwsim.
* Replies are parsed from their raw bytes (:mod:`hal.nl80211.attrs`,
  :mod:`hal.nl80211.bss`), never through pyroute2's element decoders.

pyroute2 0.9 sockets keep per-thread state, so every :class:`Session` is created, used
and closed in one thread.

Source: Linux ``include/uapi/linux/nl80211.h`` (``NL80211_CMD_TRIGGER_SCAN`` and
``NL80211_SCAN_FLAG_FLUSH``, ``NL80211_ATTR_MAX_NUM_SCAN_SSIDS``);
``tests/integration/README.md`` (pyroute2 0.9.7, observed).
"""

from __future__ import annotations

import errno
import os
import socket
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from pyroute2.netlink import NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.nl80211 import NL80211, nl80211cmd

from ..errors import DriverBusyError, DriverTimeout, InterfaceError
from . import attrs as A
from .bss import BssEntry, parse_bss

__all__ = ["Session", "InterfaceInfo", "WiphyInfo", "ScanRequest", "SCAN_FLAG_FLUSH"]

#: NL80211_SCAN_FLAG_FLUSH: drop cached entries not seen by this scan.
SCAN_FLAG_FLUSH = 1 << 1
_NETLINK_GENERIC = 16
_SOL_NETLINK = 270
_NETLINK_ADD_MEMBERSHIP = 1
#: Longest wait for the end of another scan before triggering again while the radio is busy.
_BUSY_RETRY_S = 0.5


@dataclass(frozen=True)
class InterfaceInfo:
    """``NL80211_CMD_GET_INTERFACE`` for one interface: its index, wiphy and type."""

    ifindex: int
    wiphy: int
    iftype: int


@dataclass(frozen=True)
class WiphyInfo:
    """What a radio supports: SSIDs per scan and enabled channel frequencies (MHz)."""

    max_scan_ssids: int
    freqs_mhz: Tuple[int, ...]


def netlink_error(exc: NetlinkError, what: str, iface: str) -> Exception:
    """A HAL error for a refused nl80211 request, naming the cause."""
    code = exc.code
    if code == errno.EBUSY:
        return DriverBusyError(f"{iface}: {what}: the radio is busy (another scan or a connection attempt)")
    if code in (errno.EPERM, errno.EACCES):
        return InterfaceError(f"{iface}: {what}: insufficient privileges (needs CAP_NET_ADMIN, e.g. root)")
    if code == errno.ENETDOWN:
        return InterfaceError(f"{iface}: {what}: the interface is down (is wpa_supplicant managing it?)")
    if code in (errno.ENODEV, errno.EINVAL) and what == "get interface":
        return InterfaceError(f"{iface} is not a wireless (nl80211) interface")
    if code == errno.ENODEV:
        return InterfaceError(f"{iface}: {what}: the interface is gone")
    return InterfaceError(f"{iface}: {what} failed: {os.strerror(code)}")


class Session:
    """A bound pyroute2 nl80211 socket; use it in the thread that made it.

    Raises:
        InterfaceError: The kernel has no nl80211 (cfg80211 not loaded).
    """

    def __init__(self) -> None:
        self._nl = NL80211()
        try:
            self._nl.bind()
        except NetlinkError as exc:
            self._nl.close()
            raise InterfaceError(f"the kernel has no nl80211 ({os.strerror(exc.code)}; is cfg80211 loaded?)") from exc

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._nl.close()

    @property
    def scan_group(self) -> int:
        """The id of the nl80211 ``scan`` multicast group."""
        return int(self._nl.mcast_groups["scan"])

    def request(
        self, cmd: int, attrs: Sequence[Tuple[str, object]], dump: bool = False, ack: bool = False
    ) -> List[bytes]:
        """Send one nl80211 command; return each reply's attributes as raw bytes.

        Raises:
            NetlinkError: The kernel refused it.
        """
        msg = nl80211cmd()
        msg["cmd"] = cmd
        msg["attrs"] = [list(a) for a in attrs]
        flags = NLM_F_REQUEST | (NLM_F_DUMP if dump else 0) | (NLM_F_ACK if ack else 0)
        out = []
        for reply in self._nl.nlm_request(msg, msg_type=self._nl.prid, msg_flags=flags):
            raw = bytes(reply.data[reply.offset : reply.offset + reply["header"]["length"]])
            for kind, _cmd, payload in A.split_genl_messages(raw):
                if kind == self._nl.prid:
                    out.append(payload)
        return out

    def interface(self, iface: str) -> InterfaceInfo:
        """Index, wiphy and type of ``iface``.

        Raises:
            InterfaceError: Missing, or not an nl80211 interface.
        """
        try:
            ifindex = socket.if_nametoindex(iface)
        except OSError:
            raise InterfaceError(f"interface {iface} does not exist") from None
        try:
            replies = self.request(A.CMD_GET_INTERFACE, [("NL80211_ATTR_IFINDEX", ifindex)])
        except NetlinkError as exc:
            raise netlink_error(exc, "get interface", iface) from exc
        a = A.attr_map(replies[0]) if replies else {}
        if A.ATTR_WIPHY not in a:
            raise InterfaceError(f"{iface} is not a wireless (nl80211) interface")
        return InterfaceInfo(ifindex, A.u32(a[A.ATTR_WIPHY]), A.u32(a.get(A.ATTR_IFTYPE, b"\0\0\0\0")))

    def wiphy(self, wiphy: int, iface: str) -> WiphyInfo:
        """Scan limits and enabled frequencies of a radio (a split wiphy dump)."""
        try:
            replies = self.request(
                A.CMD_GET_WIPHY, [("NL80211_ATTR_WIPHY", wiphy), ("NL80211_ATTR_SPLIT_WIPHY_DUMP", b"")], dump=True
            )
        except NetlinkError as exc:
            raise netlink_error(exc, "get wiphy", iface) from exc
        max_ssids, freqs = 0, []
        for payload in replies:
            for kind, value in A.iter_attrs(payload):
                if kind == A.ATTR_MAX_NUM_SCAN_SSIDS and value:
                    max_ssids = value[0]
                elif kind == A.ATTR_WIPHY_BANDS:
                    freqs.extend(A.band_frequencies(value))
        return WiphyInfo(max_ssids, tuple(sorted(set(freqs))))

    def results(self, ifindex: int, iface: str) -> List[BssEntry]:
        """The kernel's current scan results for the interface (``GET_SCAN`` dump)."""
        try:
            replies = self.request(A.CMD_GET_SCAN, [("NL80211_ATTR_IFINDEX", ifindex)], dump=True)
        except NetlinkError as exc:
            raise netlink_error(exc, "read scan results", iface) from exc
        entries = []
        for payload in replies:
            nest = A.attr_map(payload).get(A.ATTR_BSS)
            entry = parse_bss(nest) if nest is not None else None
            if entry is not None:
                entries.append(entry)
        return entries

    def abort(self, ifindex: int) -> bool:
        """Ask the kernel to abort the interface's scan; False if none was running."""
        try:
            self.request(A.CMD_ABORT_SCAN, [("NL80211_ATTR_IFINDEX", ifindex)], ack=True)
        except NetlinkError:
            return False
        return True


class ScanRequest:
    """A triggered scan: construct it (subscribes, then triggers), then :meth:`wait`.

    The waiting half uses a plain netlink socket, so any thread may call :meth:`wait`.

    Args:
        iface: Interface name (for messages).
        ifindex: Its index.
        ssids: SSIDs to probe by name; ``b""`` is the wildcard. Empty: a passive scan.
        freqs_mhz: Channels to scan (MHz); None for every enabled channel.
        flush: Drop cached entries that this scan does not see again.
        busy_timeout_s: How long to retry while the radio is busy (EBUSY).
    Raises:
        DriverBusyError: Still busy after ``busy_timeout_s``.
        InterfaceError: The kernel refused the scan (message names why).
    """

    def __init__(
        self,
        iface: str,
        ifindex: int,
        ssids: Sequence[bytes] = (b"",),
        freqs_mhz: Optional[Sequence[int]] = None,
        flush: bool = True,
        busy_timeout_s: float = 3.0,
    ) -> None:
        self.iface, self.ifindex = iface, ifindex
        self._pending: List[int] = []  # events read but not yet handed out
        self._mon = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_GENERIC)
        try:
            self._mon.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            self._mon.bind((0, 0))
            with Session() as session:
                self._mon.setsockopt(_SOL_NETLINK, _NETLINK_ADD_MEMBERSHIP, session.scan_group)
                self._trigger(session, ssids, freqs_mhz, flush, busy_timeout_s)
        except BaseException:
            self._mon.close()
            raise
        self._started = False

    def _trigger(
        self,
        session: Session,
        ssids: Sequence[bytes],
        freqs_mhz: Optional[Sequence[int]],
        flush: bool,
        busy_timeout_s: float,
    ) -> None:
        attrs: List[Tuple[str, object]] = [("NL80211_ATTR_IFINDEX", self.ifindex)]
        if ssids:
            attrs.append(("NL80211_ATTR_SCAN_SSIDS", list(ssids)))
        if freqs_mhz:
            attrs.append(("NL80211_ATTR_SCAN_FREQUENCIES", A.pack_u32_list(list(freqs_mhz))))
        if flush:
            attrs.append(("NL80211_ATTR_SCAN_FLAGS", SCAN_FLAG_FLUSH))
        deadline = time.monotonic() + busy_timeout_s
        while True:
            try:
                session.request(A.CMD_TRIGGER_SCAN, attrs, ack=True)
                self._pending.clear()  # read before the trigger: another scan's events
                return
            except NetlinkError as exc:
                if exc.code != errno.EBUSY or time.monotonic() >= deadline:
                    raise netlink_error(exc, "trigger scan", self.iface) from exc
            # busy: another scan runs (try again when it ends) or a connection attempt
            # holds the radio (nothing to wait for: try again after a short while)
            self._next_event(min(deadline, time.monotonic() + _BUSY_RETRY_S))

    def wait(self, timeout_s: float) -> bool:
        """Wait for the scan to end.

        Returns:
            True when results are ready, False when the kernel aborted the scan.
        Raises:
            DriverTimeout: Neither within ``timeout_s`` seconds.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            cmd = self._next_event(deadline)
            if cmd is None:
                raise DriverTimeout(f"{self.iface}: no scan results within {timeout_s:.1f} s")
            if cmd == A.CMD_TRIGGER_SCAN:
                self._started = True  # events before this one belong to an older scan
            elif self._started and cmd == A.CMD_NEW_SCAN_RESULTS:
                return True
            elif self._started and cmd == A.CMD_SCAN_ABORTED:
                return False

    def _next_event(self, deadline: float) -> Optional[int]:
        """The next scan event (its nl80211 command) of this interface; None at ``deadline``.

        Raises:
            InterfaceError: The event socket failed.
        """
        while True:
            if self._pending:
                return self._pending.pop(0)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._mon.settimeout(left)
            try:
                data = self._mon.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:  # events overran the buffer: keep waiting
                    continue
                raise InterfaceError(f"{self.iface}: scan event socket failed: {exc}") from exc
            for _kind, cmd, payload in A.split_genl_messages(data):
                ifindex = A.attr_map(payload).get(A.ATTR_IFINDEX)
                if ifindex is not None and A.u32(ifindex) == self.ifindex:
                    self._pending.append(cmd)

    def close(self) -> None:
        self._mon.close()

    def __enter__(self) -> ScanRequest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def scan(
    iface: str, ssids: Sequence[bytes] = (b"",), freqs_mhz: Optional[Sequence[int]] = None, timeout_s: float = 15.0
) -> List[BssEntry]:
    """Scan and return the kernel's entries (blocking; for tools and tests).

    Args:
        iface: The wireless interface.
        ssids: SSIDs to probe by name (``b""`` = wildcard); empty for a passive scan.
        freqs_mhz: Channels (MHz) to scan; None for all enabled ones.
        timeout_s: Seconds for the whole scan.
    Raises:
        DriverTimeout, DriverBusyError, InterfaceError; ScanAborted as InterfaceError.
    """
    with Session() as session:
        info = session.interface(iface)
    with ScanRequest(iface, info.ifindex, ssids, freqs_mhz) as request:
        if not request.wait(timeout_s):
            raise InterfaceError(f"{iface}: the kernel aborted the scan")
    with Session() as session:
        return session.results(info.ifindex, iface)
