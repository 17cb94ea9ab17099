"""IPConfig with ``dhcp="none"`` waits for the address on ``RTM_NEWADDR``, not by polling.

Runs in a network namespace of its own (``unshare -n``, root) on its loopback interface:
the address is added 0.3 s after the wait began, and the wait must end then, long before
its 10 s deadline; with no address it ends at its deadline with None.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

SCRIPT = """
import json, threading, time
from pyroute2 import IPRoute
from hal.nl80211.ipconfig import IPConfig

with IPRoute() as ipr:
    index = ipr.link_lookup(ifname="lo")[0]  # a new namespace's lo: down, no address
config = IPConfig("lo", dhcp="none")
t0 = time.monotonic()
none = config.obtain(0.5)
waited_for_nothing = time.monotonic() - t0

def add_address():
    time.sleep(0.3)
    with IPRoute() as ipr:
        ipr.addr("add", index=index, address="10.9.8.7", prefixlen=24)

threading.Thread(target=add_address).start()
t0 = time.monotonic()
lease = config.obtain(10.0)
print(json.dumps({"none": none is None, "waited_for_nothing": waited_for_nothing,
                  "address": lease and lease.address, "prefixlen": lease and lease.prefixlen,
                  "waited": time.monotonic() - t0}))
"""


def test_the_wait_ends_when_the_address_appears():
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) (util-linux) for a network namespace of its own")
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["none"] and out["waited_for_nothing"] >= 0.5
    assert (out["address"], out["prefixlen"]) == ("10.9.8.7", 24)
    assert out["waited"] < 5.0  # woken by RTM_NEWADDR, not at the 10 s deadline
