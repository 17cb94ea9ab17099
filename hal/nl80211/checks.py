"""Start-up checks of the nl80211 driver, each failing with a message that says what to do.

In order: the interface exists; the process may administer the network
(``CAP_NET_ADMIN``: nl80211 scans, addresses and routes need it); the interface is an
nl80211 (cfg80211) station; wpa_supplicant manages it (its control socket exists,
accepts us and answers ``PING``); the DHCP client can run (see
:meth:`hal.nl80211.ipconfig.IPConfig.check_available`).

Source: Linux ``capabilities(7)`` (CAP_NET_ADMIN = 12), ``proc(5)`` (``CapEff`` in
``/proc/self/status``); issue 7 (start-up checks).
"""

from __future__ import annotations

import os
import socket
from typing import Optional

from ..errors import InterfaceError

__all__ = ["CAP_NET_ADMIN", "has_capability", "check_interface_exists", "check_privileges"]

CAP_NET_ADMIN = 12


def has_capability(cap: int, status_path: str = "/proc/self/status") -> Optional[bool]:
    """Whether the process holds ``cap`` in its effective set; None if unknown.

    Args:
        cap: Capability number (``capabilities(7)``).
        status_path: The ``proc`` status file to read (for tests).
    """
    try:
        with open(status_path) as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> cap & 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_interface_exists(iface: str) -> int:
    """The interface's index.

    Raises:
        InterfaceError: It does not exist (the message lists the interfaces that do).
    """
    try:
        return socket.if_nametoindex(iface)
    except OSError:
        names = ", ".join(name for _i, name in socket.if_nameindex()) or "none"
        raise InterfaceError(f"interface {iface} does not exist (interfaces here: {names})") from None


def check_privileges(iface: str, status_path: str = "/proc/self/status") -> None:
    """Raises InterfaceError unless the process may administer network interfaces."""
    held = has_capability(CAP_NET_ADMIN, status_path)
    if held or (held is None and os.geteuid() == 0):
        return
    raise InterfaceError(
        f"insufficient privileges to drive {iface}: nl80211 scans and IP "
        "configuration need CAP_NET_ADMIN (run as root, or grant cap_net_admin,cap_net_raw)"
    )
