"""The local DSS in another process: ``wss cloud serve`` on free ports, and its stop.

For the demo and the benchmarks, which keep the DSS's CPU time out of the device's process.
The server says where it listens on its first line (``wss.cli.cloud``:
``listening dss=https://HOST:PORT setup=https://HOST:PORT``); its log (stderr) goes to
``dss.log`` beside the transcript.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Mapping, Optional, Tuple

#: The line ``wss cloud serve`` prints once both ports listen.
LISTENING = re.compile(r"listening dss=https://[^:]+:(\d+) setup=https://[^:]+:(\d+)")


def start_serve(
    pki: Path, accounts: Path, transcript: Path, env: Optional[Mapping[str, str]] = None, timeout_s: float = 30.0
) -> Tuple[subprocess.Popen, int, int]:
    """Start ``wss cloud serve`` (this interpreter) on free ports.

    Args:
        pki: a ``wss mfg dev-pki`` folder.
        accounts: the accounts file (YAML or JSON; format ``wss.cloud.accounts``).
        transcript: the JSON-lines transcript; ``dss.log`` goes beside it.
        env: the child's environment (default this process's).
        timeout_s: how long it may take to say it listens, seconds.
    Returns:
        The process and its (DSS, setup-network) ports.
    Raises:
        RuntimeError: it did not say it listens within ``timeout_s`` (it is stopped).
    """
    cmd = [sys.executable, "-m", "wss", "cloud", "serve", "--pki", str(pki), "--accounts", str(accounts)]
    cmd += ["--port", "0", "--setup-port", "0", "--transcript", str(transcript)]
    with open(transcript.with_name("dss.log"), "w", encoding="utf-8") as log:
        server = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=dict(env) if env is not None else None
        )
    lines: queue.Queue = queue.Queue()
    stdout = server.stdout
    assert stdout is not None

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            match = LISTENING.search(lines.get(timeout=max(0.0, deadline - time.monotonic())))
            if match:
                return server, int(match.group(1)), int(match.group(2))
    except queue.Empty:
        stop(server)
        raise RuntimeError(f"the local DSS did not start within {timeout_s:g} s (its log: dss.log)") from None


def stop(server: subprocess.Popen) -> None:
    """SIGTERM, then wait (kill after 10 s)."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
