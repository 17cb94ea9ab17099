"""Turn the TLS core's return codes into :mod:`wss.errors` exceptions.

Source: RFC 5246 §7.2 and RFC 8446 §6 (alert names), mbedTLS ``x509_crt.h`` (verification
flags; their text comes from ``mbedtls_x509_crt_verify_info``).
"""

from __future__ import annotations

import os
from typing import Optional, Tuple

from .._binding import MBEDTLS_VERSION, ffi, lib, strerror
from ..errors import (
    CertificateVerifyError,
    ConnectionReset,
    InvalidKey,
    TLSAlertError,
    TLSError,
    TokenError,
    TransportError,
    TransportTimeout,
    WssError,
)

#: TLS alert descriptions by number (RFC 5246 §7.2, RFC 8446 §6, RFC 7301, RFC 6066).
ALERT_NAMES = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    21: "decryption_failed",
    22: "record_overflow",
    30: "decompression_failure",
    40: "handshake_failure",
    41: "no_certificate",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    60: "export_restriction",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    100: "no_renegotiation",
    109: "missing_extension",
    110: "unsupported_extension",
    111: "certificate_unobtainable",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    114: "bad_certificate_hash_value",
    115: "unknown_psk_identity",
    116: "certificate_required",
    120: "no_application_protocol",
}

_OWN_TEXT = {
    lib.WSS_ERR_TLS_TIMEOUT: "timed out",
    lib.WSS_ERR_TLS_INTERRUPTED: "interrupted by a signal",
    lib.WSS_ERR_TLS_CALLBACK: "the byte transport failed",
    lib.WSS_ERR_TLS_BAD_CERT: "a certificate of the PEM bundle does not parse",
    lib.WSS_ERR_TLS_CHAIN_LENGTH: f"the client chain must hold 1 to {lib.WSS_TLS_MAX_CHAIN} certificates",
    lib.WSS_ERR_TLS_KEY_MISMATCH: "the private key does not belong to the chain's first certificate",
    lib.WSS_ERR_TLS_STATE: "the connection has no transport or is closed",
}

_CLOSED = (lib.WSS_TLS_ERR_CONN_RESET, lib.WSS_TLS_ERR_CONN_EOF, lib.WSS_TLS_ERR_CLOSE_NOTIFY)
_IO_FAILED = (lib.WSS_TLS_ERR_SEND_FAILED, lib.WSS_TLS_ERR_RECV_FAILED)


def alert_name(code: int) -> str:
    """The RFC name of TLS alert ``code``, or ``alert_<code>`` for one we do not know."""
    return ALERT_NAMES.get(code, f"alert_{code}")


def text(rc: int) -> str:
    """A short description of a core or mbedTLS return code."""
    return _OWN_TEXT.get(rc) or strerror(rc)


def verify_reasons(flags: int) -> Tuple[str, ...]:
    """The reasons mbedTLS gives for X.509 verification ``flags``, one string per flag."""
    buf = ffi.new("char[]", 1024)
    if lib.wss_x509_verify_info(flags, buf, len(buf)) != 0:
        return ()
    lines = ffi.string(buf).decode("ascii", "replace").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def config_error(rc: int) -> WssError:
    """The exception for a failed ``wss_tls_config_new``."""
    if rc == lib.WSS_ERR_TLS_KEY_MISMATCH:
        return InvalidKey("TLS configuration: " + text(rc), rc, text(rc))
    if rc == lib.WSS_ERR_P11_NO_TLS_HOOK:
        return TokenError(f"TLS configuration: {text(rc)} (mbedTLS {MBEDTLS_VERSION}; docs/pkcs11.md)", rc)
    return TLSError("TLS configuration: cannot load certificates", rc, text(rc))


def io_error(rc: int, op: str, tls, timeout_s: Optional[float], host: str) -> BaseException:
    """The exception for a failed handshake, read or write.

    Args:
        rc: the core's return code (negative).
        op: what failed, e.g. ``"handshake"``.
        tls: the ``wss_tls *`` handle, for the alert, verification flags and errno.
        timeout_s: the timeout that applied, for the message.
        host: the server name, for the message.
    """
    where = f"TLS {op} with {host}"
    if rc == lib.WSS_ERR_TLS_TIMEOUT:
        limit = "no limit" if timeout_s is None else f"{timeout_s:g} s"
        return TransportTimeout(f"{where} timed out ({limit})")
    if rc == lib.WSS_TLS_ERR_FATAL_ALERT:
        return TLSAlertError(where + " failed", alert_name(lib.wss_tls_last_alert(tls)), rc, text(rc))
    if rc == lib.WSS_TLS_ERR_CERT_VERIFY:
        flags = lib.wss_tls_verify_flags(tls)
        return CertificateVerifyError(
            f"{where}: server certificate rejected", flags, verify_reasons(flags), rc, text(rc)
        )
    errno = lib.wss_tls_sys_errno(tls)
    cause = f": {os.strerror(errno)}" if errno else ""
    if rc in _CLOSED:
        return ConnectionReset(f"{where}: the peer closed or reset the connection{cause}")
    if rc in _IO_FAILED:
        return TransportError(f"{where}: socket error{cause}")
    return TLSError(where + " failed", rc, text(rc))
