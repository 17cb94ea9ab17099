"""What an HTTP exchange returns, and the limits it is held to.

Source: RFC 9110 §15 (status codes), RFC 9112 §5 (field lines); protocol §3.2, §8.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

__all__ = ["HTTPResponse", "HTTPLimits", "REDIRECT_STATUSES"]

#: Statuses that ask the client to go elsewhere; all refused (protocol §8.8).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class HTTPLimits:
    """Upper bounds on what a response may make us hold in memory.

    Attributes:
        max_header_bytes: status line plus header block, in bytes.
        max_body_bytes: response body, in bytes (the DSS ports use 2-4 KiB buffers,
            protocol §3.1 row 19; the default leaves generous room).
    """

    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("max_header_bytes", "max_body_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"HTTPLimits.{name} must be positive")


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
