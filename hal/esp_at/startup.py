"""Bringing an ESP-AT module to the state the driver works in (start-up and re-start).

1. **Answering.** The module prints ``ready`` once it has booted, but a host that opens
   the port later has missed it; so ``AT`` is sent every :data:`PROBE_INTERVAL_S` until
   it is answered (or ``ready`` comes), within ``ready_timeout_s``. No answer is a clear
   :class:`~hal.errors.InterfaceError`.
2. ``ATE0`` (echo is on at power-up), ``AT+GMR`` (the firmware version, logged and
   kept), then, if asked, ``AT+UART_CUR=<baud>,8,1,0,<flow>`` and the host follows.
3. ``AT+CMD?``: the firmware must list every command the driver needs
   (:data:`hal.esp_at.commands.REQUIRED_COMMANDS`); otherwise start-up stops with an error
   naming the missing commands.
4. Configuration: ``AT+SYSLOG=1`` (``ERR CODE`` lines), ``AT+SYSSTORE=0`` (nothing is
   written to flash, so the module never rejoins on its own after a restart),
   ``AT+CWMODE=1`` (station), leave any network it is still on (``AT+CWSTATE?``,
   ``AT+CWQAP``), ``AT+CIPMUX=1``, passive receive (``AT+CIPRECVMODE=1``, or
   ``AT+CIPRECVTYPE=5,1`` where the firmware names it so), ``AT+CWLAPOPT=1,31``.

Source: ESP-AT "Basic AT Commands" (AT, ATE, AT+GMR, AT+CMD, AT+UART_CUR, AT+SYSLOG,
AT+SYSSTORE), "Wi-Fi AT Commands", "TCP/IP AT Commands"; ``docs/esp-at.md``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import FrozenSet, Optional

from ..errors import HALError, InterfaceError
from .commands import (
    CWLAP_PRINT_MASK,
    Firmware,
    missing_commands,
    parse_command_list,
    parse_cwstate,
    parse_gmr,
    passive_receive_command,
)
from .link import SYNC_LINE, ATLink, CommandError, LinkTimeout, wire_time_s

__all__ = ["Settings", "StartUp", "wait_until_answering", "start_up", "configure", "switch_baud"]

log = logging.getLogger("hal.esp_at")

#: Pause between two ``AT`` probes while waiting for the module, seconds.
PROBE_INTERVAL_S = 0.25
#: Answer size budget of ``AT+CMD?`` (a full firmware lists ~150 commands), octets.
COMMAND_LIST_OCTETS = 8192


@dataclass(frozen=True)
class Settings:
    """How to bring the module up: the driver's options of the same names
    (:class:`hal.args.EspAtArgs`); ``port`` is for messages, ``switch_baud`` None keeps
    ``baud``."""

    port: str
    baud: int
    switch_baud: Optional[int]
    rtscts: bool
    ready_timeout_s: float
    command_timeout_s: float


@dataclass(frozen=True)
class StartUp:
    """What start-up learnt: the firmware and the commands it lists."""

    firmware: Firmware
    commands: FrozenSet[str]


def wait_until_answering(link: ATLink, settings: Settings, timeout_s: Optional[float] = None) -> None:
    """Probe with ``AT`` until the module answers.

    Raises:
        InterfaceError: no answer within ``timeout_s`` (default ``ready_timeout_s``).
    """
    limit = settings.ready_timeout_s if timeout_s is None else timeout_s
    deadline = time.monotonic() + limit
    unanswered = False  # late answers to earlier probes must drain before the next command
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise InterfaceError(
                f"no answer from an ESP-AT module on {settings.port} at {link.baud} baud within {limit:g} s "
                "(no 'ready', no OK to AT): check the port, the baud rate, the wiring, and that the module "
                "runs ESP-AT firmware"
            )
        if link.probe(min(PROBE_INTERVAL_S, left), settle=unanswered):
            return
        unanswered = True


def switch_baud(link: ATLink, settings: Settings, baud: int) -> None:
    """``AT+UART_CUR=<baud>,8,1,0,<flow>``, then the host side follows and checks with ``AT``.

    Raises:
        InterfaceError: the module refused the rate or does not answer at it.
    """
    flow = 3 if settings.rtscts else 0
    try:
        link.command(b"AT+UART_CUR=%d,8,1,0,%d" % (baud, flow), settings.command_timeout_s)
    except CommandError as exc:
        raise InterfaceError(f"the module refused {baud} baud ({exc})") from None
    time.sleep(0.01)  # the module switches once its OK is out
    link.set_baud(baud)
    wait_until_answering(link, settings, settings.command_timeout_s)
    log.info("ESP-AT UART now at %d baud", baud)


def start_up(link: ATLink, settings: Settings, known: Optional[FrozenSet[str]] = None) -> StartUp:
    """Steps 1–4 of the module docstring.

    Args:
        known: The command list from an earlier start-up (a re-start skips AT+CMD?).
    Raises:
        InterfaceError: no answer, firmware without a needed command, a refused setting.
    """
    wait_until_answering(link, settings)
    timeout = settings.command_timeout_s
    try:
        link.command(b"ATE0", timeout)
        # AT+GMR re-aligns answers with commands: late answers to unanswered probes
        # (a module slow to boot) end before the one holding its "AT version:" line.
        firmware = parse_gmr(link.command(b"AT+GMR", timeout, expect=SYNC_LINE).lines)
    except HALError as exc:
        raise InterfaceError(f"the module on {settings.port} answers AT but not ATE0/AT+GMR ({exc})") from None
    log.info("%s on %s: %s", firmware.describe(), settings.port, " | ".join(firmware.lines))
    if settings.switch_baud and settings.switch_baud != link.baud:
        switch_baud(link, settings, settings.switch_baud)
    commands = known if known is not None else _command_list(link, settings, firmware)
    configure(link, settings, commands)
    return StartUp(firmware, commands)


def _command_list(link: ATLink, settings: Settings, firmware: Firmware) -> FrozenSet[str]:
    timeout = settings.command_timeout_s + wire_time_s(COMMAND_LIST_OCTETS, link.baud)
    try:
        commands = parse_command_list(link.command(b"AT+CMD?", timeout, expect=b"+CMD:").lines)
    except (CommandError, LinkTimeout):
        raise InterfaceError(
            f"{firmware.describe()} does not list its commands (no answer to AT+CMD?); "
            "the esp_at driver is written for ESP-AT v3.x/v4.x firmware"
        ) from None
    missing = missing_commands(commands)
    if missing:
        raise InterfaceError(
            f"{firmware.describe()} lacks {', '.join(missing)}, which the esp_at driver needs "
            "(it is written for ESP-AT v3.x/v4.x firmware)"
        )
    return commands


def configure(link: ATLink, settings: Settings, commands: FrozenSet[str]) -> None:
    """Step 4 (see the module docstring).

    Raises:
        InterfaceError: the module refused a setting the driver depends on.
    """
    timeout = settings.command_timeout_s
    for optional in (b"AT+SYSLOG=1", b"AT+SYSSTORE=0"):
        if optional.split(b"=")[0].decode() in commands:
            try:
                link.command(optional, timeout)
            except CommandError as exc:
                log.info("%s refused (%s); going on", optional.decode(), exc)
    try:
        link.command(b"AT+CWMODE=1", timeout)
        state, _ssid = parse_cwstate(link.command(b"AT+CWSTATE?", timeout).lines)
        if state in (1, 2, 3):
            link.command(b"AT+CWQAP", timeout)
        try:
            link.command(b"AT+CIPMUX=1", timeout)
        except CommandError:  # links left open by an earlier host session
            link.command(b"AT+CIPCLOSE=5", timeout)
            link.command(b"AT+CIPMUX=1", timeout)
        link.command(passive_receive_command(commands), timeout)
        link.command(b"AT+CWLAPOPT=1,%d" % CWLAP_PRINT_MASK, timeout)
    except CommandError as exc:
        raise InterfaceError(f"the module refused a setting the driver needs: {exc}") from None
