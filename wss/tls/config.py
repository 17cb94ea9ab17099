"""The client side of a mutual-TLS session: identity, trust anchors, checks and timeouts.

Source: protocol §9 (client chain of up to 5 certificates, P-256 key, server trust, SNI,
EMS and ETM, time checks off on networks with no time source), §8.1 (DSS host and ports).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Optional, Union

from .._binding import HAS_TLS13, MBEDTLS_VERSION, ffi, lib
from ..crypto import PrivateKey
from ._errors import config_error

__all__ = ["TLSConfig", "MAX_CHAIN_LENGTH", "timeout_ms"]

log = logging.getLogger("wss.tls")

#: Most certificates a client chain may hold: DHA, DAK, product, manufacturer, root (§9).
MAX_CHAIN_LENGTH: int = lib.WSS_TLS_MAX_CHAIN

Pem = Union[bytes, str]


def _pem(value: Pem, name: str) -> bytes:
    """PEM text as bytes with the terminating NUL mbedTLS needs to recognise PEM."""
    if isinstance(value, str):
        value = value.encode("ascii")
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be PEM bytes or str, not {type(value).__name__}")
    data = bytes(value).rstrip(b"\0")
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ValueError(f"{name} holds no PEM certificate ('-----BEGIN CERTIFICATE-----')")
    return data + b"\0"


def _timeout(value: Optional[float], name: str) -> Optional[float]:
    if value is None:
        return None
    value = float(value)
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive number of seconds or None, got {value!r}")
    return value


def timeout_ms(seconds: Optional[float]) -> int:
    """Seconds (None = no limit) as the core's milliseconds (-1 = no limit), rounded up."""
    if seconds is None:
        return -1
    return max(0, min(2**31 - 1, math.ceil(seconds * 1000.0)))


class TLSConfig:
    """Everything a TLS client needs apart from the peer; immutable and shareable.

    The private key stays inside the C core: the configuration keeps a reference to the
    :class:`~wss.crypto.PrivateKey` and hands its handle to mbedTLS.

    Args:
        certificate_chain_pem: the client chain in PEM, leaf (device DHA certificate)
            first, then DAK and the intermediates; 1 to 5 certificates.
        private_key: the leaf certificate's P-256 key.
        trust_pem: the trust anchors for the server certificate, a PEM bundle.
        skip_time_checks: accept server certificates outside their validity period, for
            setup networks with no time source. Off by default; logged as a warning.
        handshake_timeout_s: the whole handshake, in seconds (None = no limit).
        read_timeout_s: each read, until its first byte, in seconds (None = no limit).
        write_timeout_s: each write, until all of it is sent, in seconds (None = no limit).
        tls13: offer TLS 1.3 besides TLS 1.2. Off by default: the DSS connection is
            TLS 1.2 with Extended Master Secret and Encrypt-then-MAC on every mbedTLS line
            (the policy and its reasons: docs/protocol.md §9.1). Needs an mbedTLS 3.x
            build with TLS 1.3 (:data:`wss.tls.HAS_TLS13`).

    Raises:
        TypeError: ``private_key`` is not a :class:`~wss.crypto.PrivateKey`, or a PEM
            argument is not bytes/str.
        ValueError: a PEM argument holds no certificate, a timeout is not positive, or
            ``tls13`` is asked of an mbedTLS build without TLS 1.3.
        wss.errors.TLSError: a certificate does not parse, the chain is longer than 5.
        wss.errors.InvalidKey: the key does not belong to the chain's first certificate.

    Source: protocol §9, §9.1; RFC 5246 (TLS 1.2), RFC 7627 (EMS), RFC 7366 (ETM),
    RFC 8446 (TLS 1.3), RFC 6066 §3 (SNI).
    """

    __slots__ = (
        "_handle",
        "_key",
        "skip_time_checks",
        "handshake_timeout_s",
        "read_timeout_s",
        "write_timeout_s",
        "chain_length",
        "tls13",
    )

    def __init__(
        self,
        certificate_chain_pem: Pem,
        private_key: PrivateKey,
        trust_pem: Pem,
        *,
        skip_time_checks: bool = False,
        handshake_timeout_s: Optional[float] = 30.0,
        read_timeout_s: Optional[float] = 30.0,
        write_timeout_s: Optional[float] = 30.0,
        tls13: bool = False,
    ) -> None:
        if not isinstance(private_key, PrivateKey):
            raise TypeError(f"private_key must be a wss.crypto.PrivateKey, not {type(private_key).__name__}")
        self.tls13 = bool(tls13)
        if self.tls13 and not HAS_TLS13:
            raise ValueError(f"tls13=True: this mbedTLS build ({MBEDTLS_VERSION}) has no TLS 1.3")
        chain = _pem(certificate_chain_pem, "certificate_chain_pem")
        trust = _pem(trust_pem, "trust_pem")
        self.handshake_timeout_s = _timeout(handshake_timeout_s, "handshake_timeout_s")
        self.read_timeout_s = _timeout(read_timeout_s, "read_timeout_s")
        self.write_timeout_s = _timeout(write_timeout_s, "write_timeout_s")
        self.skip_time_checks = bool(skip_time_checks)
        out = ffi.new("wss_tls_config **")
        rc = lib.wss_tls_config_new(
            trust, len(trust), chain, len(chain), private_key._key, int(self.skip_time_checks), out
        )
        if rc != 0:
            raise config_error(rc)
        self._handle = ffi.gc(out[0], lib.wss_tls_config_free)
        if self.tls13:
            rc = lib.wss_tls_config_enable_tls13(self._handle)
            if rc != 0:  # pragma: no cover - HAS_TLS13 says the build has it
                raise config_error(rc)
        self._key = private_key  # the C config borrows the key: keep it alive
        self.chain_length: int = lib.wss_tls_config_chain_length(self._handle)
        if self.skip_time_checks:
            log.warning(
                "TLS: server certificate validity-time checks are OFF "
                "(expired or not-yet-valid certificates are accepted)"
            )

    @classmethod
    def from_files(
        cls, certificate_chain: Union[str, Path], private_key: Union[str, Path], trust: Union[str, Path], **options
    ) -> TLSConfig:
        """Load the chain, the PEM private key and the trust bundle from files.

        Args:
            certificate_chain: path of the PEM chain, leaf first.
            private_key: path of the PEM (PKCS#8 or SEC 1) P-256 private key.
            trust: path of the PEM bundle of trust anchors.
            **options: the keyword options of :class:`TLSConfig`.
        Returns:
            The configuration.
        Raises:
            OSError: a file cannot be read. Otherwise as :class:`TLSConfig`.
        """
        key = PrivateKey.from_pem(Path(private_key).read_bytes())
        return cls(Path(certificate_chain).read_bytes(), key, Path(trust).read_bytes(), **options)

    def __repr__(self) -> str:
        return (
            f"<TLSConfig chain={self.chain_length} certs key={self._key!r} "
            f"skip_time_checks={self.skip_time_checks} tls13={self.tls13} timeouts_s=("
            f"{self.handshake_timeout_s}, {self.read_timeout_s}, {self.write_timeout_s})>"
        )
