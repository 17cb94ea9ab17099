"""The emulated module's SoftAP: AT+CWSAP, AT+CIPAP, the MAC addresses, AT+CIPSERVER, and
a loopback "phone" side that reaches the module's TCP server.

* ``AT+CWSAP="<ssid>","<pwd>",<chl>,<ecn>[,<max conn>][,<ssid hidden>]`` — only in
  ``AT+CWMODE`` 2 or 3 (else ERROR); ``ecn`` 0 OPEN, 2 WPA_PSK, 3 WPA2_PSK,
  4 WPA_WPA2_PSK (WEP and anything else: ERROR); a WPA passphrase of 8–63 characters or
  64 hex digits (else ERROR); SSID 1–32 octets; channel 1–14; max conn 1–10 (default
  10); hidden 0/1. ``AT+CWSAP?`` prints the same six fields. Until set, the AP is the
  firmware's default: open, channel 1, ``ESP_`` and the last three octets of its MAC.
* ``AT+CIPAP?`` → ``+CIPAP:ip:"192.168.4.1"``, gateway, netmask; ``AT+CIPAP="<ip>"[,
  "<gateway>","<netmask>"]`` changes them. Both only while the AP runs (mode 2 or 3).
* ``AT+CIPSTAMAC?`` / ``AT+CIPAPMAC?`` → ``+CIPSTAMAC:"<mac>"``; setting one refuses a
  multicast address or the other interface's address.
* ``AT+CIPSERVER=1[,<port>]`` (default port 333; multiple-link mode only, else ERROR;
  one server: a second ERROR) / ``AT+CIPSERVER=0[,<close all>]``; ``AT+CIPSERVER?``;
  ``AT+CIPSERVERMAXCONN`` (1–5, default 5).

The phone: while a server runs, the emulator listens on a loopback port of its own
(:attr:`PhoneGate.address`, ``EspAtEmulator.phone_address()``). A TCP connection there is
a station of the SoftAP connecting to the server: it takes the lowest free link id and the
module prints ``<id>,CONNECT``; its data arrives as ``+IPD`` (either receive mode), its
close as ``<id>,CLOSED``. A connection is refused (closed at once) when the AP is not
running (mode 1) or the server's maximum is reached. Stopping the server with
``<close all>`` 1, leaving AP mode or restarting closes the server's links.

Source: ESP-AT "Wi-Fi AT Commands" (AT+CWMODE, AT+CWSAP, AT+CIPAP, AT+CIPSTAMAC,
AT+CIPAPMAC), "TCP/IP AT Commands" (AT+CIPMUX, AT+CIPSERVER, AT+CIPSERVERMAXCONN,
AT+CIPSTATE), "AT Messages" (``<id>,CONNECT``); ``docs/esp-at.md``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from typing import Any, Dict, Optional, Tuple

from hal.errors import InvalidArgument
from hal.stream import SocketStream
from hal.types import format_bssid, parse_bssid

from .firmware import Command, Firmware
from .net import MAX_LINKS, Link, Links
from .params import EXEC_FAIL, PARA_INVALID, AtError, Params

__all__ = ["SOFTAP_COMMANDS", "PhoneGate", "DEFAULT_SERVER_PORT", "PHONE_ADDRESS"]

log = logging.getLogger("wss.emulators.esp_at")

#: ``AT+CIPSERVER=1`` without a port listens here.
DEFAULT_SERVER_PORT = 333
#: The address the emulator's phones come from, as ``AT+CIPSTATE?`` shows it.
PHONE_ADDRESS = b"192.168.4.2"
#: How long a send to a phone may block, seconds (a phone that reads nothing).
_PHONE_SEND_S = 5.0
_SOFTAP_ECNS = (0, 2, 3, 4)


def ap_running(m: Firmware) -> bool:
    """Whether the SoftAP interface is up (``AT+CWMODE`` 2 or 3)."""
    return m.state.mode in (2, 3)


class PhoneGate:
    """The loopback side of the module's TCP server: phones connect here.

    Args:
        firmware: The module (state, output).
        links: Its links (a phone takes one).
        port: Loopback port to listen on (0: any free one).
    Raises:
        OSError: the loopback port cannot be bound.
    """

    def __init__(self, firmware: Firmware, links: Links, port: int = 0) -> None:
        self.m, self.links = firmware, links
        self._sock = socket.create_server(("127.0.0.1", port))
        self._sock.settimeout(0.1)
        self.address: Tuple[str, int] = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="esp-at-emu-phones", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop accepting phones (idempotent); their links are the caller's business."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._sock.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._admit(conn, peer[1])

    def _admit(self, conn: socket.socket, peer_port: int) -> None:
        conn.settimeout(_PHONE_SEND_S)
        links, state = self.links, self.m.state
        with links.lock:
            served = sum(1 for link in links.links.values() if link.server)
            free = [i for i in range(MAX_LINKS) if i not in links.links]
            if not ap_running(self.m) or not free or served >= state.server_max_conn or self._stop.is_set():
                conn.close()
                log.info("a phone was refused (AP down, no free link, or the server is full)")
                return
            link = Link(free[0], SocketStream(conn), PHONE_ADDRESS, peer_port, server=True)
            links.links[link.link_id] = link
            self.m.emit(b"%d,CONNECT" % link.link_id)  # under the lock: before any +IPD of it


# ------------------------------------------------------------------------ commands --


def _cwsap(m: Firmware, form: str, p: Params) -> None:
    state = m.state
    if form == "query":
        if not ap_running(m):
            raise AtError(EXEC_FAIL)
        m.emit(
            b'+CWSAP:"%s","%s",%d,%d,%d,%d'
            % (state.ap_ssid, state.ap_pwd, state.ap_channel, state.ap_ecn, state.ap_max_conn, state.ap_hidden)
        )
        return
    ssid, pwd = p.string(0), p.string(1)
    channel = p.integer(2, low=1, high=14)
    ecn = p.integer(3, low=0, high=15)
    max_conn = p.integer(4, 10, low=1, high=10)
    hidden = p.integer(5, 0, low=0, high=1)
    if not ssid or len(ssid) > 32 or pwd is None or ecn not in _SOFTAP_ECNS:
        raise AtError(PARA_INVALID)
    if ecn and not _wpa_passphrase(pwd):
        raise AtError(PARA_INVALID)
    if not ap_running(m):
        raise AtError(EXEC_FAIL)  # AT+CWSAP works in SoftAP or SoftAP+station mode only
    state.ap_ssid, state.ap_pwd, state.ap_channel = ssid, pwd if ecn else b"", channel
    state.ap_ecn, state.ap_max_conn, state.ap_hidden = ecn, max_conn, hidden


def _wpa_passphrase(pwd: bytes) -> bool:
    """8–63 printable characters, or 64 hex digits (a raw PSK)."""
    if len(pwd) == 64:
        return all(c in b"0123456789abcdefABCDEF" for c in pwd)
    return 8 <= len(pwd) <= 63 and all(0x20 <= c < 0x7F for c in pwd)


def _ipv4(value: Optional[bytes]) -> bytes:
    try:
        return str(ipaddress.IPv4Address((value or b"").decode("ascii"))).encode()
    except (ValueError, UnicodeDecodeError):
        raise AtError(PARA_INVALID) from None


def _cipap(m: Firmware, form: str, p: Params) -> None:
    state = m.state
    if not ap_running(m):
        raise AtError(EXEC_FAIL)
    if form == "query":
        m.emit(b'+CIPAP:ip:"%s"' % state.ap_ip)
        m.emit(b'+CIPAP:gateway:"%s"' % state.ap_gateway)
        m.emit(b'+CIPAP:netmask:"%s"' % state.ap_netmask)
        return
    ip = _ipv4(p.string(0))
    if len(p) not in (1, 3):
        raise AtError(PARA_INVALID)
    gateway = _ipv4(p.string(1)) if len(p) == 3 else ip
    netmask = _ipv4(p.string(2)) if len(p) == 3 else state.ap_netmask
    state.ap_ip, state.ap_gateway, state.ap_netmask = ip, gateway, netmask


def _mac(own: str, other: str, label: bytes) -> Any:
    def handler(m: Firmware, form: str, p: Params) -> None:
        state = m.state
        if form == "query":
            m.emit(b'+%s:"%s"' % (label, format_bssid(getattr(state, own)).encode()))
            return
        try:
            mac = parse_bssid((p.string(0) or b"").decode("ascii"))
        except (InvalidArgument, UnicodeDecodeError):
            raise AtError(PARA_INVALID) from None
        if mac[0] & 1 or mac == getattr(state, other):
            raise AtError(PARA_INVALID)  # a multicast address, or the other interface's
        setattr(state, own, mac)

    return handler


def _cipserver(m: Firmware, form: str, p: Params) -> None:
    state, links = m.state, m.links
    if form == "query":
        if state.server_port:
            m.emit(b'+CIPSERVER:1,%d,"TCP",0' % state.server_port)
        else:
            m.emit(b"+CIPSERVER:0")
        return
    mode = p.integer(0, low=0, high=1)
    if mode == 0:
        close_all = p.integer(1, 0, low=0, high=1)
        stop_server(m, report=True, close_links=bool(close_all))
        return
    port = p.integer(1, DEFAULT_SERVER_PORT, low=1, high=65535)
    kind = p.string(2, b"TCP")
    p.integer(3, 0, low=0, high=1)
    if kind != b"TCP":
        raise AtError(PARA_INVALID)  # SSL servers are not emulated
    if not state.mux or state.server_port:
        raise AtError(EXEC_FAIL)  # multiple-link mode only; one server at a time
    try:
        links.gate = PhoneGate(m, links, links.phone_port)
    except OSError as exc:
        log.warning("the phone side of the server cannot listen: %s", exc)
        raise AtError(EXEC_FAIL) from None
    state.server_port = port
    log.info("ESP-AT server on port %d: phones connect to %s:%d", port, *links.gate.address)


def stop_server(m: Firmware, *, report: bool, close_links: bool) -> None:
    """Delete the server (and, if ``close_links``, close its links)."""
    links = m.links
    m.state.server_port = 0
    links.close_gate()
    if close_links:
        links.cut_server(report=report)


def _cipservermaxconn(m: Firmware, form: str, p: Params) -> None:
    if form == "query":
        m.emit(b"+CIPSERVERMAXCONN:%d" % m.state.server_max_conn)
        return
    if m.state.server_port:
        raise AtError(EXEC_FAIL)  # set before the server is created
    m.state.server_max_conn = p.integer(0, low=1, high=MAX_LINKS)


SOFTAP_COMMANDS: Dict[bytes, Command] = {
    b"AT+CWSAP": Command(_cwsap, query=True, set=True),
    b"AT+CIPAP": Command(_cipap, query=True, set=True),
    b"AT+CIPSTAMAC": Command(_mac("sta_mac", "ap_mac", b"CIPSTAMAC"), query=True, set=True),
    b"AT+CIPAPMAC": Command(_mac("ap_mac", "sta_mac", b"CIPAPMAC"), query=True, set=True),
    b"AT+CIPSERVER": Command(_cipserver, query=True, set=True),
    b"AT+CIPSERVERMAXCONN": Command(_cipservermaxconn, query=True, set=True),
}
