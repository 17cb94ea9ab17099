"""The ``x-amzn-dss-signature`` response header: extraction, decoding, verification.

Every DSS response carries exactly one ``x-amzn-dss-signature`` header whose value is
the standard base64 of a DER ECDSA-P256-SHA256 signature (at most 72 bytes) over the
exact response body, made with the device type's cloud key. The decoder follows the
SDK: padding allowed (at most two ``=``), characters outside the alphabet skipped, data
after ``=`` rejected.

Header names are matched case-insensitively (HTTP semantics; the SDK compares
case-sensitively, which only matters for a DSS that does not send lower case).

Source: protocol §8.2, §12.1 (DSS client tests).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Callable, Iterable, Tuple

from ..errors import PeerProtocolError

__all__ = ["SIGNATURE_HEADER", "MAX_SIGNATURE_SIZE", "decode_signature", "extract_signature", "verify_response"]

#: The header name (protocol §8.2).
SIGNATURE_HEADER = "x-amzn-dss-signature"
#: Largest DER ECDSA P-256 signature, bytes.
MAX_SIGNATURE_SIZE = 72

_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
#: A value the character-by-character rules below would pass through unchanged: alphabet
#: characters, then at most two ``=``.
_PLAIN = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def _kept_characters(value: str) -> str:
    """The base64 characters of ``value`` (the SDK's rules: skip unknown characters,
    at most two ``=``, nothing after ``=``), without the padding."""
    if _PLAIN.fullmatch(value):
        return value.rstrip("=")
    kept, padding = [], 0
    for char in value:
        if char == "=":
            padding += 1
            if padding > 2:
                raise PeerProtocolError("DSS signature has more than two '=' padding characters")
        elif char in _ALPHABET:
            if padding:
                raise PeerProtocolError("DSS signature has data after '=' padding")
            kept.append(char)
    return "".join(kept)


def decode_signature(value: str) -> bytes:
    """Decode a signature header value with the SDK's base64 rules.

    Raises:
        PeerProtocolError: more than two ``=``, data after ``=``, a length that is not
            base64, an empty or over-long (> 72 bytes) signature.
    """
    text = _kept_characters(value)
    if len(text) % 4 == 1:
        raise PeerProtocolError("DSS signature is not valid base64")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise PeerProtocolError("DSS signature is not valid base64") from None
    if not raw:
        raise PeerProtocolError("DSS signature is empty")
    if len(raw) > MAX_SIGNATURE_SIZE:
        raise PeerProtocolError(f"DSS signature is longer than {MAX_SIGNATURE_SIZE} bytes")
    return raw


def extract_signature(headers: Iterable[Tuple[str, str]]) -> bytes:
    """Find the one signature header and decode it.

    Args:
        headers: the response headers, (name, value) pairs.
    Returns:
        The DER signature bytes.
    Raises:
        PeerProtocolError: no signature header, more than one, or a bad value.
    """
    values = [value for name, value in headers if name.lower() == SIGNATURE_HEADER]
    if not values:
        raise PeerProtocolError("DSS response has no x-amzn-dss-signature header")
    if len(values) > 1:
        raise PeerProtocolError("DSS response has more than one x-amzn-dss-signature header")
    return decode_signature(values[0])


def verify_response(
    headers: Iterable[Tuple[str, str]],
    body: bytes,
    cloud_public_key: bytes,
    verify: Callable[[bytes, bytes, bytes], bool],
) -> None:
    """Check that ``body`` is signed by the cloud key.

    Args:
        headers: the response headers.
        body: the exact response body bytes.
        cloud_public_key: the device type's cloud key, DER SubjectPublicKeyInfo.
        verify: ``verify(spki_der, message, signature_der) -> bool``, e.g.
            :func:`wss.crypto.ecdsa_verify`.
    Raises:
        PeerProtocolError: the header is missing, duplicated or malformed, or the signature
            does not verify.
    """
    signature = extract_signature(headers)
    if not verify(cloud_public_key, body, signature):
        raise PeerProtocolError("DSS response signature does not verify")
