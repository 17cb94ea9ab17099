"""Mutual-TLS client over the mbedTLS core, for talking to the Device Setup Service.

* :class:`TLSConfig` -- client chain (up to 5 PEM certificates, leaf first) and its
  :class:`wss.crypto.PrivateKey` (which never leaves the C core), trust anchors,
  optional skip of validity-time checks, handshake/read/write timeouts in seconds.
* :class:`TLSConnection` -- TLS 1.2 (1.3 only with ``TLSConfig(tls13=True)`` on an
  mbedTLS build that has it, :data:`HAS_TLS13`; the policy: protocol §9.1) with SNI,
  host-name verification (a server named by IP address: its iPAddress names, no SNI),
  Extended Master Secret and Encrypt-then-MAC, over a connected socket (all I/O in C)
  or any :class:`ByteTransport`; a deadline
  (:meth:`TLSConnection.set_deadline`) bounds every operation beyond its own timeout.

Failures raise :mod:`wss.errors`: ``TLSAlertError`` (``alert`` = the alert's name),
``CertificateVerifyError`` (``flags``, ``reasons``), ``TransportTimeout``,
``ConnectionReset``, ``TLSError``.

Source: protocol §9; issue 3.
"""

from __future__ import annotations

from .._binding import HAS_TLS13
from .._binding import lib as _lib
from ._errors import ALERT_NAMES, alert_name
from .config import MAX_CHAIN_LENGTH, TLSConfig
from .connection import TLSConnection
from .transports import ByteTransport, CallableTransport, SocketTransport

__all__ = [
    "TLSConfig",
    "TLSConnection",
    "ByteTransport",
    "CallableTransport",
    "SocketTransport",
    "HAS_TLS13",
    "MAX_CHAIN_LENGTH",
    "ALERT_NAMES",
    "alert_name",
    "BADCERT_EXPIRED",
    "BADCERT_FUTURE",
    "BADCERT_NOT_TRUSTED",
    "BADCERT_CN_MISMATCH",
]

#: mbedTLS X.509 verification flags, as found in ``CertificateVerifyError.flags``.
BADCERT_EXPIRED: int = _lib.WSS_X509_BADCERT_EXPIRED
BADCERT_FUTURE: int = _lib.WSS_X509_BADCERT_FUTURE
BADCERT_NOT_TRUSTED: int = _lib.WSS_X509_BADCERT_NOT_TRUSTED
BADCERT_CN_MISMATCH: int = _lib.WSS_X509_BADCERT_CN_MISMATCH
