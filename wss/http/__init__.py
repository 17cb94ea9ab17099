"""HTTP/1.1 over the mutual-TLS client, for the Device Setup Service.

* :class:`HTTPSClient` -- ``request(method, path, headers, body) -> HTTPResponse`` with
  h11 framing, keep-alive (one TLS connection for a sequence of requests; reconnects by
  itself only when the server closed an idle connection before a request was sent),
  redirects refused, header/body/wire limits and the response and operation deadlines
  (:class:`HTTPLimits`; defaults in :mod:`wss.deadlines`).
* :class:`HTTPExecutor` -- the ``ffsHttpExecute`` contract (protocol §3.1 row 12, §3.2):
  status, then each header, then the body once, through callbacks.

Errors: :mod:`wss.errors` ``RedirectRefused``, ``LimitExceeded``, ``ResponseTruncated``,
``HTTPError``, and from TLS ``TransportTimeout`` (``DeadlineExceeded`` when a deadline
cut the exchange), ``ConnectionReset``, ``TLSAlertError``, ``CertificateVerifyError``.

Source: RFC 9112; protocol §3.1 row 12, §3.2, §8.1, §8.8.
"""

from __future__ import annotations

from .client import Headers, HTTPSClient
from .execute import HTTPExecutor
from .response import REDIRECT_STATUSES, HTTPLimits, HTTPResponse

__all__ = [
    "HTTPSClient",
    "HTTPExecutor",
    "HTTPResponse",
    "HTTPLimits",
    "Headers",
    "REDIRECT_STATUSES",
]
