"""What a benchmark ran on: CPU, cores, frequency, kernel, Python, load, and emulation.

Emulation: under qemu-user (an ARM64 Python run on an x86-64 host through binfmt_misc,
as ``make test-arm64`` does), ``uname -m`` reports the guest's architecture while the
kernel's ``/proc/cpuinfo`` still describes the host's CPU (QEMU 7.2, Debian 12, does not
emulate it for ARM), and the host has a ``qemu-<arch>`` binfmt_misc entry for the
guest's architecture. :func:`detect_emulation` reports either signal. Every reader takes
the ``/proc`` and ``/sys`` roots, so tests give it a fake tree.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

#: cpuinfo keys that only the kernel of one architecture family writes.
_X86_KEYS = ("vendor_id", "flags", "model name")
_ARM_KEYS = ("CPU implementer", "CPU architecture", "Features")
_ARCH_FAMILY = {
    "x86_64": "x86",
    "amd64": "x86",
    "i386": "x86",
    "i686": "x86",
    "aarch64": "arm",
    "arm64": "arm",
    "armv7l": "arm",
    "armv6l": "arm",
}


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _cpuinfo_fields(text: str) -> Dict[str, str]:
    """The first value of every key of ``/proc/cpuinfo``."""
    fields: Dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    return fields


def cpuinfo_family(text: str) -> Optional[str]:
    """``"x86"`` or ``"arm"``: which architecture family's kernel wrote this cpuinfo."""
    fields = _cpuinfo_fields(text)
    if any(k in fields for k in _ARM_KEYS) and "vendor_id" not in fields:
        return "arm"
    if all(k in fields for k in _X86_KEYS[:2]):
        return "x86"
    return None


def detect_emulation(machine: Optional[str] = None, proc: Path = Path("/proc")) -> Dict[str, object]:
    """Whether this process runs under a user-mode emulator (qemu-user).

    Args:
        machine: the architecture this process runs as (default ``platform.machine()``).
        proc: the ``/proc`` root (a fake tree in tests).
    Returns:
        ``{"emulated": bool, "signals": [why, ...]}``; no signal means not detected.
    """
    machine = machine or platform.machine()
    family = _ARCH_FAMILY.get(machine.lower())
    signals: List[str] = []
    cpuinfo = _read(proc / "cpuinfo")
    seen = cpuinfo_family(cpuinfo) if cpuinfo else None
    if family and seen and seen != family:
        signals.append(f"/proc/cpuinfo describes an {seen} CPU but this process runs as {machine}")
    binfmt = proc / "sys" / "fs" / "binfmt_misc"
    for name in (f"qemu-{machine}", f"qemu-{machine.lower()}"):
        text = _read(binfmt / name)
        if text is not None and text.splitlines()[:1] == ["enabled"]:
            interpreter = re.search(r"^interpreter (.+)$", text, re.M)
            where = interpreter.group(1) if interpreter else "an interpreter"
            signals.append(f"binfmt_misc runs {machine} programs through {where}")
            break
    return {"emulated": bool(signals), "signals": signals}


def cpu_model(proc: Path = Path("/proc")) -> Optional[str]:
    """The CPU's name from ``/proc/cpuinfo`` (x86 ``model name``; ARM ``Model``/``Hardware``)."""
    fields = _cpuinfo_fields(_read(proc / "cpuinfo") or "")
    for key in ("model name", "Model", "Hardware", "cpu model", "uarch"):
        if fields.get(key):
            return fields[key]
    if "CPU implementer" in fields:
        return f"ARM implementer {fields['CPU implementer']} part {fields.get('CPU part', '?')}"
    return None


def cpu_mhz(proc: Path = Path("/proc"), sys_root: Path = Path("/sys")) -> Dict[str, Optional[float]]:
    """CPU 0's frequency, MHz: ``current`` and ``max`` from cpufreq, else cpuinfo's ``cpu MHz``."""
    freq = sys_root / "devices" / "system" / "cpu" / "cpu0" / "cpufreq"
    out: Dict[str, Optional[float]] = {"current": None, "max": None}
    for key, name in (("current", "scaling_cur_freq"), ("max", "cpuinfo_max_freq")):
        text = _read(freq / name)
        if text and text.strip().isdigit():
            out[key] = int(text.strip()) / 1000.0  # kHz
    if out["current"] is None:
        value = _cpuinfo_fields(_read(proc / "cpuinfo") or "").get("cpu MHz")
        try:
            out["current"] = float(value) if value else None
        except ValueError:
            pass
    return out


def loadavg() -> List[float]:
    """The 1/5/15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def describe() -> Dict[str, object]:
    """The machine, as every suite's JSON ``meta.machine`` carries it."""
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    return {
        "cpu_model": cpu_model(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "cpu_mhz": cpu_mhz(),
        "kernel": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "emulation": detect_emulation(),
    }


def one_line(machine: Mapping[str, Any]) -> str:
    """The machine in one line for a table's header."""
    mhz = machine.get("cpu_mhz") or {}
    freq = next((f" @ {v:.0f} MHz" for v in (mhz.get("current"), mhz.get("max")) if v), "")
    emulation = machine.get("emulation") or {}
    emulated = "; EMULATED (" + "; ".join(emulation["signals"]) + ")" if emulation.get("emulated") else ""
    return (
        f"{machine.get('cpu_model') or 'unknown CPU'}{freq}, {machine.get('arch')}, {machine.get('cores')} cores, "
        f"{machine.get('kernel')}, {machine.get('python')}{emulated}"
    )
