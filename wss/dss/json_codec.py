"""The DSS JSON dialect: an exact compact encoder and a strict response reader.

Encoder (requests): compact, members in the order given, strings escaped exactly as the
SDK's encoder does — ``"`` → ``\\"``, ``\\`` → ``\\\\``, ``\\b \\f \\n \\r \\t``, other
bytes below 0x20 → ``\\u00xx`` (lower-case hex), every other byte copied raw (no UTF-8
validation). Values are pre-encoded ``bytes`` so that callers control the order.

Reader (responses): the body must be one JSON object; numbers must be integers (no
fraction, exponent, NaN); the per-operation schema (:class:`Field`) then enforces
protocol §8.5: a known key twice is an error (OVERRUN in the SDK), a wrong JSON type is an
error, a missing required string/number is an error, a missing boolean is False, integer
ranges are checked. Unknown keys are ignored. Strings may carry any bytes: the body is
decoded with ``surrogateescape`` so :func:`string_bytes` recovers them exactly.

Every failure raises :class:`wss.errors.PeerProtocolError` (code 99:1:0:99) naming the
field, never its value.

Source: protocol §8.4 (escaping, order), §8.5 (parser rules).
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from ..errors import PeerProtocolError

__all__ = [
    "escape",
    "string",
    "quoted_string",
    "integer",
    "boolean",
    "array",
    "obj",
    "member_prefix",
    "JsonObject",
    "Kind",
    "Field",
    "parse_body",
    "read_fields",
    "string_bytes",
    "unquote",
]

# -- encoder --------------------------------------------------------------------------

_NEEDS_ESCAPE = re.compile(rb'[\x00-\x1f"\\]')
_SHORT_ESCAPES = {0x22: b'\\"', 0x5C: b"\\\\", 0x08: b"\\b", 0x0C: b"\\f", 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t"}
_ESCAPES = {bytes((b,)): _SHORT_ESCAPES.get(b, b"\\u%04x" % b) for b in list(range(0x20)) + [0x22, 0x5C]}


def _as_bytes(value) -> bytes:
    if type(value) is str:
        return value.encode("utf-8", "surrogateescape")
    if type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise TypeError(f"JSON string value must be str or bytes, not {type(value).__name__}")


def _escape_match(match: re.Match[bytes]) -> bytes:
    return _ESCAPES[match.group()]


def escape(value) -> bytes:
    """Escape a string's bytes for inside JSON quotes (protocol §8.4 rules)."""
    raw = _as_bytes(value)
    if _NEEDS_ESCAPE.search(raw) is None:  # the usual case: nothing to escape
        return raw
    return _NEEDS_ESCAPE.sub(_escape_match, raw)


def string(value) -> bytes:
    """A JSON string: ``"`` + escaped bytes + ``"``."""
    if type(value) is str:  # the usual case, inline: text with nothing to escape
        raw = value.encode("utf-8", "surrogateescape")
        if _NEEDS_ESCAPE.search(raw) is None:
            return b'"%s"' % raw
    return b'"%s"' % escape(value)


def quoted_string(value) -> bytes:
    """The SSID quoting rule: a JSON string whose value is ``"<value>"``.

    ``MyNet`` becomes ``"\\"MyNet\\""`` on the wire (protocol §8.4, "SSID quoting rule").
    """
    return b'"\\"' + escape(value) + b'\\""'


def integer(value: int) -> bytes:
    """A JSON integer in decimal."""
    if type(value) is not int:
        raise TypeError(f"JSON integer must be int, not {type(value).__name__}")
    return b"%d" % value


def boolean(value: bool) -> bytes:
    """``true`` or ``false``."""
    return b"true" if value else b"false"


def array(items: Iterable[bytes]) -> bytes:
    """A JSON array of pre-encoded items."""
    return b"[" + b",".join(items) + b"]"


#: ``"key":`` of every object key encoded so far (keys are the protocol's field names).
_KEY_PREFIXES: Dict[str, bytes] = {}


def member_prefix(key: str) -> bytes:
    """``"key":``, the start of an object member (cached: keys come from a small fixed set)."""
    prefix = _KEY_PREFIXES.get(key) if type(key) is str else None
    if prefix is None:
        prefix = string(key) + b":"
        if type(key) is str and len(_KEY_PREFIXES) < 256:
            _KEY_PREFIXES[key] = prefix
    return prefix


def obj(members: Iterable[Tuple[str, bytes]]) -> bytes:
    """A JSON object of (key, pre-encoded value) members, in the order given."""
    prefixes = _KEY_PREFIXES
    parts = []
    for key, value in members:
        prefix = prefixes.get(key) if type(key) is str else None
        parts.append((prefix or member_prefix(key)) + value)
    return b"{%s}" % b",".join(parts)


# -- reader ---------------------------------------------------------------------------


class JsonObject:
    """A parsed JSON object that keeps every (key, value) pair, duplicates included."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: List[Tuple[str, Any]]) -> None:
        self.pairs = pairs

    def __repr__(self) -> str:
        return f"JsonObject(keys={[key for key, _ in self.pairs]!r})"


class Kind(enum.Enum):
    """JSON types (and integer ranges) a :class:`Field` may require."""

    STRING = "string"
    BOOLEAN = "boolean"
    INT32 = "int32"
    UINT32 = "uint32"
    INT64 = "int64"
    OBJECT = "object"
    ARRAY = "array"
    ANY = "any"


_RANGES = {Kind.INT32: (-(2**31), 2**31 - 1), Kind.UINT32: (0, 2**32 - 1), Kind.INT64: (-(2**63), 2**63 - 1)}


@dataclass(frozen=True)
class Field:
    """One known key of a response object.

    Attributes:
        name: the JSON key.
        kind: the required JSON type.
        required: a missing value is an error (a missing BOOLEAN is always False).
    """

    name: str
    kind: Kind
    required: bool = False


def _reject_float(text: str) -> Any:
    raise PeerProtocolError(f"DSS response has a non-integer number {text[:20]!r}")


def _reject_constant(text: str) -> Any:
    raise PeerProtocolError(f"DSS response has the non-JSON number {text!r}")


_WHITESPACE = " \t\n\r"
#: One decoder for every body (what ``json.loads`` with these hooks would build per call).
_DECODER = json.JSONDecoder(object_pairs_hook=JsonObject, parse_float=_reject_float, parse_constant=_reject_constant)


def parse_body(body: bytes, what: str) -> JsonObject:
    """Parse a response body that must be exactly one JSON object.

    Args:
        body: the response body bytes.
        what: the operation name, for error messages.
    Returns:
        The top-level object.
    Raises:
        PeerProtocolError: not one JSON object, malformed JSON, or a non-integer number.
    Source: protocol §8.5, general parser rules.
    """
    text = body.decode("utf-8", "surrogateescape").strip(_WHITESPACE)
    if not (text.startswith("{") and text.endswith("}")):
        raise PeerProtocolError(f"{what} response is not a JSON object")
    try:
        value = _DECODER.decode(text)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise PeerProtocolError(
            f"{what} response is not valid JSON: {type(exc).__name__} at position {getattr(exc, 'pos', '?')}"
        ) from None
    except RecursionError:
        raise PeerProtocolError(f"{what} response nests too deeply") from None
    return value


def _type_ok(value: Any, kind: Kind) -> bool:
    if kind is Kind.ANY:
        return True
    if kind is Kind.STRING:
        return type(value) is str
    if kind is Kind.BOOLEAN:
        return type(value) is bool
    if kind is Kind.OBJECT:
        return type(value) is JsonObject
    if kind is Kind.ARRAY:
        return type(value) is list
    low, high = _RANGES[kind]
    return type(value) is int and low <= value <= high


def read_fields(value: Any, fields: Sequence[Field], what: str) -> Dict[str, Any]:
    """Read the known keys of a JSON object with the rules of protocol §8.5.

    Args:
        value: a :class:`JsonObject` (anything else is an error).
        fields: the known keys.
        what: context for error messages, e.g. ``"report response"``.
    Returns:
        ``{name: value}`` for every field: missing BOOLEAN → False, other missing
        optional fields → None.
    Raises:
        PeerProtocolError: not an object, a known key twice, a wrong type or an
            out-of-range integer, or a missing required field.
    """
    if type(value) is not JsonObject:
        raise PeerProtocolError(f"{what} is not a JSON object")
    known = {item.name: item for item in fields}
    found: Dict[str, Any] = {}
    for key, item in value.pairs:
        spec = known.get(key)
        if spec is None:
            continue
        if key in found:
            raise PeerProtocolError(f"{what}: key {key!r} appears twice")
        if not _type_ok(item, spec.kind):
            raise PeerProtocolError(f"{what}: {key!r} must be a JSON {spec.kind.value}")
        found[key] = item
    for spec in fields:
        if spec.name in found:
            continue
        if spec.kind is Kind.BOOLEAN:
            found[spec.name] = False
        elif spec.required:
            raise PeerProtocolError(f"{what}: required key {spec.name!r} is missing")
        else:
            found[spec.name] = None
    return found


def string_bytes(value: str) -> bytes:
    """The raw bytes of a decoded JSON string (UTF-8, undoing ``surrogateescape``).

    Raises:
        PeerProtocolError: the string holds a lone surrogate from a ``\\uXXXX`` escape.
    """
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise PeerProtocolError("DSS string holds an unpaired surrogate escape") from None


def unquote(value: bytes, what: str) -> bytes:
    """Strip the SSID-rule quotes: ``"x"`` → ``x`` (protocol §8.5, credential entry).

    Raises:
        PeerProtocolError: the value does not start and end with ``"``.
    """
    if len(value) < 2 or value[:1] != b'"' or value[-1:] != b'"':
        raise PeerProtocolError(f"{what} is not wrapped in double quotes")
    return value[1:-1]
