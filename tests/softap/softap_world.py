"""The SoftAP tests' world: a home on the mock radio, and the setup service on it.

The home has the customer's network (``HomeNet``, WPA2), a neighbour's, an open café
network, a WEP network and a hidden camera network: what a SoftAP client may be offered.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any, Dict, Iterator, List

from hal.mock import WifiDriverMock
from wss.crypto import srp_salt_and_verifier
from wss.softap import HTTPDLimits, SoftAPService, SoftAPSetup

HOME_SSID = "HomeNet"
HOME_KEY = "correct horse battery"
POP = "abcd1234"
USERNAME, PASSWORD = "wifiprov", "abcd1234"


def home() -> Dict[str, Any]:
    """The radio environment (no provisioner: WSS cannot run here)."""

    def ap(ssid, bssid, security, passphrase=None, channel=6, rssi=-50, **extra):
        entry = {"ssid": ssid, "bssid": bssid, "channel": channel, "rssi": rssi, "security": security}
        if passphrase is not None:
            entry["passphrase"] = passphrase
        return {**entry, **extra}

    return {
        "access_points": [
            ap(HOME_SSID, "02:00:00:00:01:01", "WPA2_PSK", HOME_KEY, rssi=-40),
            ap("Neighbour", "02:00:00:00:02:01", "WPA2_PSK", "not ours at all", channel=11, rssi=-75),
            ap("OpenCafe", "02:00:00:00:03:01", "OPEN", channel=1, rssi=-70),
            ap("OldWep", "02:00:00:00:04:01", "WEP", "abcde", channel=3, rssi=-80),
            ap("Office", "02:00:00:00:06:01", "ENTERPRISE", channel=11, rssi=-60),
            ap("Camera", "02:00:00:00:05:01", "WPA2_PSK", "camera-link-77", hidden=True, rssi=-65),
        ]
    }


#: What the ``custom-data`` endpoint of :func:`setup` received, in order.
RECEIVED: List[bytes] = []


def custom_data(_session_id: int, data: bytes) -> bytes:
    """ESP-IDF's example custom endpoint: keep the data, answer ``SUCCESS`` and a NUL."""
    RECEIVED.append(data)
    return b"SUCCESS\x00"


def setup(security: int, **overrides: Any) -> SoftAPSetup:
    """A setup on a free port, no QR, the tests' credentials, a ``custom-data`` endpoint."""
    values: Dict[str, Any] = {
        "http_port": 0,
        "show_qr": False,
        "timeout_s": 30.0,
        "custom_endpoints": {"custom-data": custom_data},
    }
    if security == 1:
        values["pop"] = POP
    if security == 2:
        salt, verifier = srp_salt_and_verifier(USERNAME, PASSWORD)
        values.update(username=USERNAME, salt=salt, verifier=verifier, password=PASSWORD)
    values.update(overrides)
    return SoftAPSetup(security, **values)


@contextlib.contextmanager
def service(security: int = 1, environment: Any = None, **overrides: Any) -> Iterator[SoftAPService]:
    """The setup service on the mock radio, running; stopped on exit."""
    driver = WifiDriverMock(environment if environment is not None else home())
    svc = SoftAPService(driver, setup(security, **overrides), io.StringIO())
    with svc:
        yield svc
    driver.close()


def short_limits(**overrides: Any) -> HTTPDLimits:
    """Transport bounds short enough for a test to see them bite."""
    values: Dict[str, Any] = {"idle_s": 1.0, "request_deadline_s": 0.5, "send_deadline_s": 1.0, "accept_poll_s": 0.05}
    values.update(overrides)
    return HTTPDLimits(**values)


class RunningCommand:
    """A ``wss`` command in a fresh interpreter whose standard output is read line by
    line in a thread (so a test never blocks on it)."""

    MAIN = "import sys; from wss.cli import main; sys.exit(main())"

    def __init__(self, args, cwd) -> None:
        import queue
        import subprocess
        import sys
        import threading

        self.lines: List[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self.MAIN, *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, marker: str, timeout_s: float = 60.0) -> str:
        """The first line holding ``marker`` (AssertionError after ``timeout_s``)."""
        import queue
        import time

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {marker!r} within {timeout_s} s: {self.lines}") from None
            self.lines.append(line)
            if marker in line:
                return line

    def address(self) -> tuple:
        """The HTTP server's address from the banner (``SoftAP setup: HTTP on HOST:PORT``)."""
        host, port = self.wait_for("HTTP on ").split("HTTP on ")[1].rsplit(":", 1)
        return host, int(port)

    def finish(self, timeout_s: float = 60.0) -> int:
        """Wait for the exit status; the remaining output lines are in :attr:`lines`."""
        import queue

        status = self.proc.wait(timeout_s)
        while True:
            try:
                self.lines.append(self._queue.get(timeout=1.0))
            except queue.Empty:
                break
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()
        return status
