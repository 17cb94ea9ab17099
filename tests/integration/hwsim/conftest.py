"""The ``hwsim`` session fixture: one QEMU guest with mac80211_hwsim radios per session.

The guest boots on first use (about 15-45 s under TCG), serves every test of this folder
through its agent, and powers off at the end of the session. Where it cannot boot
(not Linux, not root, QEMU / hostapd / wpa_supplicant / a Debian kernel missing) the
tests are skipped with a reason naming what is missing; ``WSS_HWSIM=0`` skips them on
purpose. A guest that should boot but does not is a failure, not a skip.

Environment: ``HWSIM_WORK`` (work folder, default ``$TMPDIR/wss-hwsim``: the cached PVH
kernel, and ``run-<pid>/`` per session with the logs), ``HWSIM_BOOT_TIMEOUT`` (seconds, default 300), ``HWSIM_ACCEL``
(``auto``/``kvm``/``tcg``), ``HWSIM_KERNEL`` (a ``/boot/vmlinuz-*`` to boot).
"""

from __future__ import annotations

import compileall
import os
import time
from pathlib import Path
from typing import Iterator

import hwsim_vm
import pytest


def _precompile() -> None:
    """Write .pyc files for hal/ and wss/ on the host: the guest sees the repository
    read-only over 9p and would otherwise compile every module at each import."""
    for package in ("hal", "wss"):
        compileall.compile_dir(str(hwsim_vm.REPO / package), quiet=1, workers=1)


@pytest.fixture(scope="session")
def hwsim() -> Iterator[hwsim_vm.HwsimGuest]:
    """The booted guest (see ``hwsim_vm.HwsimGuest``: ``sh()``, ``call()``)."""
    if os.environ.get("WSS_HWSIM") == "0":
        pytest.skip("hwsim tests disabled by WSS_HWSIM=0")
    missing = hwsim_vm.missing_requirements()
    if missing:
        pytest.skip("the mac80211_hwsim guest cannot boot here; missing: " + "; ".join(missing))
    base = Path(os.environ.get("HWSIM_WORK") or Path(os.environ.get("TMPDIR") or "/tmp") / "wss-hwsim")
    _precompile()
    guest = hwsim_vm.HwsimGuest(hwsim_vm.run_folder(base), cache=base)
    t0 = time.monotonic()
    try:
        guest.boot(timeout_s=float(os.environ.get("HWSIM_BOOT_TIMEOUT", "300")))
        pong = guest.agent.request("ping", timeout_s=10)  # type: ignore[union-attr]
        broken = {m: e for m, e in pong.get("preload", {}).items() if e}
        if broken:
            raise hwsim_vm.GuestError(f"the guest agent could not import {broken}")
    except (hwsim_vm.GuestError, OSError, TimeoutError) as exc:
        guest.shutdown()
        pytest.fail(f"the hwsim guest did not come up: {exc}", pytrace=False)
    print(f"\n[hwsim] guest ready in {time.monotonic() - t0:.1f} s (logs: {guest.logs})")
    try:
        yield guest
    finally:
        guest.shutdown()
