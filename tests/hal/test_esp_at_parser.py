"""The AT parser (``hal.esp_at.parser``) and the answer readers (``hal.esp_at.commands``).

Property tests: a module's output is made of items (lines of every role, the ``>``
prompt, ``+CIPRECVDATA`` blocks and active ``+IPD`` blocks holding any bytes, including
``\\r\\nOK\\r\\n``), in any interleaving, split into reads at any points: the parser gives
back the items, in order.
"""

from __future__ import annotations

from typing import List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal import FailureReason, Security
from hal.errors import InvalidArgument
from hal.esp_at.commands import (
    cwjap_failure,
    missing_commands,
    parse_cipdomain,
    parse_ciprecvlen,
    parse_cipsta_ip,
    parse_command_list,
    parse_cwlap,
    parse_cwstate,
    parse_gmr,
    passive_receive_command,
    quote,
)
from hal.esp_at.parser import MAX_LINE, ATParser, Kind, Line, Payload, Prompt, classify, parse_err_code

URCS = [
    b"ready",
    b"WIFI CONNECTED",
    b"WIFI GOT IP",
    b"WIFI DISCONNECT",
    b"0,CONNECT",
    b"3,CLOSED",
    b"+IPD,1,512",
    b'+LINK_CONN:0,0,"TCP",0,"1.2.3.4",80,5000',
]
FINAL = [b"OK", b"ERROR", b"FAIL", b"SEND OK", b"SEND FAIL"]
INFO = [b'+CWLAP:(3,"Home, \\"net\\"",-40,"02:00:00:00:00:01",1)', b"+CWJAP:2", b"Recv 12 bytes", b"AT+GMR"]

# A text line: printable, not starting with ">" (that is the prompt), "+IPD," or "+CIPRECVDATA".
text_lines = st.one_of(
    st.sampled_from(URCS + FINAL + INFO + [b"busy p...", b"ERR CODE:0x01090000"]),
    st.binary(min_size=1, max_size=60)
    .map(lambda b: bytes(c for c in b if 0x20 < c < 0x7F and c != 0x3E).strip() or b"x")
    .filter(lambda b: not b.startswith((b"+IPD,", b"+CIPRECVDATA"))),
)
payloads = st.one_of(st.binary(max_size=300), st.just(b"\r\nOK\r\n"), st.just(b"+IPD,0,5:\r\n>ready\r\n"))


@st.composite
def items(draw) -> Tuple[str, object]:
    kind = draw(st.sampled_from(["line", "line", "prompt", "recvdata", "ipd"]))
    if kind == "line":
        return kind, draw(text_lines)
    if kind == "prompt":
        return kind, None
    if kind == "recvdata":
        return kind, draw(payloads)
    return kind, (draw(st.integers(0, 4)), draw(payloads))


def encode(item: Tuple[str, object]) -> bytes:
    kind, value = item
    if kind == "line":
        return b"\r\n" + value + b"\r\n"  # type: ignore[operator]
    if kind == "prompt":
        return b">"
    if kind == "recvdata":
        return b"+CIPRECVDATA:%d," % len(value) + value  # type: ignore[arg-type]
    link, data = value  # type: ignore[misc]
    return b"\r\n+IPD,%d,%d:" % (link, len(data)) + data


def expected(item: Tuple[str, object]):
    kind, value = item
    if kind == "line":
        return Line(value)  # type: ignore[arg-type]
    if kind == "prompt":
        return Prompt()
    if kind == "recvdata":
        return Payload(value, None, True)  # type: ignore[arg-type]
    link, data = value  # type: ignore[misc]
    return Payload(data, link, False)


def feed_in_pieces(stream: bytes, cuts: List[int]) -> list:
    parser = ATParser()
    events, start = [], 0
    for cut in sorted(set(c % (len(stream) + 1) for c in cuts)) + [len(stream)]:
        events += parser.feed(stream[start:cut])
        start = max(start, cut)
    return events


@settings(max_examples=300, deadline=None)
@given(st.lists(items(), max_size=25), st.lists(st.integers(0, 10_000), max_size=40))
def test_any_interleaving_split_anywhere_parses_back_to_its_items(sequence, cuts):
    stream = b"".join(encode(item) for item in sequence)
    assert feed_in_pieces(stream, cuts) == [expected(item) for item in sequence]


@settings(max_examples=200, deadline=None)
@given(payloads, st.lists(st.sampled_from(URCS), max_size=5))
def test_a_binary_block_holding_a_final_result_ends_no_command(data, urcs):
    stream = b"".join(b"\r\n" + u + b"\r\n" for u in urcs) + b"+CIPRECVDATA:%d," % len(data) + data + b"\r\nOK\r\n"
    events = feed_in_pieces(stream, list(range(len(stream))))  # one byte at a time
    assert events == [Line(u) for u in urcs] + [Payload(data), Line(b"OK")]
    assert [classify(e.text) for e in events if isinstance(e, Line)] == [Kind.URC] * len(urcs) + [Kind.FINAL]


def test_legacy_block_form_and_prompt_with_a_space():
    events = ATParser().feed(b"+CIPRECVDATA,3:a\nb\r\nOK\r\n\r\nOK\r\n\r\n> ")
    assert events == [Payload(b"a\nb"), Line(b"OK"), Line(b"OK"), Prompt()]


def test_passive_notice_is_a_line_and_active_block_with_remote_address_is_data():
    events = ATParser().feed(b'+IPD,0,10\r\n+IPD,2,3,"fe80::1",80:abc')
    assert events == [Line(b"+IPD,0,10"), Payload(b"abc", 2, False)]


def test_an_endless_line_is_cut_and_a_huge_header_is_a_line():
    parser = ATParser()
    events = parser.feed(b"z" * (MAX_LINE + 10))
    assert events == [Line(b"z" * MAX_LINE)]
    events = parser.feed(b"\r\n+CIPRECVDATA:99999999,\r\n")
    assert events == [Line(b"z" * 10), Line(b"+CIPRECVDATA:99999999,")]


@pytest.mark.parametrize(
    "line, kind",
    [
        (b"OK", Kind.FINAL),
        (b"SEND FAIL", Kind.FINAL),
        (b"busy p...", Kind.BUSY),
        (b"ERR CODE:0x01090000", Kind.ERR_CODE),
        (b"ready", Kind.URC),
        (b"4,CLOSED", Kind.URC),
        (b"+IPD,0,10", Kind.URC),
        (b"+CWJAP:3", Kind.INFO),
        (b"OKAY", Kind.INFO),
    ],
)
def test_line_roles(line, kind):
    assert classify(line) is kind


def test_err_code_value():
    assert parse_err_code(b"ERR CODE:0x010b0000") == 0x010B0000
    assert parse_err_code(b"ERROR") is None


# ------------------------------------------------------------------- answers --


def test_quote_escapes_and_refuses_line_ends():
    assert quote(b'a,b"c\\d') == b'"a\\,b\\"c\\\\d"'
    with pytest.raises(InvalidArgument):
        quote(b"two\r\nlines")


def test_gmr_version_and_chip():
    firmware = parse_gmr(
        [
            b"AT version:3.4.0.0(b5c1b4e - ESP32C5 - Aug 21 2024 06:32:22)",
            b"SDK version:v5.1",
            b"Bin version:3.4.0(WROOM)",
        ]
    )
    assert (firmware.version, firmware.chip, firmware.wpa3, firmware.band_5ghz) == ((3, 4, 0, 0), "ESP32C5", True, True)
    assert parse_gmr([b"AT version:1.7.4.0(May 11 2020 19:13:04)"]).wpa3 is False


def test_command_list_check_and_the_passive_receive_command():
    lines = [b'+CMD:%d,"%s",1,1,1,1' % (i, n.encode()) for i, n in enumerate(["AT+CWJAP", "AT+CIPRECVTYPE"])]
    available = parse_command_list(lines + [b"+CMD:99,AT+CIPSEND,0,0,1,1"])
    assert available == {"AT+CWJAP", "AT+CIPRECVTYPE", "AT+CIPSEND"}
    assert passive_receive_command(available) == b"AT+CIPRECVTYPE=5,1"
    assert passive_receive_command(frozenset({"AT+CIPRECVMODE"})) == b"AT+CIPRECVMODE=1"
    missing = missing_commands(available)
    assert "AT+CWSTATE" in missing and "AT+CWJAP" not in missing
    assert "AT+CIPRECVTYPE or AT+CIPRECVMODE" in missing_commands(frozenset())


def test_cwlap_lines_with_quotes_hidden_aps_and_a_directed_probe():
    lines = [
        b'+CWLAP:(3,"Home, \\"net\\"",-40,"02:00:00:00:00:01",1)',
        b'+CWLAP:(6,"",-60,"02:00:00:00:00:02",36)',
        b'+CWLAP:7,"Doc form",-70,"02:00:00:00:00:03",11,0,0,4,4,7,0',
        b"+CWLAP:(garbage)",
    ]
    home, hidden, doc = parse_cwlap(lines)
    assert (home.ssid, home.freq_mhz, home.security) == (b'Home, \\"net\\"', 2412, Security.WPA2_PSK)
    assert (hidden.ssid, hidden.hidden, hidden.freq_mhz, hidden.security) == (b"", True, 5180, Security.WPA3_SAE)
    assert doc.security is Security.WPA2_WPA3
    assert [r.ssid for r in parse_cwlap(lines, ssid=b"Doc form")] == [b"Doc form"]


@pytest.mark.parametrize(
    "lines, reason",
    [
        ([b"+CWJAP:1"], FailureReason.TIMEOUT),
        ([b"WIFI CONNECTED", b"+CWJAP:1"], FailureReason.LIMITED_CONNECTIVITY),
        ([b"+CWJAP:2"], FailureReason.WRONG_KEY),
        ([b"+CWJAP:3"], FailureReason.AP_NOT_FOUND),
        ([b"+CWJAP:4"], FailureReason.UNKNOWN),
        ([b"+CWJAP:77"], FailureReason.UNKNOWN),
        ([], FailureReason.UNKNOWN),
    ],
)
def test_cwjap_codes(lines, reason):
    assert cwjap_failure(lines)[0] is reason


def test_state_address_domain_and_buffered_lengths():
    assert parse_cwstate([b'+CWSTATE:2,"Home"']) == (2, b"Home")
    assert parse_cipsta_ip([b'+CIPSTA:ip:"192.168.1.7"', b'+CIPSTA:gateway:"192.168.1.1"']) == "192.168.1.7"
    assert parse_cipsta_ip([b'+CIPSTA:ip:"0.0.0.0"']) is None
    assert parse_cipdomain([b'+CIPDOMAIN:"10.0.0.2"']) == parse_cipdomain([b"+CIPDOMAIN:10.0.0.2"]) == "10.0.0.2"
    assert parse_ciprecvlen([b"+CIPRECVLEN:100,,7,0,0"]) == {0: 100, 1: 0, 2: 7, 3: 0, 4: 0}


@pytest.mark.parametrize("size", [1, 5, 13, 64])
def test_a_dinfo_address_never_spans_lines_however_the_bytes_are_read(size):
    """Found by fuzzing: with AT+CIPDINFO=1 a header whose quoted address held CR LF was a
    payload when read at once, two lines when read in pieces. A module never prints that: it
    is an ordinary line, whatever the reads."""
    data = b'+CIPRECVDATA:3,"192.16IP0.x\r\n\r8.4.2",1000,abcd\r\nOK\r\n'
    parser = ATParser(dinfo=True)
    events = [event for start in range(0, len(data), size) for event in parser.feed(data[start : start + size])]
    assert events == ATParser(dinfo=True).feed(data)
    assert not [event for event in events if isinstance(event, Payload)]
    assert events[-1] == Line(b"OK")
