"""Pure codec of the Amazon custom encoded setup network (SSID and passphrase text).

The encoded SSID is 32 characters: a 2-character prefix (standard base64 of 12 bits:
a 4-bit control value then ``AMI[0]``) followed by 30 base85 characters (RFC 1924
alphabet, identical to :func:`base64.b85encode`) of ``AMI[1:9] ‖ product index ‖ nonce``.
The passphrase is the standard base64 (with padding) of an HMAC-SHA256 value.

This module does no hashing, ECDH or HMAC itself: callers pass in digests and MACs
computed by whichever crypto backend they use (``wss.crypto`` on the device,
``cryptography`` in the cloud simulator), so it imports no crypto library.

Source: protocol §7.1; vectors in §12.1 and §12.3.
"""

from __future__ import annotations

import base64
import binascii
from typing import NamedTuple

__all__ = [
    "SSID_LENGTH",
    "AMI_LENGTH",
    "PRODUCT_INDEX_LENGTH",
    "NONCE_LENGTH",
    "DecodedSSID",
    "ami_of",
    "encode_ssid",
    "decode_ssid",
    "passphrase_from_mac",
]

#: Length of an encoded SSID, characters (= octets, all ASCII).
SSID_LENGTH = 32
#: Length of the auth material index, bytes: the last 9 bytes of SHA-256(device SPKI DER).
AMI_LENGTH = 9
#: Length of the product index, bytes (the ASCII bytes of the 4-character string).
PRODUCT_INDEX_LENGTH = 4
#: Length of the setup-network nonce, bytes.
NONCE_LENGTH = 12

_PREFIX_LENGTH = 2
_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


class DecodedSSID(NamedTuple):
    """The fields carried by an encoded setup SSID.

    Attributes:
        control: The 4-bit control value (0 in SDK 2.3.0).
        ami: The 9-byte auth material index.
        product_index: The 4 raw product-index bytes.
        nonce: The 12-byte nonce the device drew for this boot.
    """

    control: int
    ami: bytes
    product_index: bytes
    nonce: bytes


def _check_length(name: str, value: bytes, length: int) -> None:
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name} must be bytes, not {type(value).__name__}")
    if len(value) != length:
        raise ValueError(f"{name} must be {length} bytes, got {len(value)}")


def ami_of(spki_der_sha256: bytes) -> bytes:
    """Return the auth material index (AMI) of a device public key.

    Args:
        spki_der_sha256: SHA-256 (32 bytes) of the device's DER SubjectPublicKeyInfo.

    Returns:
        The last 9 bytes of the digest.

    Raises:
        ValueError: The digest is not 32 bytes.
        TypeError: The digest is not bytes.

    Source: protocol §7.1, SSID step 1.
    """
    _check_length("spki_der_sha256", spki_der_sha256, 32)
    return bytes(spki_der_sha256[-AMI_LENGTH:])


def encode_ssid(ami: bytes, product_index: bytes, nonce: bytes, control: int = 0) -> str:
    """Build the 32-character encoded setup SSID.

    Args:
        ami: The 9-byte auth material index (see :func:`ami_of`).
        product_index: The 4 ASCII bytes of the product index, e.g. ``b"AbCd"``.
        nonce: The 12-byte random nonce.
        control: The 4-bit control value, 0..15 (0 in SDK 2.3.0).

    Returns:
        The SSID as a 32-character ASCII string (it may contain a backtick and other
        punctuation of the base85 alphabet).

    Raises:
        ValueError: A length is wrong or ``control`` is outside 0..15.
        TypeError: An argument is not bytes.

    Source: protocol §7.1, SSID steps 2-4.
    """
    _check_length("ami", ami, AMI_LENGTH)
    _check_length("product_index", product_index, PRODUCT_INDEX_LENGTH)
    _check_length("nonce", nonce, NONCE_LENGTH)
    if not isinstance(control, int) or not 0 <= control <= 15:
        raise ValueError(f"control must be an integer 0..15, got {control!r}")
    b0 = (control << 4) | (ami[0] >> 4)
    b1 = (ami[0] << 4) & 0xF0
    prefix = base64.b64encode(bytes((b0, b1)))[:_PREFIX_LENGTH].decode("ascii")
    body = base64.b85encode(bytes(ami[1:]) + bytes(product_index) + bytes(nonce)).decode("ascii")
    return prefix + body


def decode_ssid(ssid: str) -> DecodedSSID:
    """Split an encoded setup SSID back into its fields (the provisioner's inverse).

    Args:
        ssid: The SSID text (32 ASCII characters).

    Returns:
        The decoded fields.

    Raises:
        ValueError: The SSID is not 32 characters, its prefix is not base64, or its
            tail is not valid base85 of 24 bytes. The message says which.

    Source: protocol §7.1, "Provisioner / test-double inverse".
    """
    if not isinstance(ssid, str):
        raise TypeError(f"ssid must be str, not {type(ssid).__name__}")
    if len(ssid) != SSID_LENGTH:
        raise ValueError(f"encoded SSID must be {SSID_LENGTH} characters, got {len(ssid)}")
    prefix, tail = ssid[:_PREFIX_LENGTH], ssid[_PREFIX_LENGTH:]
    if not set(prefix) <= _B64_ALPHABET:
        raise ValueError(f"encoded SSID prefix {prefix!r} is not base64")
    b0, b1 = base64.b64decode(prefix + "AA==")[:2]
    try:
        rest = base64.b85decode(tail.encode("ascii"))
    except (ValueError, UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(f"encoded SSID tail is not base85: {exc}") from None
    ami0 = ((b0 & 0x0F) << 4) | (b1 >> 4)
    ami = bytes((ami0,)) + rest[: AMI_LENGTH - 1]
    pid_end = AMI_LENGTH - 1 + PRODUCT_INDEX_LENGTH
    return DecodedSSID(control=b0 >> 4, ami=ami, product_index=rest[AMI_LENGTH - 1 : pid_end], nonce=rest[pid_end:])


def passphrase_from_mac(mac: bytes) -> str:
    """Render the setup-network passphrase from its HMAC-SHA256 value.

    Args:
        mac: ``HMAC-SHA256(key=SHA-256(ECDH x-coordinate), msg=nonce)``, 32 bytes.

    Returns:
        Standard base64 with padding, 44 characters for a 32-byte MAC.

    Raises:
        TypeError: ``mac`` is not bytes.

    Source: protocol §7.1, passphrase step 4.
    """
    if not isinstance(mac, (bytes, bytearray)):
        raise TypeError(f"mac must be bytes, not {type(mac).__name__}")
    return base64.b64encode(bytes(mac)).decode("ascii")
