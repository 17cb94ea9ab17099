"""The ESP-AT line parser (hal/esp_at/parser.py): any bytes from the module, cut anywhere.

The first input byte picks the read size (1..16 bytes) and the AT+CIPDINFO mode; the rest
is what the module printed. Parsing never raises, the events do not depend on how the
bytes were cut into reads, lines are never empty, and every line classifies.
"""

from __future__ import annotations

from hal.esp_at.parser import ATParser, Kind, Line, classify, parse_err_code


def test_one_input(data: bytes) -> None:
    if not data:
        return
    size, dinfo, body = data[0] % 16 + 1, bool(data[0] & 0x80), data[1:]
    whole = ATParser(dinfo=dinfo).feed(body)
    parser = ATParser(dinfo=dinfo)
    pieces = []
    for start in range(0, len(body), size):
        pieces.extend(parser.feed(body[start : start + size]))
    assert pieces == whole, "the events depend on how the bytes were read"
    for event in whole:
        if isinstance(event, Line):
            assert event.text
            kind = classify(event.text)
            code = parse_err_code(event.text)
            assert (code is not None) == (kind is Kind.ERR_CODE)
