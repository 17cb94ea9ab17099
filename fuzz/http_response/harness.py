"""The HTTP response path of the DSS client (wss.http over h11), fed by a byte source.

The bytes stand for what arrives after the TLS layer; the first byte picks how they are
cut into reads (1 to 256 bytes each), as a server may send them in any pieces. Two
requests go out on the same kept-alive connection. Every outcome is a response or one
of the documented errors (wss.errors.HTTPError and its subclasses; the source never
fails, so no TransportError); a response respects the limits.
"""

from __future__ import annotations

from typing import Optional

from wss.errors import HTTPError
from wss.http import HTTPLimits, HTTPSClient

LIMITS = HTTPLimits(max_header_bytes=2048, max_body_bytes=4096, max_response_bytes=16384)


class Source:
    """What :class:`HTTPSClient` needs of a TLS connection, reading from bytes."""

    def __init__(self, data: bytes, piece: int) -> None:
        self.data, self.piece, self.offset = data, piece, 0
        self.closed = False

    def read(self, max_bytes: int = 65536, timeout_s: object = None) -> bytes:
        size = min(max_bytes, self.piece)
        chunk = self.data[self.offset : self.offset + size]
        self.offset += len(chunk)
        return chunk

    def write(self, data: bytes) -> None:
        assert data.startswith(b"POST ")

    def set_deadline(self, at_s: Optional[float], what: str = "", length_s: Optional[float] = None) -> None:
        pass

    def is_reusable(self) -> bool:
        return not self.closed and self.offset < len(self.data)

    def close(self) -> None:
        self.closed = True


def test_one_input(data: bytes) -> None:
    if not data:
        return
    source = Source(data[1:], 1 + data[0])
    client = HTTPSClient("dss.test", 443, connect=lambda: source, limits=LIMITS)
    for _ in range(2):
        try:
            response = client.request("POST", "/api/v1/report", [("Content-type", "application/json")], b"{}")
        except HTTPError:
            return
        assert 100 <= response.status <= 999 and len(response.body) <= LIMITS.max_body_bytes
        if source.closed:
            return
