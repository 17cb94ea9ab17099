"""Basic commands of the emulated firmware: AT+RST, AT+GMR, AT+CMD, AT+SYSLOG, AT+SYSSTORE,
AT+UART_CUR / AT+UART_DEF, AT+RESTORE (``AT``, ``ATE0``/``ATE1`` are in :mod:`.firmware`).

Source: ESP-AT "Basic AT Commands".
"""

from __future__ import annotations

from typing import Any, Dict

from .firmware import NO_FINAL, Command, Firmware
from .params import PARA_INVALID, AtError, Params

__all__ = ["BASIC_COMMANDS", "gmr_lines"]


def gmr_lines(version: str, chip: str) -> tuple:
    """What ``AT+GMR`` prints for an emulated firmware ``version`` on ``chip``."""
    return (
        b"AT version:%s(emulated - %s - wss esp-at-emulator)" % (version.encode(), chip.encode()),
        b"SDK version:emulated",
        b"compile time(emulated):wss",
        b"Bin version:%s(%s)" % (version.encode(), chip.encode()),
    )


def _rst(m: Firmware, form: str, p: Params) -> Any:
    m.final(b"OK")
    m.restart()
    return NO_FINAL


def _gmr(m: Firmware, form: str, p: Params) -> None:
    for line in m.gmr:
        m.emit(line)


def _cmd(m: Firmware, form: str, p: Params) -> None:
    for index, (name, c) in enumerate(m.listed()):
        m.emit(b'+CMD:%d,"%s",%d,%d,%d,%d' % (index, name, c.test, c.query, c.set, c.execute))


def _flag(attribute: str, label: bytes) -> Any:
    def handler(m: Firmware, form: str, p: Params) -> None:
        if form == "query":
            m.emit(b"+%s:%d" % (label, getattr(m.state, attribute)))
            return
        setattr(m.state, attribute, bool(p.integer(0, low=0, high=1)))

    return handler


def _uart(save: bool) -> Any:
    def handler(m: Firmware, form: str, p: Params) -> Any:
        label = b"UART_DEF" if save else b"UART_CUR"
        if form == "query":
            m.emit(b"+%s:%d,8,1,0,0" % (label, m.uart.baud))
            return None
        baud = p.integer(0, low=80, high=5000000)
        if (p.integer(1, 8), p.integer(2, 1), p.integer(3, 0)) != (8, 1, 0):
            raise AtError(PARA_INVALID)  # the emulator speaks 8N1 only
        p.integer(4, 0, low=0, high=3)
        if save:
            m.start_baud = baud
        m.final(b"OK")
        m.uart.after_written(lambda: setattr(m.uart, "baud", baud))
        return NO_FINAL

    return handler


def _restore(m: Firmware, form: str, p: Params) -> Any:
    return _rst(m, form, p)


BASIC_COMMANDS: Dict[bytes, Command] = {
    b"AT+RST": Command(_rst, execute=True),
    b"AT+GMR": Command(_gmr, execute=True),
    b"AT+CMD": Command(_cmd, query=True),
    b"AT+SYSLOG": Command(_flag("syslog", b"SYSLOG"), query=True, set=True),
    b"AT+SYSSTORE": Command(_flag("sysstore", b"SYSSTORE"), query=True, set=True),
    b"AT+UART_CUR": Command(_uart(False), query=True, set=True),
    b"AT+UART_DEF": Command(_uart(True), query=True, set=True),
    b"AT+RESTORE": Command(_restore, execute=True),
}
