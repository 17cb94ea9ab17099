"""An emulated ESP-AT module (ESP32 with Espressif's AT firmware) behind a pseudo-terminal.

See :class:`EspAtEmulator`, ``wss esp-at-emulator --help`` and ``docs/esp-at.md``.
"""

from __future__ import annotations

from .emulator import CHIPS, EspAtEmulator, provisioner_from_spec
from .faults import LinkFault, parse_faults

__all__ = ["EspAtEmulator", "CHIPS", "provisioner_from_spec", "LinkFault", "parse_faults"]
