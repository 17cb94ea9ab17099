"""HTTP request/response records of ``ffsHttpExecute`` and the DSS client buffer sizes.

Re-exported by :mod:`wss.compat.types`.

Source: protocol §3.1 rows 12 and 19, §3.2, §8.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Tuple

__all__ = ["Headers", "HttpRequest", "HttpResponse", "DSSClientBuffers"]

#: Header (name, value) pairs in wire order.
Headers = Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class HttpRequest:
    """The request handed to ``ffsHttpExecute``: always HTTPS (protocol §3.2, §8.1).

    Attributes:
        host: server host name (SNI and ``Host``).
        port: TCP port (443, the configured port, or 8888 on the encoded network).
        path: e.g. ``/api/v1/report``.
        headers: (name, value) pairs in order.
        body: the request body.
        method: ``"POST"`` for every DSS operation.
    """

    host: str
    port: int
    path: str
    headers: Headers = ()
    body: bytes = field(default=b"", repr=False)
    method: str = "POST"
    scheme: str = "https"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.path}"


@dataclass(frozen=True)
class HttpResponse:
    """What ``ffsHttpExecute`` delivers: status, headers in order, the whole body.

    The body may carry Wi-Fi keys, so ``repr`` shows only its length.
    """

    status: int
    headers: Headers = ()
    body: bytes = field(default=b"", repr=False)

    def header_values(self, name: str) -> Tuple[str, ...]:
        """All values of header ``name`` (case-insensitive), in order."""
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == wanted)

    def __repr__(self) -> str:
        return f"HttpResponse(status={self.status}, headers={len(self.headers)}, body=<{len(self.body)} bytes>)"


@dataclass(frozen=True)
class DSSClientBuffers:
    """``ffsDssClientGetBuffers``: the sizes of the four DSS client buffers, bytes.

    Attributes:
        host_size: host name buffer (>= 253).
        session_id_size: session id buffer (>= 256); a session id may be one shorter.
        nonce_size: nonce buffer (>= 16); the nonce is one character shorter (31 for 32).
        body_size: request/response body buffer (ports use 2048 or 4096).

    Source: protocol §3.1 row 19, §8.3, §8.4 (paging).
    """

    host_size: int = 253
    session_id_size: int = 256
    nonce_size: int = 32
    body_size: int = 4096

    def __post_init__(self) -> None:
        for name, low in (("host_size", 253), ("session_id_size", 256), ("nonce_size", 16), ("body_size", 128)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
