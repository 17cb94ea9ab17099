"""The UDP discovery probe: an app broadcasts ``WSS-DISCOVER/1`` to port 50590 and every
unregistered wss device on the network answers with its record (JSON, one datagram).

Anything else (another text, a datagram longer than 64 bytes) gets no answer, so the
responder cannot be used to reflect traffic at a bigger size than asked: the reply is at
most 512 bytes. The responder answers at most ``rate_per_s`` probes a second.

Source: integration guide, "Local Discovery" (discovery over UDP from the maker's app);
docs/discovery.md (the wire format, ours).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from typing import Dict, List, Optional, Tuple

from ..errors import UsageError
from .record import DiscoveryRecord

__all__ = ["PROBE", "PROBE_PORT", "MAX_PROBE_BYTES", "ProbeResponder", "probe"]

log = logging.getLogger("wss.discovery")

#: The probe datagram (ASCII, exactly these bytes).
PROBE = b"WSS-DISCOVER/1"
#: The UDP port devices listen on.
PROBE_PORT = 50590
#: Longer datagrams are ignored.
MAX_PROBE_BYTES = 64
_MAX_REPLY = 512


class ProbeResponder:
    """Answers discovery probes on a UDP socket from a thread, until :meth:`stop`.

    Args:
        record: What to answer.
        bind: ``(address, port)``; port 0 picks a free one (see :attr:`address`).
        rate_per_s: Largest number of replies per second (excess probes are dropped).
    Raises:
        UsageError: The record's reply exceeds 512 bytes, or the address cannot be bound.
    """

    def __init__(
        self, record: DiscoveryRecord, bind: Tuple[str, int] = ("0.0.0.0", PROBE_PORT), rate_per_s: int = 20
    ) -> None:
        self.reply = record.probe_reply()
        if len(self.reply) > _MAX_REPLY:
            raise UsageError(f"the discovery record is {len(self.reply)} bytes; at most {_MAX_REPLY}")
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind(bind)
        except OSError as exc:
            self._sock.close()
            raise UsageError(f"cannot listen for discovery probes on {bind[0]}:{bind[1]}: {exc.strerror}") from None
        self._sock.settimeout(0.25)
        self._rate = max(1, rate_per_s)
        self._stop = threading.Event()
        self.answered = 0
        self._thread = threading.Thread(target=self._run, name="wss-discovery-probe", daemon=True)

    @property
    def address(self) -> Tuple[str, int]:
        """The bound ``(address, port)``."""
        host, port = self._sock.getsockname()[:2]
        return host, port

    def start(self) -> ProbeResponder:
        self._thread.start()
        return self

    def _run(self) -> None:
        window, count = time.monotonic(), 0
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(MAX_PROBE_BYTES + 1)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(data) > MAX_PROBE_BYTES or data.strip() != PROBE:
                continue
            now = time.monotonic()
            if now - window >= 1.0:
                window, count = now, 0
            if count >= self._rate:
                continue
            count += 1
            try:
                self._sock.sendto(self.reply, peer)
                self.answered += 1
            except OSError as exc:
                log.info("discovery: answering %s failed: %s", peer[0], exc)

    def stop(self) -> None:
        """Stop answering and close the socket (idempotent; waits at most 1 s)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(1.0)
        self._sock.close()

    def __enter__(self) -> ProbeResponder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def probe(target: Tuple[str, int] = ("255.255.255.255", PROBE_PORT), timeout_s: float = 1.0) -> List[Dict[str, str]]:
    """Send one probe to ``target`` (broadcast by default) and collect the answers that
    arrive within ``timeout_s`` seconds: a list of decoded records (bad replies skipped)."""
    found: List[Dict[str, str]] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.sendto(PROBE, target)
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data = sock.recv(_MAX_REPLY + 1)
            except socket.timeout:
                break
            try:
                record: Optional[Dict[str, str]] = json.loads(data)
            except ValueError:
                continue
            if isinstance(record, dict):
                found.append(record)
    return found
