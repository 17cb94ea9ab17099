"""The ESP-AT driver: an ESP32 running Espressif's ESP-AT firmware, over a serial port.

Layers (``docs/design.md`` §5.4): :mod:`.parser` (sans-IO framing and line roles),
:mod:`.commands` (command text and answers, pure), :mod:`.link` (the serial port, a
reader thread, one command at a time with deadlines, busy retries, re-synchronisation),
:mod:`.sockets` (TCP links as byte streams, passive receive), :mod:`.startup` (bringing
the module up) and :mod:`.driver` (the HAL contract). Needs pyserial
(``pip install 'wss-provisionee[esp_at]'``). See ``docs/esp-at.md``.
"""

from __future__ import annotations

from .driver import WifiDriverEspAt

__all__ = ["WifiDriverEspAt"]
