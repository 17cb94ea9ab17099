"""The independent browser (``browse_peer.py``, python-zeroconf's ServiceBrowser) run as
its own process, as the tests of local discovery use it."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

from wss.discovery import SERVICE_TYPE

PEER = pathlib.Path(__file__).resolve().with_name("browse_peer.py")


def start_browser(seconds: float) -> subprocess.Popen:
    """The browser, browsing ``SERVICE_TYPE`` on loopback for ``seconds`` (then it exits)."""
    browser = subprocess.Popen(
        [sys.executable, str(PEER), SERVICE_TYPE, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert browser.stdout is not None
    assert json.loads(browser.stdout.readline()) == {"ready": True}
    return browser


def found_by(browser: subprocess.Popen, instance: str) -> dict:
    """The browser's record of ``instance`` (other services skipped); {} if none came
    before the browser ended (it exits on its own, so the wait is bounded)."""
    assert browser.stdout is not None
    for line in browser.stdout:
        record = json.loads(line)
        if record.get("name") == f"{instance}.{SERVICE_TYPE}":
            return record
    return {}
