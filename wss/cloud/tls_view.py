"""What the local DSS saw of each TLS handshake: version, cipher suite, EMS, ETM, SNI, client chain.

Amazon certifies a device's TLS security flow by looking at the connection details on the
DSS side. :class:`TLSObserver` gives the local DSS the same view: it hooks OpenSSL's
message callback and the SNI callback of the server's :class:`ssl.SSLContext` and, once
a handshake has completed, returns one JSON-ready record per connection:

* ``version`` and ``cipher`` (OpenSSL names, e.g. ``TLSv1.2``,
  ``ECDHE-ECDSA-AES256-GCM-SHA384``);
* the extensions the client **offered** (its ClientHello) and the ones the server
  **negotiated** (its ServerHello): Extended Master Secret (type 23, RFC 7627) and
  Encrypt-then-MAC (type 22, RFC 7366), by name;
* ``sni``: the server name the client sent (RFC 6066 §3), or None;
* ``client_chain_sha256``: the SHA-256 of every certificate of the chain the client sent
  in its Certificate message, leaf first (RFC 5246 §7.4.6; RFC 8446 §4.4.2). OpenSSL has
  verified that chain against the DHA root before the handshake completes.

The message callback is CPython's ``SSLContext._msg_callback`` (the hook behind
``python -m ssl`` debugging, present since Python 3.8 and undocumented); it sees every
handshake message in clear, also those TLS 1.3 encrypts. If an interpreter lacks it, the
records still carry version, cipher and SNI and say ``"hellos_observed": false``.

Source: RFC 5246 §7.4.1.2-7.4.1.4 (hello extensions), §7.4.2 and §7.4.6 (Certificate);
RFC 8446 §4.4.2; RFC 7627; RFC 7366; RFC 6066 §3; protocol §9 (what the production DSS
requires of the client: EMS and ETM, SNI); provisionee certification guide ("the full
TLS security flow ... the resulting connection details").
"""

from __future__ import annotations

import hashlib
import ssl
import struct
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set

__all__ = [
    "EXT_ENCRYPT_THEN_MAC",
    "EXT_EXTENDED_MASTER_SECRET",
    "TLSObserver",
    "hello_extensions",
    "certificate_list",
]

_HANDSHAKE = 22  #: TLS record content type
_CLIENT_HELLO, _SERVER_HELLO, _CERTIFICATE = 1, 2, 11  #: handshake message types
EXT_ENCRYPT_THEN_MAC = 0x0016  #: RFC 7366
EXT_EXTENDED_MASTER_SECRET = 0x0017  #: RFC 7627
_NAMES = {EXT_EXTENDED_MASTER_SECRET: "extended_master_secret", EXT_ENCRYPT_THEN_MAC: "encrypt_then_mac"}


def hello_extensions(message: bytes) -> Set[int]:
    """The extension types of a ClientHello or ServerHello handshake message.

    Args:
        message: the whole handshake message, its 4-byte header included.
    Returns:
        The extension type numbers (empty when the hello carries none).
    Raises:
        ValueError: the message is not a hello, or is cut short.
    Source: RFC 5246 §7.4.1.2 (ClientHello), §7.4.1.3 (ServerHello).
    """
    try:
        kind = message[0]
        if kind not in (_CLIENT_HELLO, _SERVER_HELLO):
            raise ValueError(f"handshake message type {kind} is not a hello")
        p = 4 + 2 + 32  # header, version, random
        p += 1 + message[p]  # session id
        if kind == _CLIENT_HELLO:
            p += 2 + struct.unpack_from("!H", message, p)[0]  # cipher suites
            p += 1 + message[p]  # compression methods
        else:
            p += 2 + 1  # cipher suite, compression method
        if p >= len(message):
            return set()
        end = p + 2 + struct.unpack_from("!H", message, p)[0]
        p += 2
        types = set()
        while p + 4 <= end:
            ext_type, ext_len = struct.unpack_from("!HH", message, p)
            types.add(ext_type)
            p += 4 + ext_len
        return types
    except (IndexError, struct.error):
        raise ValueError("the hello is cut short") from None


def certificate_list(message: bytes, tls13: bool) -> List[bytes]:
    """The DER certificates of a Certificate handshake message, in the order sent.

    Args:
        message: the whole handshake message, its 4-byte header included.
        tls13: the TLS 1.3 layout (request context, per-entry extensions).
    Raises:
        ValueError: not a Certificate message, or cut short.
    Source: RFC 5246 §7.4.2; RFC 8446 §4.4.2.
    """
    if not message or message[0] != _CERTIFICATE:
        raise ValueError("not a Certificate message")
    try:
        p = 4
        if tls13:
            p += 1 + message[p]  # certificate_request_context
        end = p + 3 + int.from_bytes(message[p : p + 3], "big")
        p += 3
        chain = []
        while p < end:
            size = int.from_bytes(message[p : p + 3], "big")
            der = message[p + 3 : p + 3 + size]
            if len(der) != size:
                raise ValueError("a certificate is cut short")
            chain.append(bytes(der))
            p += 3 + size
            if tls13:
                p += 2 + struct.unpack_from("!H", message, p)[0]  # the entry's extensions
        return chain
    except (IndexError, struct.error):
        raise ValueError("the Certificate message is cut short") from None


@dataclass
class _Seen:
    """What the callbacks saw of one connection during its handshake."""

    client_hello: Optional[bytes] = None
    server_hello: Optional[bytes] = None
    client_certificate: Optional[bytes] = None
    sni: Optional[str] = None
    hellos: bool = False
    problems: List[str] = field(default_factory=list)


class TLSObserver:
    """Records, per connection, what the server side of a handshake saw.

    Args:
        context: the server's context; the observer installs its SNI callback and, where
            the interpreter has it, the message callback. Install before serving.
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self._lock = threading.Lock()
        self._seen: Dict[int, _Seen] = {}
        context.sni_callback = self._on_sni
        self.hellos_observed = hasattr(context, "_msg_callback")
        if self.hellos_observed:
            context._msg_callback = self._on_message  # type: ignore[attr-defined]  # CPython's debug hook

    def _entry(self, connection: Any) -> _Seen:
        with self._lock:
            return self._seen.setdefault(id(connection), _Seen())

    def _on_sni(self, connection: Any, server_name: Optional[str], context: ssl.SSLContext) -> None:
        self._entry(connection).sni = server_name
        return None  # go on with this context

    def _on_message(
        self, connection: Any, direction: str, version: Any, content_type: Any, msg_type: Any, data: bytes
    ) -> None:
        if content_type != _HANDSHAKE:
            return
        seen = self._entry(connection)
        seen.hellos = True
        if msg_type == _CLIENT_HELLO and direction == "read" and seen.client_hello is None:
            seen.client_hello = bytes(data)
        elif msg_type == _SERVER_HELLO and direction == "write":
            seen.server_hello = bytes(data)  # the last one: after a HelloRetryRequest, the real one
        elif msg_type == _CERTIFICATE and direction == "read":
            seen.client_certificate = bytes(data)

    def saw_client_hello(self, connection: Any) -> bool:
        """Whether ``connection`` sent a ClientHello (False for a bare TCP connection,
        such as a device's check that the DSS port is reachable, or without the
        message callback)."""
        with self._lock:
            seen = self._seen.get(id(connection))
        return seen is not None and seen.client_hello is not None

    def forget(self, connection: Any) -> None:
        """Drop what was recorded for ``connection`` (a handshake that failed)."""
        with self._lock:
            self._seen.pop(id(connection), None)

    def view(self, connection: ssl.SSLSocket) -> Dict[str, Any]:
        """The record of a completed handshake (and forget the connection's raw data).

        Returns:
            ``version``, ``cipher``, ``offered`` and ``negotiated`` (lists of extension
            names among ``extended_master_secret`` and ``encrypt_then_mac``), ``sni``,
            ``client_chain_sha256`` (hex, leaf first), ``hellos_observed`` and
            ``problems`` (messages that could not be read, if any).
        """
        with self._lock:
            seen = self._seen.pop(id(connection), _Seen())
        version = connection.version()
        cipher = connection.cipher()
        record: Dict[str, Any] = {
            "version": version,
            "cipher": cipher[0] if cipher else None,
            "sni": seen.sni,
            "hellos_observed": self.hellos_observed and seen.hellos,
            "offered": _names(seen.client_hello, "ClientHello", seen.problems),
            "negotiated": _names(seen.server_hello, "ServerHello", seen.problems),
            "client_chain_sha256": [],
        }
        if seen.client_certificate is not None:
            try:
                chain = certificate_list(seen.client_certificate, tls13=version == "TLSv1.3")
            except ValueError as exc:
                seen.problems.append(f"client Certificate: {exc}")
            else:
                record["client_chain_sha256"] = [hashlib.sha256(der).hexdigest() for der in chain]
        record["problems"] = list(seen.problems)
        return record


def _names(message: Optional[bytes], what: str, problems: List[str]) -> List[str]:
    if message is None:
        return []
    try:
        types = hello_extensions(message)
    except ValueError as exc:
        problems.append(f"{what}: {exc}")
        return []
    return sorted(name for number, name in _NAMES.items() if number in types)
