"""The IP side of the mock: which TCP endpoints a joined network reaches, and streams.

Every reachable endpoint is a real socket on 127.0.0.1 at the same port: the device
asks for ``(dss_host, 8443)`` on the home network and gets a TCP connection to
127.0.0.1:8443, where the local DSS listens. What a network reaches is its ``tcp`` rule:

* ``internet``: every host of the simulated internet (``internet.dss_host``,
  ``internet.hosts``, loopback literals), any port — except the DSS setup port, which
  only a provisioner's setup network forwards (§7.4);
* ``setup``: only ``dss_host:dss_setup_port`` (the provisioner's network);
* ``none``: the network gives an address but routes nothing;
* a list of ``host:port`` (``*`` for any host or port): exactly those.

Streams die with the link: leaving or losing the network shuts their sockets down, so
code holding the raw ``fileno()`` sees the end too.

Source: protocol §7.3 (fallback network uses the normal port), §7.4 (port 8888).
"""

from __future__ import annotations

import socket
from typing import Callable

from ..errors import NameResolutionError, NetworkUnreachable, StreamReset
from ..stream import SocketStream
from .environment import AccessPoint, Internet

__all__ = ["check_reachable", "MockStream"]


def check_reachable(internet: Internet, ap: AccessPoint, host: str, port: int) -> None:
    """Raise unless ``host:port`` is reachable through ``ap``.

    Raises:
        NetworkUnreachable: The network routes nothing, or not to this endpoint.
        NameResolutionError: ``host`` is not a name of the simulated internet.
    """
    name = ap.ssid.decode("utf-8", "replace")
    rule = ap.tcp
    if rule.kind == "none":
        raise NetworkUnreachable(f"{host}:{port}: network {name!r} routes nothing")
    if not internet.resolves(host):
        raise NameResolutionError(f"{host!r} does not resolve on network {name!r}")
    setup_endpoint = host == internet.dss_host and port == internet.dss_setup_port
    if rule.kind == "internet":
        allowed = not setup_endpoint
    elif rule.kind == "setup":
        allowed = setup_endpoint
    else:
        allowed = any(h in ("*", host) and p in (None, port) for h, p in rule.endpoints)
    if not allowed:
        raise NetworkUnreachable(f"{host}:{port} is not reachable through network {name!r}")


class MockStream(SocketStream):
    """A loopback socket that also checks the simulated link before each send/recv.

    Args:
        sock: The connected socket.
        alive: Returns False once the link this stream was opened on is gone.
    """

    def __init__(self, sock: socket.socket, alive: Callable[[], bool]) -> None:
        super().__init__(sock)
        self._alive = alive

    def send(self, data: bytes) -> int:
        self._check()
        return super().send(data)

    def recv(self, max_bytes: int) -> bytes:
        self._check()
        return super().recv(max_bytes)

    def _check(self) -> None:
        if not self.closed and not self._alive():
            raise StreamReset("the Wi-Fi link this stream used is gone")

    def cut(self) -> None:
        """Shut the socket down (the link went away); later calls raise StreamReset."""
        if not self.closed:
            try:
                self._live().shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
