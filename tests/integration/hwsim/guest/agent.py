"""Guest agent: answers JSON-lines requests on a serial port (runs inside the guest).

Started by ``setup.sh`` in the device's network namespace once the radios, access points
and wpa_supplicant are up. Python starts once here, so the slow imports over 9p (pyroute2:
several seconds under TCG) are paid once per session, not once per test.

Requests (one JSON object per line), each answered by ``{"id": ..., "ok": bool, ...}``:

* ``{"op": "ping"}`` -> ``{"pong": true, "preload": {module: error or null}}``
* ``{"op": "sh", "cmd": "...", "ns": "sta"|"root", "timeout": s}`` -> ``rc``, ``stdout``,
  ``stderr``; ``ns="root"`` runs in the access points' namespace (that of PID 1).
* ``{"op": "call", "fn": "module:function", "args": [...], "kwargs": {...}}`` ->
  ``result`` (JSON), or ``error`` and ``traceback`` when it raised.
* ``{"op": "exit"}`` -> the agent returns and the guest powers off.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import termios
import time
import traceback
import tty
from typing import Any, Dict

PRELOAD = ("hal.nl80211.driver", "guest_ops")


def _open_port(path: str) -> int:
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    termios.tcflush(fd, termios.TCIOFLUSH)
    return fd


def _run_sh(req: Dict[str, Any]) -> Dict[str, Any]:
    argv = ["bash", "-c", req["cmd"]]
    if req.get("ns") == "root":
        argv = ["nsenter", "-t", "1", "-n", *argv]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=req.get("timeout", 120))
    return {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def _call(req: Dict[str, Any]) -> Dict[str, Any]:
    module_name, _, name = req["fn"].partition(":")
    fn = getattr(importlib.import_module(module_name), name)
    return {"result": fn(*req.get("args", []), **req.get("kwargs", {}))}


def serve(path: str) -> int:
    preload = {}
    for module in PRELOAD:
        t0 = time.monotonic()
        try:
            importlib.import_module(module)
            preload[module] = None
        except Exception as exc:  # reported to the host on ping; tests then fail clearly
            preload[module] = repr(exc)
        print(f"preload {module}: {preload[module] or 'ok'} in {time.monotonic() - t0:.2f} s", flush=True)
    fd = _open_port(path)

    def send(obj: Dict[str, Any]) -> None:
        data = (json.dumps(obj, default=repr) + "\n").encode()
        while data:
            data = data[os.write(fd, data) :]

    buf = b""
    print("agent ready on", path, flush=True)
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            time.sleep(0.05)
            continue
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.strip()
            if not line.startswith(b"{"):
                continue
            try:
                req = json.loads(line)
            except ValueError:
                continue
            op, t0 = req.get("op"), time.monotonic()
            try:
                if op == "ping":
                    reply: Dict[str, Any] = {"pong": True, "preload": preload}
                elif op == "sh":
                    reply = _run_sh(req)
                elif op == "call":
                    reply = _call(req)
                elif op == "exit":
                    send({"id": req.get("id"), "ok": True})
                    return 0
                else:
                    raise ValueError(f"unknown op {op!r}")
                reply["ok"] = True
            except Exception as exc:
                reply = {"ok": False, "error": repr(exc), "traceback": traceback.format_exc()}
            reply["id"] = req.get("id")
            reply["seconds"] = round(time.monotonic() - t0, 3)
            print(
                f"{op} {req.get('fn') or req.get('cmd') or ''} -> "
                f"{'ok' if reply['ok'] else reply['error']} in {reply['seconds']} s",
                flush=True,
            )
            send(reply)


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1] if len(sys.argv) > 1 else "/dev/ttyS1"))
