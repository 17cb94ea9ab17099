"""The connectivity check after association: DNS, captive portal, then the DSS port.

Three outcomes beside success, in the order they are tested:

1. the check host does not resolve → LIMITED_CONNECTIVITY (LNX: "DNS of DSS host fails");
2. a plain HTTP request to the check host (port 80, ``GET /``) is answered with a
   redirect (301/302/303/307/308) to *another site* → CAPTIVE_PORTAL: hotel and cafe
   portals intercept port 80 and send every request to their login page. A redirect
   within the same site (an http → https upgrade, ``dss.example.com`` →
   ``www.example.com``) is not a portal; no answer on port 80 says nothing either way;
3. a TCP connection to ``host:port`` fails (refused, unreachable, timeout) →
   LIMITED_CONNECTIVITY.

Every socket is bound to the Wi-Fi interface (``SO_BINDTODEVICE``), so the check says
something about this network even when another interface has a default route.

Source: protocol §10 (3:4:0:1 captive portal, 3:5:0:1 limited connectivity), §11.1;
RFC 7230 §3.1.2 (status line), RFC 7231 §6.4 (redirections), RFC 8908 §1 (portals
intercept HTTP).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import List, Optional, Tuple
from urllib.parse import urlsplit

from ..types import ConnectivityCheck, FailureReason

__all__ = ["resolve", "http_redirect", "check_connectivity", "parse_redirect", "same_site"]

_REDIRECTS = {301, 302, 303, 307, 308}


def resolve(host: str, port: int, timeout_s: float) -> List[Tuple[int, tuple]]:
    """``getaddrinfo`` with a deadline (it has none of its own).

    Returns:
        ``(family, sockaddr)`` pairs; empty if the name did not resolve in time.
    """
    box: List[List[Tuple[int, tuple]]] = []

    def run() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            box.append([(family, addr) for family, _t, _p, _n, addr in infos])
        except (OSError, UnicodeError):
            box.append([])

    worker = threading.Thread(target=run, name="wss-resolve", daemon=True)
    worker.start()
    worker.join(timeout_s)
    return box[0] if box else []


def _connect(iface: str, family: int, addr: tuple, timeout_s: float) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
        sock.settimeout(max(0.1, timeout_s))
        sock.connect(addr)
    except OSError:
        sock.close()
        raise
    return sock


def parse_redirect(head: bytes) -> Optional[str]:
    """The Location of a redirect response head, or None if it is not a redirect."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return None
    if int(parts[1]) not in _REDIRECTS:
        return None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "location":
            return value.strip()
    return None


def same_site(a: str, b: str) -> bool:
    """Whether two host names belong to one site: equal, or (names, not addresses)
    sharing their last two labels, so that ``dss.example.com`` → ``www.example.com``
    is not taken for a portal. (Two-label public suffixes such as ``co.uk`` count as one
    site: a portal there would be missed, never invented.)"""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    if a == b:
        return True
    if any(ch.isdigit() for ch in a.rsplit(".", 1)[-1] + b.rsplit(".", 1)[-1]) or ":" in a + b:
        return False  # an IP literal: only an exact match is the same site
    return a.split(".")[-2:] == b.split(".")[-2:] and a.count(".") >= 1 and b.count(".") >= 1


def http_redirect(
    iface: str, host: str, family: int, addr: tuple, timeout_s: float, http_port: int = 80
) -> Optional[str]:
    """Ask ``http://host/`` through ``iface``; return the redirect target, or None.

    None covers: no HTTP server, not a redirect, no answer within ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    target = (addr[0], http_port) + tuple(addr[2:])
    try:
        sock = _connect(iface, family, target, timeout_s)
    except OSError:
        return None
    with sock:
        try:
            sock.sendall(
                f"GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: wss-connectivity-check\r\n"
                "Accept: */*\r\nConnection: close\r\n\r\n".encode()
            )
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 16384:
                sock.settimeout(max(0.05, deadline - time.monotonic()))
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
        except OSError:
            return None
    return parse_redirect(head.split(b"\r\n\r\n", 1)[0])


def check_connectivity(
    iface: str, check: ConnectivityCheck, timeout_s: float, probe_portal: bool = True, http_port: int = 80
) -> Optional[Tuple[FailureReason, str]]:
    """Run the three checks of the module docstring through ``iface``.

    Args:
        iface: The joined Wi-Fi interface.
        check: The host (name or IP literal) and TCP port that must be reachable.
        timeout_s: Seconds for everything.
        probe_portal: Whether to send the HTTP probe (step 2).
        http_port: The port of that probe (80; another one for tests).
    Returns:
        None if every check passed, else ``(reason, detail)``.
    """
    deadline = time.monotonic() + timeout_s
    addrs = resolve(check.host, check.port, timeout_s)
    if not addrs:
        return FailureReason.LIMITED_CONNECTIVITY, f"{check.host} does not resolve on this network"
    if probe_portal:
        family, addr = addrs[0]
        location = http_redirect(iface, check.host, family, addr, min(3.0, deadline - time.monotonic()), http_port)
        if location is not None:
            where = urlsplit(location).hostname or ""
            if where and not same_site(where, check.host):
                return FailureReason.CAPTIVE_PORTAL, f"HTTP to {check.host} is redirected to {where}"
    errors = []
    for family, addr in addrs:
        try:
            _connect(iface, family, addr, deadline - time.monotonic()).close()
            return None
        except OSError as exc:
            errors.append(exc.strerror or str(exc) or type(exc).__name__)
    return (
        FailureReason.LIMITED_CONNECTIVITY,
        f"{check.host}:{check.port} is unreachable ({'; '.join(errors) or 'timeout'})",
    )
