"""The DSS JSON encoder's escaping and the strict reader's rules (protocol §8.4, §8.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wss.dss import json_codec as J
from wss.dss.json_codec import Field, Kind
from wss.errors import PeerProtocolError


@pytest.mark.parametrize(
    "raw, escaped",
    [
        (b'a"b', b'a\\"b'),
        (b"a\\b", b"a\\\\b"),
        (b"\x08\x0c\n\r\t", b"\\b\\f\\n\\r\\t"),
        (b"\x00\x01\x1f", b"\\u0000\\u0001\\u001f"),
        (b"\x1a", b"\\u001a"),
        (b"caf\xc3\xa9 \xff\x7f/", b"caf\xc3\xa9 \xff\x7f/"),  # raw copy, no UTF-8 check, no '/' escape
    ],
)
def test_escape_rules(raw, escaped):
    assert J.escape(raw) == escaped


def test_quoted_string_wraps_the_value_in_literal_quotes():
    assert J.quoted_string(b'My"Net') == b'"\\"My\\"Net\\""'
    assert J.quoted_string(b"MyNet") == b'"\\"MyNet\\""'


def test_object_keeps_member_order_and_is_compact():
    body = J.obj([("z", J.integer(-5)), ("a", J.boolean(True)), ("m", J.array([J.string("x")]))])
    assert body == b'{"z":-5,"a":true,"m":["x"]}'


def test_integer_refuses_bool():
    with pytest.raises(TypeError):
        J.integer(True)


@given(st.binary(max_size=40))
def test_escaped_strings_read_back_exactly(raw):
    """Property: encode → strict read → the same bytes (for any bytes, via surrogateescape)."""
    body = J.obj([("s", J.string(raw))])
    fields = J.read_fields(J.parse_body(body, "t"), [Field("s", Kind.STRING, True)], "t")
    assert J.string_bytes(fields["s"]) == raw


def _read(body: bytes, *fields):
    return J.read_fields(J.parse_body(body, "t"), fields, "t")


def test_whitespace_around_the_object_is_trimmed():
    assert _read(b' \r\n\t{"a":1}\n ', Field("a", Kind.INT32, True)) == {"a": 1}


@pytest.mark.parametrize("body", [b"", b"[1]", b'"x"', b"1", b"{", b'{"a":1} x', b"null"])
def test_body_must_be_one_object(body):
    with pytest.raises(PeerProtocolError):
        J.parse_body(body, "t")


def test_deep_nesting_is_a_protocol_error_not_a_crash():
    body = b'{"a":' + b"[" * 200000 + b"]" * 200000 + b"}"
    with pytest.raises(PeerProtocolError, match="deeply"):
        J.parse_body(body, "t")


@pytest.mark.parametrize("number", [b"1.0", b"1e3", b"1E3", b"-0.5", b"01", b"NaN", b"Infinity", b"+1", b"0x10"])
def test_numbers_must_be_plain_integers(number):
    with pytest.raises(PeerProtocolError):
        _read(b'{"a":' + number + b"}", Field("a", Kind.INT32))


def test_duplicate_known_key_is_an_error_but_unknown_duplicates_are_ignored():
    with pytest.raises(PeerProtocolError, match="twice"):
        _read(b'{"a":1,"a":2}', Field("a", Kind.INT32))
    assert _read(b'{"u":1,"u":[],"a":3}', Field("a", Kind.INT32)) == {"a": 3}


@pytest.mark.parametrize(
    "kind, value",
    [
        (Kind.STRING, b"1"),
        (Kind.STRING, b"null"),
        (Kind.BOOLEAN, b"1"),
        (Kind.BOOLEAN, b'"true"'),
        (Kind.INT32, b"true"),
        (Kind.INT32, b'"1"'),
        (Kind.OBJECT, b"[]"),
        (Kind.ARRAY, b"{}"),
    ],
)
def test_wrong_json_type_is_an_error(kind, value):
    with pytest.raises(PeerProtocolError, match="must be"):
        _read(b'{"a":' + value + b"}", Field("a", kind))


@pytest.mark.parametrize(
    "kind, good, bad",
    [
        (Kind.INT32, [-(2**31), 2**31 - 1], [-(2**31) - 1, 2**31]),
        (Kind.UINT32, [0, 2**32 - 1], [-1, 2**32]),
        (Kind.INT64, [-(2**63), 2**63 - 1], [2**63]),
    ],
)
def test_integer_ranges(kind, good, bad):
    for value in good:
        assert _read(b'{"a":%d}' % value, Field("a", kind)) == {"a": value}
    for value in bad:
        with pytest.raises(PeerProtocolError):
            _read(b'{"a":%d}' % value, Field("a", kind))


def test_missing_fields():
    fields = (Field("b", Kind.BOOLEAN), Field("o", Kind.STRING))
    assert _read(b"{}", *fields) == {"b": False, "o": None}
    with pytest.raises(PeerProtocolError, match="required"):
        _read(b"{}", Field("r", Kind.STRING, True))


def test_escaped_strings_are_decoded():
    value = _read(b'{"s":"a\\"b\\\\c\\u00e9\\n"}', Field("s", Kind.STRING))["s"]
    assert value == 'a"b\\c\u00e9\n'


def test_unquote():
    assert J.unquote(b'"net"', "x") == b"net"
    for bad in (b"net", b'"net', b'"', b""):
        with pytest.raises(PeerProtocolError):
            J.unquote(bad, "x")


def test_errors_never_quote_values():
    with pytest.raises(PeerProtocolError) as info:
        _read(b'{"key":"hunter2-secret","key":"x"}', Field("key", Kind.STRING))
    assert "hunter2" not in str(info.value)
