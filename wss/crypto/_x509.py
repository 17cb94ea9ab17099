"""Subject attributes of X.509 certificates, read by mbedTLS's X.509 parser in the core.

Source: RFC 5280 §4.1.2.4 (Name) and §4.1.2.6 (subject); X.690 §8.19 (OBJECT IDENTIFIER
encoding); protocol §9 (the DHA certificate's subject carries the device serial under
OID 1.3.6.1.4.1.4843.1.1).
"""

from __future__ import annotations

import re
from typing import Optional

from .._binding import check as _check
from .._binding import ffi as _ffi
from .._binding import lib as _lib
from ..errors import InvalidKey

_new = _ffi.new_allocator(should_clear_after_alloc=False)
_NOT_FOUND = _lib.WSS_ERR_NOT_FOUND
_OID_RE = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+")

# ASN.1 string tags (X.680 §8.6) a DirectoryString may use, and how to decode each.
# PrintableString and IA5String are ASCII subsets; BMPString is UCS-2, UniversalString UCS-4.
_CODECS = {
    0x0C: ("UTF8String", "utf-8"),
    0x13: ("PrintableString", "ascii"),
    0x16: ("IA5String", "ascii"),
    0x1E: ("BMPString", "utf-16-be"),
    0x1C: ("UniversalString", "utf-32-be"),
}


def _oid_der(oid: str) -> bytes:
    """The contents octets of the DER OBJECT IDENTIFIER for a dotted ``oid`` (X.690 §8.19).

    No tag and no length: ``"1.3.6.1.4.1.4843.1.1"`` gives ``2b 06 01 04 01 a5 6b 01 01``.

    Raises:
        TypeError: ``oid`` is not a str.
        ValueError: not at least two decimal arcs without leading zeros, a first arc
            above 2, or a second arc above 39 under first arc 0 or 1.
    """
    if not isinstance(oid, str):
        raise TypeError(f"oid must be a str, not {type(oid).__name__}")
    if not _OID_RE.fullmatch(oid):
        raise ValueError(f"malformed OID {oid!r}: expected dotted decimal arcs such as '2.5.4.3'")
    arcs = [int(arc) for arc in oid.split(".")]
    if arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39):
        raise ValueError(f"malformed OID {oid!r}: first arc must be 0, 1 or 2, and the second at most 39 under 0 or 1")
    out = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        group = [arc & 0x7F]  # base 128, most significant first, bit 8 set on all but the last
        arc >>= 7
        while arc:
            group.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(group))
    return bytes(out)


def certificate_subject_attribute(chain_pem, oid: str) -> Optional[str]:
    """The value of a subject attribute of the first certificate of a chain.

    Reads the first certificate only: a chain whose leaf lacks the attribute gives None
    even when a later certificate has it.

    Args:
        chain_pem: one certificate in DER, or a PEM bundle of one or more ``CERTIFICATE``
            blocks (leaf first, as in a device's DHA chain file); ``bytes``, ``bytearray``,
            ``memoryview`` or ``str``. Every certificate of a bundle must parse.
        oid: the attribute type as a dotted OID string, e.g. ``"1.3.6.1.4.1.4843.1.1"``
            (the device serial, protocol §9) or ``"2.5.4.3"`` (commonName).
    Returns:
        The value of the first subject attribute of that type as a ``str``, decoded from
        its UTF8String, PrintableString, IA5String, BMPString or UniversalString; None when
        the subject has no such attribute.
    Raises:
        wss.errors.InvalidKey: the input is not a certificate (or a bundle holds one that
            does not parse), or the value is not validly encoded for its string type, or
            uses another type (TeletexString, BIT STRING).
        ValueError: ``oid`` is not a well-formed dotted OID (a plain ValueError, never
            InvalidKey).
        TypeError: an argument has the wrong type.
    Source: RFC 5280 §4.1.2.4, §4.1.2.6; X.690 §8.19; protocol §9.
    """
    oid_der = _oid_der(oid)
    if isinstance(chain_pem, str):
        chain_pem = chain_pem.encode("utf-8")
    if not isinstance(chain_pem, (bytes, bytearray, memoryview)):
        raise TypeError(f"chain_pem must be bytes, bytearray, memoryview or str, not {type(chain_pem).__name__}")
    data = bytes(chain_pem)
    if b"-----BEGIN " in data:  # mbedTLS takes PEM NUL-terminated, the NUL counted in len
        data = data.rstrip(b"\0") + b"\0"
    cap = max(len(data), 1)  # a value is never longer than the certificate holding it
    out = _new("unsigned char[]", cap)
    outlen = _new("size_t *")
    tag = _new("int *")
    rc = _lib.wss_x509_subject_attribute(data, len(data), oid_der, len(oid_der), out, cap, outlen, tag)
    if rc == _NOT_FOUND:
        return None
    _check(rc, "cannot read certificate", InvalidKey)
    kind, codec = _CODECS.get(tag[0], (f"ASN.1 tag 0x{tag[0]:02X}", None))
    if codec is None:
        raise InvalidKey(f"subject attribute {oid} is a {kind}, not a supported string type")
    try:
        return _ffi.buffer(out, outlen[0])[:].decode(codec, "strict")
    except UnicodeDecodeError:
        raise InvalidKey(f"subject attribute {oid} is not a valid {kind}") from None
