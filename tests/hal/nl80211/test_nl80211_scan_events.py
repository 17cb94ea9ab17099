"""ScanRequest's waits on nl80211 scan events (hal.nl80211.scan), on the host.

The multicast socket is replaced by one end of a datagram socket pair, and the test
writes generic-netlink messages into the other end, as the kernel's ``scan`` group would:
the end of a scan is read from events (``NEW_SCAN_RESULTS`` / ``SCAN_ABORTED`` after this
interface's ``TRIGGER_SCAN``), and a busy radio (EBUSY) is retried when the other scan
ends, not after a fixed sleep.
"""

from __future__ import annotations

import errno
import socket
import struct
import threading
import time

import pytest
from pyroute2.netlink.exceptions import NetlinkError

from hal.errors import DriverBusyError, DriverTimeout
from hal.nl80211 import attrs as A
from hal.nl80211 import scan as scan_module
from hal.nl80211.scan import ScanRequest

IFINDEX = 7


def event(cmd: int, ifindex: int = IFINDEX) -> bytes:
    """One nl80211 multicast message: nlmsghdr, genlmsghdr, NL80211_ATTR_IFINDEX."""
    attr = struct.pack("=HHI", 8, A.ATTR_IFINDEX, ifindex)
    body = struct.pack("=BBH", cmd, 1, 0) + attr
    return struct.pack("=IHHII", 16 + len(body), 0x1C, 0, 0, 0) + body


@pytest.fixture
def request_and_kernel():
    mon, kernel = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    request = ScanRequest.__new__(ScanRequest)  # no netlink: the socket pair stands in
    request.iface, request.ifindex, request._pending, request._started, request._mon = "wlan0", IFINDEX, [], False, mon
    yield request, kernel
    mon.close()
    kernel.close()


def test_the_scan_ends_on_its_own_results_after_its_trigger(request_and_kernel):
    request, kernel = request_and_kernel
    kernel.send(event(A.CMD_NEW_SCAN_RESULTS))  # the end of an older scan: ignored
    kernel.send(event(A.CMD_TRIGGER_SCAN, ifindex=3) + event(A.CMD_NEW_SCAN_RESULTS, ifindex=3))  # another interface
    kernel.send(event(A.CMD_TRIGGER_SCAN) + event(A.CMD_NEW_SCAN_RESULTS))
    assert request.wait(5.0) is True


def test_an_aborted_scan_ends_the_wait_with_false(request_and_kernel):
    request, kernel = request_and_kernel
    kernel.send(event(A.CMD_TRIGGER_SCAN))
    kernel.send(event(A.CMD_SCAN_ABORTED))
    assert request.wait(5.0) is False


def test_no_end_within_the_timeout_is_a_driver_timeout(request_and_kernel):
    request, kernel = request_and_kernel
    kernel.send(event(A.CMD_TRIGGER_SCAN))
    with pytest.raises(DriverTimeout, match="no scan results within 0.2 s"):
        request.wait(0.2)


class BusySession:
    """A session whose first TRIGGER_SCAN is refused with EBUSY."""

    def __init__(self) -> None:
        self.triggers: list = []

    def request(self, cmd, attrs, dump=False, ack=False):
        self.triggers.append(time.monotonic())
        if len(self.triggers) == 1:
            raise NetlinkError(errno.EBUSY)
        return []


def test_a_busy_radio_is_retried_when_the_other_scan_ends(request_and_kernel, monkeypatch):
    monkeypatch.setattr(scan_module, "_BUSY_RETRY_S", 5.0)  # the event must wake it, not the bound
    request, kernel = request_and_kernel
    session = BusySession()
    threading.Timer(0.15, lambda: kernel.send(event(A.CMD_NEW_SCAN_RESULTS))).start()
    request._trigger(session, (b"",), None, True, 3.0)
    first, second = session.triggers
    assert 0.1 <= second - first < 2.5  # on the other scan's end, long before the 5 s retry bound
    assert request._pending == []  # what was read before the trigger is not this scan's


def test_a_radio_busy_past_the_deadline_is_an_error(request_and_kernel):
    request, _kernel = request_and_kernel

    class AlwaysBusy(BusySession):
        def request(self, cmd, attrs, dump=False, ack=False):
            raise NetlinkError(errno.EBUSY)

    with pytest.raises(DriverBusyError, match="the radio is busy"):
        request._trigger(AlwaysBusy(), (b"",), None, True, 0.3)
