"""Local discovery (wss.discovery): the mDNS/DNS-SD announcement found by an independent
browser (python-zeroconf's ServiceBrowser in another process, on loopback), the UDP probe
answered to a plain socket, and the records' rules."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wss.discovery import PROBE, SERVICE_TYPE, DiscoveryRecord, ProbeResponder, probe
from wss.errors import UsageError

pytest.importorskip("zeroconf", reason="python-zeroconf (the discovery extra) is not installed: make install")

MAC = bytes.fromhex("240ac4ea69fc")
RECORD = DiscoveryRecord("PROV_EA69FC", MAC, product_index="Xy12")


def test_record_fields_and_probe_reply():
    assert RECORD.fields() == {"v": "1", "mac": "24:0a:c4:ea:69:fc", "reg": "0", "pi": "Xy12"}
    assert json.loads(RECORD.probe_reply()) == {"name": "PROV_EA69FC", **RECORD.fields()}


@pytest.mark.parametrize(
    "kwargs",
    [{"name": ""}, {"name": "x" * 64}, {"name": "a\nb"}, {"mac": b"\x00" * 5}, {"product_index": "\x01"}],
)
def test_bad_record_is_a_usage_error(kwargs):
    fields = {"name": "PROV_EA69FC", "mac": MAC, **kwargs}
    with pytest.raises(UsageError, match="discovery"):
        DiscoveryRecord(**fields)


def test_probe_is_answered_with_the_record():
    with ProbeResponder(RECORD, ("127.0.0.1", 0)) as responder:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2.0)
            sock.sendto(PROBE, responder.address)
            reply, peer = sock.recvfrom(1024)
        assert peer == responder.address
        assert json.loads(reply)["mac"] == "24:0a:c4:ea:69:fc"
        assert probe(responder.address, timeout_s=0.5) == [json.loads(RECORD.probe_reply())]


@pytest.mark.parametrize("datagram", [b"WSS-DISCOVER/2", b"hello", PROBE + b" " * 60, b""])
def test_other_datagrams_get_no_answer(datagram):
    with ProbeResponder(RECORD, ("127.0.0.1", 0)) as responder:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.5)
            sock.sendto(datagram, responder.address)
            with pytest.raises(socket.timeout):
                sock.recvfrom(1024)
        assert responder.answered == 0


def test_probe_flood_is_rate_limited():
    with ProbeResponder(RECORD, ("127.0.0.1", 0), rate_per_s=3) as responder:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(20):
                sock.sendto(PROBE, responder.address)
            time.sleep(0.5)
        assert responder.answered == 3


def test_port_in_use_is_a_usage_error():
    with ProbeResponder(RECORD, ("127.0.0.1", 0)) as responder, socket.socket(socket.AF_INET, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blocker:
            blocker.bind(("127.0.0.1", 0))
            with pytest.raises(UsageError, match="cannot listen for discovery probes"):
                ProbeResponder(RECORD, blocker.getsockname())
        assert responder.address[1] > 0


def test_mdns_announcement_found_by_an_independent_browser():
    from wss.discovery import MdnsAnnouncer

    browser = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("browse_peer.py")), SERVICE_TYPE, "8"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert browser.stdout is not None
        assert json.loads(browser.stdout.readline()) == {"ready": True}
        with MdnsAnnouncer(RECORD, "127.0.0.1", port=50590):
            line = browser.stdout.readline()
        found = json.loads(line)
        assert found["name"] == f"PROV_EA69FC.{SERVICE_TYPE}"
        assert found["server"] == "prov-ea69fc.local." and found["port"] == 50590
        assert found["addresses"] == ["127.0.0.1"]
        assert found["txt"] == RECORD.fields()
        # stopping sends goodbye packets: the browser sees the service go
        assert json.loads(browser.stdout.readline()) == {"removed": f"PROV_EA69FC.{SERVICE_TYPE}"}
    finally:
        browser.kill()
        browser.wait()


def test_mdns_needs_an_ipv4_address():
    from wss.discovery import MdnsAnnouncer

    with pytest.raises(UsageError, match="IPv4"):
        MdnsAnnouncer(RECORD, "not-an-address")
