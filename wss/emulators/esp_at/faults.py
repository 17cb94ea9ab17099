"""Faults of the emulated module: what goes wrong on the AT link, on purpose.

A faults file (``--faults FILE``, YAML) is a list, or a mapping with a ``faults:`` list.
Each entry has a ``type``:

=====================  ====================================================================
type                   effect
=====================  ====================================================================
``drop_line``          an output line is never sent (``line:`` regex, ``command:`` prefix)
``garble_line``        an output line is sent with its bytes corrupted (same selectors)
``busy``               a command (``command:`` prefix) is answered ``busy p...`` and dropped
``reset``              the module restarts when a command (``command:`` prefix) arrives
``never_ready``        the module never boots: no ``ready``, no answer to anything
``missing_command``    the firmware lacks ``command:`` (not in ``AT+CMD?``; ERROR if sent)
``join_error``         ``AT+CWJAP`` for ``ssid:`` (any if absent) fails with ``code:`` 1–4
radio faults           ``wrong_psk``, ``ap_vanishes``, ``captive_portal``,
                       ``limited_connectivity``, ``slow_association``: as in the mock radio
                       (``hal/mock/README.md``), added to the environment's ``faults:``
=====================  ====================================================================

Selectors: ``command: AT+CWLAP`` selects that command in any form (not ``AT+CWLAPOPT``);
one with ``=`` or ``?`` (``AT+CIPSTA?``) selects the commands starting with it. ``nth``
(default 1) is the first matching occurrence that fires, ``count`` (default 1) how many
in a row then fire (``count: 0`` = every one from ``nth`` on). A line selector with no
``command:`` matches any line, solicited or not.

Source: issue 11 ("Faults: drop or garble a line, answer busy, reset mid-session, slow
association, wrong-password and AP-not-found joins").
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Pattern, Sequence, Tuple

from hal.mock import FaultKind

from ...errors import ConfigError

__all__ = ["LinkFault", "FaultPlan", "parse_faults", "LINK_FAULTS"]

#: Fault types handled by the AT link (the others belong to the radio).
LINK_FAULTS = ("drop_line", "garble_line", "busy", "reset", "never_ready", "missing_command", "join_error")
_RADIO_FAULTS = tuple(kind.value for kind in FaultKind)
_KEYS = {
    "drop_line": {"line", "command", "nth", "count"},
    "garble_line": {"line", "command", "nth", "count"},
    "busy": {"command", "nth", "count"},
    "reset": {"command", "nth", "count"},
    "never_ready": set(),
    "missing_command": {"command"},
    "join_error": {"ssid", "code", "nth", "count"},
}


@dataclass
class LinkFault:
    """One AT-link fault and how often it has matched."""

    kind: str
    command: Optional[bytes] = None
    line: Optional[Pattern[bytes]] = None
    ssid: Optional[bytes] = None
    code: int = 4
    nth: int = 1
    count: int = 1
    seen: int = field(default=0, compare=False)

    def hit(self) -> bool:
        """Count one matching occurrence; True if this one fires."""
        self.seen += 1
        if self.seen < self.nth:
            return False
        return self.count == 0 or self.seen < self.nth + self.count


class FaultPlan:
    """The AT-link faults of one emulator run (thread-safe counters).

    Args:
        faults: The parsed link faults.
    """

    def __init__(self, faults: Sequence[LinkFault] = ()) -> None:
        self.faults = list(faults)
        self._lock = threading.Lock()

    def _first(self, kinds: Tuple[str, ...], test: Any) -> Optional[LinkFault]:
        with self._lock:
            for fault in self.faults:
                if fault.kind in kinds and test(fault) and fault.hit():
                    return fault
        return None

    @property
    def never_ready(self) -> bool:
        return any(f.kind == "never_ready" for f in self.faults)

    def missing(self) -> Tuple[bytes, ...]:
        """Command names the firmware lacks (upper case, e.g. ``b"AT+CWSTATE"``)."""
        return tuple(f.command.upper() for f in self.faults if f.kind == "missing_command" and f.command)

    def on_command(self, kind: str, command: bytes) -> bool:
        """Whether a ``busy`` or ``reset`` fault fires for this incoming command."""
        return self._first((kind,), lambda f: f.command is None or _selects(f.command, command)) is not None

    def on_line(self, line: bytes, command: Optional[bytes]) -> Optional[str]:
        """``drop_line`` / ``garble_line`` for an output line (``command``: the one in progress)."""

        def matches(fault: LinkFault) -> bool:
            if fault.command is not None and (command is None or not _selects(fault.command, command)):
                return False
            return fault.line is None or fault.line.search(line) is not None

        fault = self._first(("drop_line", "garble_line"), matches)
        return fault.kind if fault is not None else None

    def join_error(self, ssid: bytes) -> Optional[int]:
        """The ``+CWJAP`` code a ``join_error`` fault imposes on a join of ``ssid``."""
        fault = self._first(("join_error",), lambda f: f.ssid is None or f.ssid == ssid)
        return fault.code if fault is not None else None


def _selects(selector: bytes, command: bytes) -> bool:
    """``AT+CWLAP`` selects that command in every form (not ``AT+CWLAPOPT``); a selector
    with ``=`` or ``?`` selects the commands that start with it."""
    if b"=" in selector or b"?" in selector:
        return command.startswith(selector)
    return command.split(b"=", 1)[0].split(b"?", 1)[0] == selector


def parse_faults(raw: Any, source: str = "<faults>") -> Tuple[List[LinkFault], List[Dict[str, Any]]]:
    """Split a faults document into AT-link faults and radio faults.

    Args:
        raw: The parsed YAML: a list, or a mapping with ``faults:``; None for none.
        source: Its name, for messages.
    Returns:
        (link faults, radio fault entries for the mock environment's ``faults:``).
    Raises:
        ConfigError: an unknown type or key, or a bad value (the message names the entry).
    """
    if raw is None:
        return [], []
    if isinstance(raw, Mapping):
        unknown = sorted(set(raw) - {"faults"})
        if unknown:
            raise ConfigError(f"{source}: unknown keys {unknown}; expected faults:")
        raw = raw.get("faults") or []
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: faults must be a list")
    link: List[LinkFault] = []
    radio: List[Dict[str, Any]] = []
    for i, entry in enumerate(raw):
        where = f"{source}: faults[{i}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str):
            raise ConfigError(f"{where}: must be a mapping with a type")
        kind = entry["type"]
        if kind in _RADIO_FAULTS:
            radio.append(dict(entry))
        elif kind in LINK_FAULTS:
            link.append(_link_fault(kind, entry, where))
        else:
            raise ConfigError(f"{where}.type: unknown fault {kind!r}; one of {list(LINK_FAULTS + _RADIO_FAULTS)}")
    return link, radio


def _link_fault(kind: str, entry: Mapping[str, Any], where: str) -> LinkFault:
    unknown = sorted(set(entry) - _KEYS[kind] - {"type"})
    if unknown:
        raise ConfigError(f"{where}: {unknown} do not apply to {kind}; expected some of {sorted(_KEYS[kind])}")
    fault = LinkFault(kind)
    for name in ("command", "ssid"):
        if name in entry:
            if not isinstance(entry[name], str) or not entry[name]:
                raise ConfigError(f"{where}.{name}: must be a non-empty string")
            setattr(fault, name, entry[name].encode("utf-8"))
    if fault.command is not None:
        fault.command = fault.command.upper()
    if kind == "missing_command" and fault.command is None:
        raise ConfigError(f"{where}: missing_command needs command: AT+NAME")
    if "line" in entry:
        try:
            fault.line = re.compile(str(entry["line"]).encode("utf-8"))
        except re.error as exc:
            raise ConfigError(f"{where}.line: not a regular expression ({exc})") from None
    for name, low, high in (("nth", 1, 1 << 30), ("count", 0, 1 << 30), ("code", 1, 255)):
        if name in entry:
            value = entry[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(f"{where}.{name}: must be an integer {low}..{high}")
            setattr(fault, name, value)
    return fault
