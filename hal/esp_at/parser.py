"""The AT link's sans-IO framing: what an ESP-AT module sends, cut into events.

Bytes from the module go in (:meth:`ATParser.feed`, in pieces of any size); events come
out, in wire order:

* :class:`Line` — one line of text without its CR LF (blank lines are dropped);
* :class:`Prompt` — the ``>`` that ``AT+CIPSEND`` prints before it takes the payload
  (some firmware adds a space; it is skipped). A ``>`` that starts a line is always a
  prompt: no ESP-AT response line begins with one;
* :class:`Payload` — a length-framed binary block: the data of ``+CIPRECVDATA:<len>,``
  (passive receive; the legacy ``+CIPRECVDATA,<len>:`` too) or of an active-mode
  ``+IPD,[<id>,]<len>:``. The block is taken by its length, so it may hold CR, LF or
  ``\\r\\nOK\\r\\n``; a passive ``+IPD,<id>,<len>`` notice has no ``:`` and is a Line.

:func:`classify` then tells a line's role: a final result of the command in progress
(``OK``, ``ERROR``, ``FAIL``, ``SEND OK``, ``SEND FAIL``), ``busy p...``, an
``ERR CODE:`` line (``AT+SYSLOG=1``), an unsolicited report (``ready``, ``WIFI ...``,
``<id>,CONNECT``, ``<id>,CLOSED``, ``+IPD`` notices, ...) or an information line of the
command in progress. Nothing here does I/O or keeps time (``docs/design.md`` §5.R3).

Limits: a line longer than :data:`MAX_LINE` octets without a line end is cut there (a
hostile or garbled module cannot grow memory); a payload header announcing more than
:data:`MAX_PAYLOAD` octets is treated as a garbled line.

Source: Espressif ESP-AT documentation, "TCP/IP AT Commands" (AT+CIPSEND, AT+CIPRECVDATA,
AT+CIPRECVMODE/AT+CIPRECVTYPE, +IPD), "Basic AT Commands" (AT+SYSLOG), "AT Messages";
``docs/esp-at.md`` (our notes on the framing).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import List, Optional, Union

__all__ = [
    "MAX_LINE",
    "MAX_PAYLOAD",
    "Line",
    "Prompt",
    "Payload",
    "Event",
    "ATParser",
    "Kind",
    "FINALS",
    "classify",
    "parse_err_code",
]

#: Longest line kept, octets; longer runs without CR LF are cut into pieces this long.
MAX_LINE = 4096
#: Largest payload a header may announce, octets (ESP-AT moves at most a few KiB at once).
MAX_PAYLOAD = 1 << 20


@dataclass(frozen=True)
class Line:
    """One line from the module, without CR LF; never empty."""

    text: bytes


@dataclass(frozen=True)
class Prompt:
    """The ``>`` of ``AT+CIPSEND``: the module now takes exactly the announced bytes."""


@dataclass(frozen=True)
class Payload:
    """A length-framed block of socket data.

    Attributes:
        data: The raw octets (any value, CR LF included).
        link: The link id of an active-mode ``+IPD,<id>,<len>:`` block; None otherwise.
        passive: True for ``+CIPRECVDATA`` (an answer to the command in progress), False
            for an active-mode ``+IPD`` block (unsolicited).
    """

    data: bytes
    link: Optional[int] = None
    passive: bool = True


Event = Union[Line, Prompt, Payload]

_IPD = b"+IPD,"
_RECV_NEW = b"+CIPRECVDATA:"
_RECV_OLD = b"+CIPRECVDATA,"
_MARKERS = (_IPD, _RECV_NEW, _RECV_OLD)
_DIGITS = re.compile(rb"\d+")


class ATParser:
    """Incremental parser of the module's output (one per serial link).

    Args:
        dinfo: The module prints remote IP and port in ``+CIPRECVDATA`` (``AT+CIPDINFO=1``);
            our driver leaves it off (the default), so the data follows the length.
    """

    def __init__(self, *, dinfo: bool = False) -> None:
        self._dinfo = dinfo
        self._buf = bytearray()
        self._need = 0  # payload octets still to take
        self._in_payload = False
        self._payload = bytearray()
        self._link: Optional[int] = None
        self._passive = True
        self._after_prompt = False

    @property
    def in_payload(self) -> bool:
        """Whether the parser is inside a length-framed block."""
        return self._in_payload

    def feed(self, data: bytes) -> List[Event]:
        """Take the next bytes from the module; return the events they complete, in order."""
        self._buf += data
        events: List[Event] = []
        while True:
            if self._in_payload:
                if not self._take_payload(events):
                    break
                continue
            if not self._buf:
                break
            if not self._step(events):
                break
        return events

    # -- one step at the start of a line -----------------------------------------------

    def _step(self, events: List[Event]) -> bool:
        """Consume one unit at the start of a line; False when more bytes are needed."""
        buf = self._buf
        first = buf[0]
        if first == 0x3E:  # ">"
            del buf[0]
            self._after_prompt = True
            events.append(Prompt())
            return True
        if self._after_prompt and first == 0x20:  # "> " on some firmware
            del buf[0]
            return True
        if first == 0x2B:  # "+": maybe a payload header
            header = self._payload_header()
            if header is None:
                return False
            if header:
                return True
        return self._line(events)

    def _line(self, events: List[Event]) -> bool:
        buf = self._buf
        end = buf.find(b"\n")
        if end < 0:
            if len(buf) < MAX_LINE:
                return False
            text = bytes(buf[:MAX_LINE])
            del buf[:MAX_LINE]
        else:
            text = bytes(buf[:end])
            del buf[: end + 1]
        text = text.strip(b"\r")
        if text.strip():
            self._after_prompt = False
            events.append(Line(text))
        return True

    def _payload_header(self) -> Optional[bool]:
        """At a ``+``: start a payload if a complete header is here.

        Returns:
            True if a header was consumed, False if this is an ordinary line, None if the
            bytes so far could still become a header (wait for more).
        """
        buf = self._buf
        for marker in _MARKERS:
            if len(buf) < len(marker):
                if marker.startswith(bytes(buf)):
                    return None
                continue
            if not buf.startswith(marker):
                continue
            if marker is _IPD:
                return self._ipd_header(len(marker))
            return self._recvdata_header(len(marker), legacy=marker is _RECV_OLD)
        return False

    def _ipd_header(self, start: int) -> Optional[bool]:
        """``+IPD,[<id>,]<len>[,"ip",port]:`` (active mode) or a passive notice line."""
        buf = self._buf
        quoted = False
        for i in range(start, min(len(buf), start + 96)):
            c = buf[i]
            if c == 0x22:
                quoted = not quoted
            elif c in (0x0A, 0x0D) and not quoted:
                return False  # "+IPD,<id>,<len>" notice: an ordinary line
            elif c == 0x3A and not quoted:  # ":" ends an active-mode header
                return self._active_header(bytes(buf[start:i]), i + 1)
        if len(buf) >= start + 96:
            return False
        return None

    def _active_header(self, header: bytes, body: int) -> bool:
        """``<len>``, ``<id>,<len>`` or either followed by ``,"ip",port`` (CIPDINFO=1)."""
        fields = header.split(b",")
        if not _DIGITS.fullmatch(fields[0]):
            return False
        if len(fields) >= 2 and _DIGITS.fullmatch(fields[1]):
            return self._begin(body, int(fields[1]), int(fields[0]), passive=False)
        if len(fields) == 1 or fields[1][:1] == b'"':
            return self._begin(body, int(fields[0]), None, passive=False)
        return False

    def _recvdata_header(self, start: int, *, legacy: bool) -> Optional[bool]:
        """``+CIPRECVDATA:<len>,`` (with ``dinfo``: ``<len>,"ip",port,``) or the legacy
        ``+CIPRECVDATA,<len>:``."""
        buf = self._buf
        match = _DIGITS.match(bytes(buf[start : start + 12]))
        if match is None:
            return False if len(buf) > start else None
        end = start + match.end()
        if end >= len(buf):
            return None
        separator = buf[end]
        if separator != (0x3A if legacy else 0x2C):
            return False
        body = end + 1
        if self._dinfo and not legacy:
            tail = bytes(buf[body : body + 64])
            info = re.match(rb'"[^"\r\n]*",\d+,', tail)  # an address never spans lines
            if info is None:
                return None if len(tail) < 64 and b"\n" not in tail else False
            body += info.end()
        return self._begin(body, int(match.group()), None, passive=True)

    def _begin(self, body: int, length: int, link: Optional[int], *, passive: bool) -> bool:
        if length > MAX_PAYLOAD:
            return False
        del self._buf[:body]
        self._need, self._link, self._passive = length, link, passive
        self._in_payload = True
        self._payload = bytearray()
        self._after_prompt = False
        return True

    def _take_payload(self, events: List[Event]) -> bool:
        take = min(self._need, len(self._buf))
        if take == 0 and self._need:
            return False
        self._payload += self._buf[:take]
        del self._buf[:take]
        self._need -= take
        if self._need == 0:
            events.append(Payload(bytes(self._payload), self._link, self._passive))
            self._payload = bytearray()
            self._in_payload = False
        return True


# ------------------------------------------------------------------ classification --


class Kind(enum.Enum):
    """The role of one line (see :func:`classify`)."""

    FINAL = "final"  #: ends the command in progress
    BUSY = "busy"  #: the module dropped the command: it is still busy with another
    ERR_CODE = "err_code"  #: ``ERR CODE:0x...`` before an ERROR (AT+SYSLOG=1)
    URC = "urc"  #: unsolicited: may come at any time
    INFO = "info"  #: a response line of the command in progress (or its echo)


#: Final result lines and what they mean for the command in progress.
FINALS = frozenset({b"OK", b"ERROR", b"FAIL", b"SEND OK", b"SEND FAIL", b"SEND CANCELLED"})

_URC_EXACT = frozenset(
    {
        b"ready",
        b"WIFI CONNECTED",
        b"WIFI GOT IP",
        b"WIFI DISCONNECT",
        b"WIFI GOT IPv6 LL",
        b"WIFI GOT IPv6 GL",
        b"CONNECT",
        b"CLOSED",
        b"Will force to restart!!!",
        b"+QUITT",
        b"+TIME_UPDATED",
    }
)
_URC_PATTERN = re.compile(
    rb"\A(?:\d,(?:CONNECT|CLOSED)|\+IPD,\d+(?:,\d+)?|\+LINK_CONN:.*|\+STA_CONNECTED:.*|"
    rb"\+DIST_STA_IP:.*|\+STA_DISCONNECTED:.*)\Z"
)
_ERR_CODE = re.compile(rb"\AERR CODE:0x([0-9A-Fa-f]{1,8})\Z")


def classify(line: bytes) -> Kind:
    """The role of a line from the module.

    Args:
        line: A :class:`Line`'s text.
    Returns:
        FINAL for ``OK``/``ERROR``/``FAIL``/``SEND OK``/``SEND FAIL``; BUSY for
        ``busy p...`` (and ``busy s...``); ERR_CODE for ``ERR CODE:0x...``; URC for the
        reports of "AT Messages" (``ready``, ``WIFI ...``, ``<id>,CONNECT``,
        ``<id>,CLOSED``, ``+IPD,<id>,<len>`` notices, ...); INFO otherwise.
    Source: ESP-AT "AT Messages"; "Basic AT Commands" (AT+SYSLOG).
    """
    if line in FINALS:
        return Kind.FINAL
    if line.startswith(b"busy "):
        return Kind.BUSY
    if _ERR_CODE.match(line):
        return Kind.ERR_CODE
    if line in _URC_EXACT or _URC_PATTERN.match(line):
        return Kind.URC
    return Kind.INFO


def parse_err_code(line: bytes) -> Optional[int]:
    """The 32-bit code of an ``ERR CODE:0x01090000`` line, or None.

    The code is ``0x01 << 24 | subcategory << 16 | extension``; subcategory 0x09 is "not
    supported", 0x0B "a previous command is still running" (ESP-AT "Basic AT Commands").
    """
    match = _ERR_CODE.match(line)
    return int(match.group(1), 16) if match else None
