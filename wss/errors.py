"""The wss exception hierarchy: one root, small and flat.

Every exception raised on purpose by wss derives from :class:`WssError`. Errors that come
from mbedTLS carry the negative mbedTLS error code and the text ``mbedtls_strerror`` gives
for it. No exception message ever contains key material, a PSK, a passphrase or a token.

Hierarchy::

    WssError
    ├── CryptoError                (code, reason: mbedTLS)
    │   ├── InvalidKey             (also a ValueError)
    │   ├── InvalidSignature       (raised by verify_* helpers; ecdsa_verify returns a bool)
    │   ├── AuthenticationFailed   (an AES-GCM tag or an SRP-6a proof does not verify)
    │   ├── TokenError             (a PKCS#11 module, token or token key refused or failed)
    │   └── InternalError          (an mbedTLS call failed where it must not)
    ├── TLSError                   (code, reason: mbedTLS)
    │   ├── TLSAlertError          (alert: the alert's name, e.g. "bad_certificate")
    │   └── CertificateVerifyError (flags: the X.509 verification flags, reasons: their names)
    ├── TransportError             (the byte stream under TLS/HTTP)
    │   ├── TransportTimeout       (also a TimeoutError)
    │   │   └── DeadlineExceeded   (a whole response or request outlived its deadline)
    │   └── ConnectionReset        (the peer closed or reset the connection)
    ├── HTTPError                  (a response that breaks HTTP/1.1 or our limits)
    │   ├── ResponseTruncated
    │   ├── RedirectRefused
    │   └── LimitExceeded
    ├── LocalProtocolError         (we were asked to break the protocol)
    ├── PeerProtocolError          (the peer broke the protocol; error_code: an error-details code)
    ├── CompatError                (a compat-layer call failed; result: its FFS_RESULT code)
    ├── RunBudgetExceeded          (a provisioning run used up its wall time or transitions)
    ├── ConfigError                (a bad configuration file or option; names file and line)
    │   └── UsageError             (a command-line option is missing or malformed: exit status 2)
    ├── StoreError                 (the persistent store cannot be read or written)
    └── WssDisabled                (the store says SoftAP setup mode: WSS is off until a factory reset)
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

__all__ = [
    "WssError",
    "CryptoError",
    "InvalidKey",
    "InvalidSignature",
    "AuthenticationFailed",
    "TokenError",
    "InternalError",
    "TLSError",
    "TLSAlertError",
    "CertificateVerifyError",
    "TransportError",
    "TransportTimeout",
    "DeadlineExceeded",
    "ConnectionReset",
    "HTTPError",
    "ResponseTruncated",
    "RedirectRefused",
    "LimitExceeded",
    "LocalProtocolError",
    "PeerProtocolError",
    "CompatError",
    "RunBudgetExceeded",
    "ConfigError",
    "UsageError",
    "StoreError",
    "WssDisabled",
]


class WssError(Exception):
    """Root of every error wss raises on purpose."""


class _MbedTLSCoded(WssError):
    """An error that may carry an mbedTLS error code (negative int) and its text."""

    def __init__(self, message: str, code: int = 0, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        if code:
            message = (
                f"{message} (mbedTLS -0x{-code:04X}: {reason})" if reason else (f"{message} (mbedTLS -0x{-code:04X})")
            )
        super().__init__(message)


class CryptoError(_MbedTLSCoded):
    """A cryptographic operation failed. ``code``/``reason``: mbedTLS code and text, if any."""


class InvalidKey(CryptoError, ValueError):
    """A key is malformed or unusable: a P-256 key (PEM, DER, SubjectPublicKeyInfo) not on
    the curve, an X25519 public key of small order, an AES key of the wrong length, an
    SRP-6a verifier or peer public value out of range."""


class InvalidSignature(CryptoError):
    """A signature does not verify (raised by the ``verify_*`` helpers)."""


class AuthenticationFailed(CryptoError):
    """Authenticated data or a proof does not verify: an AES-GCM tag mismatch (the
    ciphertext, nonce, associated data or key is wrong), or an SRP-6a client proof made
    with another password. Nothing of the decrypted data is returned."""


class TokenError(CryptoError):
    """A PKCS#11 module, token or token key refused or failed: the module cannot be loaded,
    no such token or key, a wrong or locked PIN, a key that is not P-256 or may not be used
    this way, a token removed mid-run. ``code`` is the core's WSS_ERR_P11_* code; the message
    names the key's URI without any PIN (docs/pkcs11.md)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


class InternalError(CryptoError):
    """An mbedTLS call failed where it never should; a bug or an exhausted resource."""


class TLSError(_MbedTLSCoded):
    """The TLS session failed. ``code``/``reason``: mbedTLS code and text."""


class TLSAlertError(TLSError):
    """The peer sent a fatal TLS alert. ``alert``: its RFC 5246 name, e.g. ``bad_certificate``."""

    def __init__(self, message: str, alert: str, code: int = 0, reason: str = "") -> None:
        self.alert = alert
        super().__init__(f"{message}: peer sent alert {alert}", code, reason)


class CertificateVerifyError(TLSError):
    """The server's certificate chain did not verify.

    ``flags``: mbedTLS ``MBEDTLS_X509_BADCERT_*`` bits; ``reasons``: their names, e.g.
    ``("not trusted", "CN mismatch")``.
    """

    def __init__(self, message: str, flags: int, reasons: Sequence[str] = (), code: int = 0, reason: str = "") -> None:
        self.flags = flags
        self.reasons: Tuple[str, ...] = tuple(reasons)
        detail = ", ".join(self.reasons) or f"flags 0x{flags:x}"
        super().__init__(f"{message}: {detail}", code, reason)


class TransportError(WssError):
    """The byte stream beneath TLS or HTTP failed."""


class TransportTimeout(TransportError, TimeoutError):
    """A connect, handshake, read or write did not finish within its timeout."""


class DeadlineExceeded(TransportTimeout):
    """A whole exchange did not finish by its deadline, although each single wait may have.

    Raised when a response (status line, headers and body) or a whole request (connect,
    send, response) outlives the deadline set for it, e.g. because the peer trickles bytes
    just fast enough to beat every per-read timeout. ``deadline_s``: the deadline that
    passed, in seconds (None when not known).
    """

    def __init__(self, message: str, deadline_s: Optional[float] = None) -> None:
        self.deadline_s = deadline_s
        super().__init__(message)


class ConnectionReset(TransportError, ConnectionError):
    """The peer closed or reset the connection."""


class HTTPError(WssError):
    """An HTTP/1.1 exchange failed: the response broke the protocol or our limits."""


class ResponseTruncated(HTTPError):
    """The connection ended before the whole response (headers or Content-Length body) arrived."""


class RedirectRefused(HTTPError):
    """The server answered with a redirect; DSS clients never follow them (protocol §8.8)."""

    def __init__(self, message: str, status: int, location: Optional[str] = None) -> None:
        self.status = status
        self.location = location
        super().__init__(message)


class LimitExceeded(HTTPError):
    """A response header block or body is larger than the configured limit."""


class LocalProtocolError(WssError):
    """We were asked to do something the protocol does not allow."""


class PeerProtocolError(WssError):
    """The peer (the DSS, an access point, a co-processor) broke the protocol.

    ``error_code``: the error-details code to report for it, e.g. ``"99:1:0:99"``.
    """

    def __init__(self, message: str, error_code: str = "99:1:0:99") -> None:
        self.error_code = error_code
        super().__init__(message)


class CompatError(WssError):
    """A compatibility-layer function failed (protocol §3.1).

    ``result``: the ``FFS_RESULT`` value it failed with (an int, e.g. -1 for FFS_ERROR).
    """

    def __init__(self, message: str, result: int = -1) -> None:
        self.result = result
        super().__init__(message)


class RunBudgetExceeded(WssError):
    """A provisioning run used up its budget: wall time or state transitions.

    ``limit``: which budget (``"max_run_s"`` or ``"max_transitions"``, the
    :class:`~wss.provisionee.MachineOptions` field); ``value``: the limit that was reached.
    The run aborts and falls back to SoftAP setup like any other failure.
    """

    def __init__(self, message: str, limit: str, value: float) -> None:
        self.limit = limit
        self.value = value
        super().__init__(message)


class ConfigError(WssError, ValueError):
    """A configuration file or option is invalid. The message names the file and line."""


class UsageError(ConfigError):
    """A command-line option is missing or malformed; the ``wss`` command exits with 2."""


class StoreError(WssError):
    """The persistent store could not be read or written."""


class WssDisabled(WssError):
    """WSS is disabled in the store: the device is in SoftAP setup mode after an earlier
    failure, until a factory reset (integration guide, "Device factory reset
    recommendation")."""
