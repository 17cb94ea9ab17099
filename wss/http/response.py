"""What an HTTP exchange returns, and the limits it is held to.

Source: RFC 9110 §15 (status codes), RFC 9112 §5 (field lines); protocol §3.2, §8.1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from .. import deadlines

__all__ = ["HTTPResponse", "HTTPLimits", "REDIRECT_STATUSES"]

#: Statuses that ask the client to go elsewhere; all refused (protocol §8.8).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class HTTPLimits:
    """Upper bounds on what one exchange may make us hold in memory, and for how long.

    Sizes bound memory; deadlines bound time. Each single wait of the TLS layer also has
    its own timeout (:class:`wss.tls.TLSConfig`), but a peer that sends one byte just
    before every timeout would beat timeouts alone: the deadlines bound the whole.

    Attributes:
        max_header_bytes: the status lines and header blocks of one response, in bytes,
            informational (1xx) responses included: an endless run of ``100 Continue``
            ends here.
        max_body_bytes: response body, in bytes (the DSS ports use 2-4 KiB buffers,
            protocol §3.1 row 19; the default leaves generous room).
        max_response_bytes: every byte read for one response, in bytes: 1xx heads, the
            head, the body with its chunk framing and trailers.
        response_deadline_s: seconds from the end of the request to the last byte of the
            response (None: no deadline). Default 30 s.
        operation_deadline_s: seconds for one whole request: connecting (when the kept
            connection cannot be reused), sending and the response (None: no deadline).
            Opening the TCP stream and the TLS handshake keep their own timeouts; what is
            left of this deadline then bounds the rest. Default 60 s.

    Raises:
        ValueError: a size that is not a positive integer, a deadline that is not a
            positive finite number of seconds.

    Source: RFC 9112 §2.2 (robustness), §15.2 (1xx), §7.1 (chunked coding); protocol §8.1.
    """

    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = 1024 * 1024
    max_response_bytes: int = 4 * 1024 * 1024
    response_deadline_s: Optional[float] = deadlines.DSS_RESPONSE_DEADLINE_S
    operation_deadline_s: Optional[float] = deadlines.DSS_OPERATION_DEADLINE_S

    def __post_init__(self) -> None:
        for name in ("max_header_bytes", "max_body_bytes", "max_response_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"HTTPLimits.{name} must be a positive number of bytes, got {value!r}")
        for name in ("response_deadline_s", "operation_deadline_s"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf
            ):
                raise ValueError(f"HTTPLimits.{name} must be a positive number of seconds or None, got {value!r}")


@dataclass(frozen=True)
class HTTPResponse:
    """One complete HTTP/1.1 response.

    Attributes:
        status: the status code, e.g. 200.
        headers: (name, value) pairs in the order received, names as the server spelled
            them (the DSS signature header is ``x-amzn-dss-signature``, protocol §8.2).
        body: the whole body.
        reason: the reason phrase, possibly empty.
    """

    status: int
    headers: List[Tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reason: str = ""

    def header(self, name: str) -> Optional[str]:
        """The first value of header ``name`` (compared case-insensitively), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def header_values(self, name: str) -> List[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def __repr__(self) -> str:
        return f"<HTTPResponse {self.status} headers={len(self.headers)} body={len(self.body)} bytes>"
