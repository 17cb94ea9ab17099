"""The DSS signature header (protocol §8.2): decoded with the SDK's base64 rules, or
PeerProtocolError; a decoded signature is 1 to 72 bytes.

The input is a header block: one ``name: value`` per line, Latin-1 (as the HTTP layer
hands header values over).
"""

from __future__ import annotations

from wss.dss.signature import MAX_SIGNATURE_SIZE, decode_signature, extract_signature
from wss.errors import PeerProtocolError


def test_one_input(data: bytes) -> None:
    text = data.decode("latin-1")
    try:
        raw = decode_signature(text)
    except PeerProtocolError:
        pass
    else:
        assert 1 <= len(raw) <= MAX_SIGNATURE_SIZE
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in text.split("\n") if ":" in line]
    try:
        extract_signature(headers)
    except PeerProtocolError:
        pass
