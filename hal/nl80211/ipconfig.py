"""IPv4 configuration after association: a DHCP lease, applied to the interface.

The ``dhcp`` option of the driver chooses how:

* ``"udhcpc"`` (default): busybox's DHCP client (Debian ``busybox`` / ``busybox-static``),
  run once in the foreground (``-f -q -n``: quit after a lease, or give up). Its event
  hook is a four-line script this module writes to a private folder; the hook only
  *reports* the lease (address, prefix, routers, DNS servers), and the driver applies
  it with pyroute2 (``IPRoute``): the address, and a default route through the Wi-Fi
  interface with its own metric. DNS servers are written to ``resolv_conf`` only if
  that option names a file (the system's resolver setup is otherwise left alone).
* ``"none"``: something else configures the interface (NetworkManager, systemd-networkd,
  a wpa_cli action script, a static address); the driver waits for an IPv4 address.
* any other string: a command template run after association, ``{iface}`` replaced by
  the interface (e.g. ``"dhclient -1 -4 {iface}"``, ``"dhcpcd -1 -4 {iface}"``); exit
  status 0 means configured, and the driver then reads the address from the interface.

Source: busybox ``networking/udhcp/dhcpc.c`` (options, hook environment: ``ip``,
``mask``, ``router``, ``dns``, ``lease``, ``serverid``); RFC 2131 (DHCP); protocol §11.1
(LNX declares success only once the DSS host resolves).
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from ..errors import InterfaceError, InvalidArgument

__all__ = ["Lease", "parse_hook_output", "IPConfig", "HOOK_SCRIPT"]

log = logging.getLogger("hal.nl80211")

_NETLINK_ROUTE = 0
_RTMGRP_IPV4_IFADDR = 0x10

HOOK_SCRIPT = """#!/bin/sh
# udhcpc event hook of hal.nl80211: report the lease; the driver applies it.
case "$1" in bound|renew)
  printf 'wss-lease ip=%s mask=%s router=%s dns=%s lease=%s serverid=%s\\n' \\
    "$ip" "${mask:-}" "$(echo ${router:-} | tr ' ' ',')" "$(echo ${dns:-} | tr ' ' ',')" "${lease:-}" "${serverid:-}";;
esac
exit 0
"""


@dataclass(frozen=True)
class Lease:
    """An IPv4 configuration.

    Attributes:
        address: The host address, e.g. ``"192.168.50.131"``.
        prefixlen: Network prefix length, e.g. 24.
        routers: Default gateways, first preferred.
        dns: DNS servers.
        lease_s: Lease time, seconds (None if unknown).
    """

    address: str
    prefixlen: int
    routers: Tuple[str, ...] = ()
    dns: Tuple[str, ...] = ()
    lease_s: Optional[int] = None


def parse_hook_output(text: str) -> Optional[Lease]:
    """The last lease reported by the udhcpc hook in ``text``, or None.

    Raises:
        Nothing: malformed lines are skipped.
    """
    lease = None
    for line in text.splitlines():
        if not line.startswith("wss-lease "):
            continue
        fields: Dict[str, str] = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        try:
            address = str(ipaddress.IPv4Address(fields.get("ip", "")))
            prefix = int(fields.get("mask") or 24)
            if not 0 < prefix <= 32:
                continue
            routers = tuple(str(ipaddress.IPv4Address(r)) for r in fields.get("router", "").split(",") if r)
            dns = tuple(str(ipaddress.IPv4Address(d)) for d in fields.get("dns", "").split(",") if d)
        except ValueError:
            continue
        lease_s = int(fields["lease"]) if fields.get("lease", "").isdigit() else None
        lease = Lease(address, prefix, routers, dns, lease_s)
    return lease


class IPConfig:
    """Obtains, applies and removes the IPv4 configuration of one interface.

    Args:
        iface: The Wi-Fi interface.
        dhcp: ``"udhcpc"``, ``"none"`` or a command template (module docstring).
        route_metric: Metric of the default route through ``iface``.
        resolv_conf: File to write the lease's DNS servers to, or None to leave DNS alone.
    Raises:
        InvalidArgument: ``dhcp`` is empty.
    """

    def __init__(
        self, iface: str, dhcp: str = "udhcpc", route_metric: int = 600, resolv_conf: Optional[str] = None
    ) -> None:
        if not dhcp or not dhcp.strip():
            raise InvalidArgument("dhcp must be 'udhcpc', 'none' or a command")
        self.iface, self.dhcp = iface, dhcp.strip()
        self.route_metric, self.resolv_conf = route_metric, resolv_conf
        self._hook_dir: Optional[str] = None
        self._applied: Optional[Lease] = None

    def check_available(self) -> None:
        """Start-up check: the DHCP client can run.

        Raises:
            InterfaceError: The client program is missing.
        """
        if self.dhcp == "none":
            return
        program = self._udhcpc_argv(0)[0] if self.dhcp == "udhcpc" else shlex.split(self.dhcp)[0]
        if shutil.which(program) is None:
            raise InterfaceError(
                f"DHCP client {program!r} not found (dhcp={self.dhcp!r}; "
                "install busybox, or pass dhcp='none' or another client command)"
            )

    def _udhcpc_argv(self, timeout_s: float) -> List[str]:
        tries = str(max(2, int(timeout_s)))
        base = ["udhcpc"] if shutil.which("udhcpc") else ["busybox", "udhcpc"]
        return base + ["-i", self.iface, "-f", "-q", "-n", "-t", tries, "-T", "1", "-A", "1", "-s", self._hook()]

    def _hook(self) -> str:
        if self._hook_dir is None:
            self._hook_dir = tempfile.mkdtemp(prefix="wss-udhcpc-")
            path = os.path.join(self._hook_dir, "hook")
            with open(path, "w") as f:
                f.write(HOOK_SCRIPT)
            os.chmod(path, 0o700)
        return os.path.join(self._hook_dir, "hook")

    def obtain(self, timeout_s: float) -> Optional[Lease]:
        """Configure the interface; return the lease, or None when none came in time.

        Raises:
            InterfaceError: The client could not be started.
        """
        if timeout_s <= 0:
            return None
        if self.dhcp == "udhcpc":
            out = self._run(self._udhcpc_argv(timeout_s), timeout_s)
            lease = parse_hook_output(out[1]) if out and out[0] == 0 else None
            if lease is not None:
                self.apply(lease)
            return lease
        if self.dhcp != "none":
            out = self._run([a.replace("{iface}", self.iface) for a in shlex.split(self.dhcp)], timeout_s)
            if not out or out[0] != 0:
                return None
        return self._wait_for_address(timeout_s)

    def _run(self, argv: List[str], timeout_s: float) -> Optional[Tuple[int, str]]:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s + 1)
        except subprocess.TimeoutExpired:
            return None
        except OSError as exc:
            raise InterfaceError(f"cannot run the DHCP client {argv[0]!r}: {exc.strerror or exc}") from exc
        log.debug("%s exited %d", argv[0], proc.returncode)
        return proc.returncode, proc.stdout

    def _wait_for_address(self, timeout_s: float) -> Optional[Lease]:
        """The first IPv4 address of the interface, waiting for ``RTM_NEWADDR`` at most
        ``timeout_s`` seconds (a netlink socket in the ``RTMGRP_IPV4_IFADDR`` group)."""
        deadline = time.monotonic() + timeout_s
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_ROUTE) as events:
            events.bind((0, _RTMGRP_IPV4_IFADDR))  # subscribed before looking: nothing is missed
            while True:
                found = self.current()
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    return found
                events.settimeout(left)
                try:
                    events.recv(1 << 16)  # any address change: look again
                except socket.timeout:
                    pass
                except OSError as exc:
                    if exc.errno != errno.ENOBUFS:
                        raise InterfaceError(f"{self.iface}: address event socket failed: {exc}") from exc

    def current(self) -> Optional[Lease]:
        """The first IPv4 address on the interface now, as a Lease (no routers/DNS)."""
        with IPRoute() as ipr:
            idx = self._index(ipr)
            for msg in ipr.get_addr(family=2, index=idx):
                address = msg.get_attr("IFA_ADDRESS")
                if address:
                    return Lease(address, msg["prefixlen"])
        return None

    def _index(self, ipr: IPRoute) -> int:
        found = ipr.link_lookup(ifname=self.iface)
        if not found:
            raise InterfaceError(f"interface {self.iface} does not exist")
        return found[0]

    def apply(self, lease: Lease) -> None:
        """Put the lease's address and default route on the interface (replacing ours).

        Raises:
            InterfaceError: The kernel refused.
        """
        self.release()
        try:
            with IPRoute() as ipr:
                idx = self._index(ipr)
                ipr.addr("add", index=idx, address=lease.address, prefixlen=lease.prefixlen)
                self._applied = lease
                if lease.routers:
                    ipr.route("replace", dst="0.0.0.0/0", gateway=lease.routers[0], oif=idx, priority=self.route_metric)
        except NetlinkError as exc:
            raise InterfaceError(
                f"{self.iface}: cannot apply {lease.address}/{lease.prefixlen}: {os.strerror(exc.code)}"
            ) from exc
        if self.resolv_conf and lease.dns:
            with open(self.resolv_conf, "w") as f:
                f.write("".join(f"nameserver {d}\n" for d in lease.dns))
        log.info(
            "%s: %s/%d via %s",
            self.iface,
            lease.address,
            lease.prefixlen,
            lease.routers[0] if lease.routers else "no router",
        )

    def release(self) -> None:
        """Remove the address (and with it the route) this object applied; no-op if none."""
        lease, self._applied = self._applied, None
        if lease is None:
            return
        try:
            with IPRoute() as ipr:
                ipr.addr("del", index=self._index(ipr), address=lease.address, prefixlen=lease.prefixlen)
        except (NetlinkError, InterfaceError) as exc:
            log.info("%s: removing %s failed: %s", self.iface, lease.address, exc)

    def close(self) -> None:
        """Release the address and delete the hook folder (idempotent)."""
        self.release()
        if self._hook_dir is not None:
            shutil.rmtree(self._hook_dir, ignore_errors=True)
            self._hook_dir = None
