"""The transport of ``ffsHttpExecute`` (protocol §3.1 row 12, §3.2) on top of :class:`HTTPSClient`.

The C SDK hands its port a request and three callbacks (status, each header, the body
once). The Python compat contract returns the whole response instead
(:class:`wss.compat.HttpResponse`): status, headers in order, body. This module performs
the request and keeps the connection to the last host alive; the compatibility layer
converts its ``HttpRequest`` into the arguments of :meth:`HTTPExecutor.request`.

Source: protocol §3.1 row 12, §3.2, §8.1, §8.8.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..tls import TLSConfig, TLSConnection
from .client import Headers, HTTPSClient
from .response import HTTPLimits, HTTPResponse

__all__ = ["HTTPExecutor"]


class HTTPExecutor:
    """Runs ``ffsHttpExecute`` requests, keeping the connection to the last host alive.

    Args:
        tls_config: the mutual-TLS identity, trust and timeouts.
        limits: header and body limits for every response.
        server_hostname: overrides the name used for SNI and the certificate check (for
            a DSS reached by address); defaults to each request's host.
        connect: optional ``connect(host, port) -> TLSConnection`` for transports other
            than a local socket (e.g. ESP-AT).
    """

    def __init__(
        self,
        tls_config: TLSConfig,
        *,
        limits: HTTPLimits = HTTPLimits(),
        server_hostname: Optional[str] = None,
        connect: Optional[Callable[[str, int], TLSConnection]] = None,
    ) -> None:
        self._tls_config = tls_config
        self._limits = limits
        self._server_hostname = server_hostname
        self._connect = connect
        self._client: Optional[HTTPSClient] = None

    def _client_for(self, host: str, port: int) -> HTTPSClient:
        client = self._client
        if client is not None and (client.host, client.port) == (host, port):
            return client
        self.close()
        connect = self._connect
        factory = None if connect is None else (lambda: connect(host, port))
        self._client = HTTPSClient(
            host, port, self._tls_config, limits=self._limits, server_hostname=self._server_hostname, connect=factory
        )
        return self._client

    def request(
        self,
        method: str,
        host: str,
        port: int,
        path: str,
        headers: Optional[Headers],
        body: bytes,
        scheme: str = "https",
    ) -> HTTPResponse:
        """Perform one request on the kept-alive connection (a new one for another host).

        Args:
            method: ``"POST"`` (every DSS operation) or ``"GET"``.
            host: the URL host (at most 253 characters, §3.2).
            port: the URL port (443, or 8888 on the encoded setup network).
            path: the URL path, e.g. ``/api/v1/report``.
            headers: request headers, e.g. ``[("Content-type", "application/json")]``.
            body: the request body.
            scheme: only ``"https"`` is supported (§8.1; any letter case).
        Returns:
            The whole response: status, headers in the order received, body.
        Raises:
            ValueError: another scheme, or a malformed request. Otherwise as
                :meth:`HTTPSClient.request` (a redirect raises ``RedirectRefused``, §8.8).
        """
        if scheme != "https" and scheme.lower() != "https":
            raise ValueError(f"only https is supported (protocol §8.1), not {scheme!r}")
        if not host or len(host) > 253:
            raise ValueError("host must be 1..253 characters (protocol §3.2)")
        return self._client_for(host, int(port)).request(method, path, headers, body)

    def close(self) -> None:
        """Close the kept-alive connection."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> HTTPExecutor:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
