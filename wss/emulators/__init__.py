"""Emulated hardware for a desk without boards (tools: the device path never imports them).

* :mod:`wss.emulators.esp_at` — an ESP32 running ESP-AT firmware behind a pty
  (``wss esp-at-emulator``).
"""
