"""The DSS JSON codec (protocol §8.5 parser rules): parse_body, read_fields, the string
helpers. Anything raises PeerProtocolError or parses; what parses round-trips through the
encoder."""

from __future__ import annotations

import json

from wss.dss import json_codec as J
from wss.errors import PeerProtocolError

FIELDS = [
    J.Field("nonce", J.Kind.STRING),
    J.Field("canProceed", J.Kind.BOOLEAN),
    J.Field("sequenceNumber", J.Kind.UINT32),
    J.Field("expiresAt", J.Kind.INT64),
    J.Field("list", J.Kind.ARRAY),
    J.Field("object", J.Kind.OBJECT),
]


def test_one_input(data: bytes) -> None:
    try:
        value = J.parse_body(data, "fuzz")
    except PeerProtocolError:
        return
    assert type(value) is J.JsonObject
    try:
        J.read_fields(value, FIELDS, "fuzz")
    except PeerProtocolError:
        pass
    for _, item in value.pairs:
        if type(item) is str:
            try:
                raw = J.string_bytes(item)
            except PeerProtocolError:
                continue
            encoded = J.string(raw)
            assert json.loads(encoded.decode("utf-8", "surrogateescape")) == item
            try:
                J.unquote(raw, "fuzz")
            except PeerProtocolError:
                pass
