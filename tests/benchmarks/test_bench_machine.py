"""wss.bench.machine on fake /proc and /sys trees: emulation, CPU model, frequency.

Source: issue 17 (the JSON carries the machine and whether it runs under emulation);
the fake files are shaped as the Linux kernel writes them on x86-64 and ARM64, and as
qemu-user-static's binfmt_misc registration reads.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from wss.bench import machine

X86_CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model name\t: AMD EPYC 7B13
cpu MHz\t\t: 2450.000
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr
"""
ARM_CPUINFO = """processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x0
CPU part\t: 0xd08
CPU revision\t: 3

Hardware\t: BCM2835
Model\t\t: Raspberry Pi 4 Model B Rev 1.4
"""
BINFMT_QEMU_AARCH64 = """enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: POCF
offset 0
magic 7f454c460201010000000000000000000200b700
"""


def _proc(tmp_path: Path, cpuinfo: str, binfmt: dict = None) -> Path:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "cpuinfo").write_text(cpuinfo)
    folder = proc / "sys" / "fs" / "binfmt_misc"
    folder.mkdir(parents=True)
    for name, text in (binfmt or {}).items():
        (folder / name).write_text(text)
    return proc


def test_arm64_python_on_an_x86_host_is_emulated(tmp_path):
    proc = _proc(tmp_path, X86_CPUINFO, {"qemu-aarch64": BINFMT_QEMU_AARCH64})
    found = machine.detect_emulation("aarch64", proc)
    assert found["emulated"] is True
    assert found["signals"] == [
        "/proc/cpuinfo describes an x86 CPU but this process runs as aarch64",
        "binfmt_misc runs aarch64 programs through /usr/libexec/qemu-binfmt/aarch64-binfmt-P",
    ]


def test_either_signal_alone_is_enough(tmp_path):
    (tmp_path / "a").mkdir()
    only_cpuinfo = _proc(tmp_path / "a", X86_CPUINFO)
    assert machine.detect_emulation("aarch64", only_cpuinfo)["emulated"] is True
    (tmp_path / "b").mkdir()
    only_binfmt = _proc(tmp_path / "b", "", {"qemu-aarch64": BINFMT_QEMU_AARCH64})
    assert len(machine.detect_emulation("aarch64", only_binfmt)["signals"]) == 1


def test_native_machines_are_not_emulated(tmp_path):
    # a Raspberry Pi, and an x86 host that can run ARM programs through qemu (its own
    # architecture has no qemu entry), and a disabled entry
    (tmp_path / "pi").mkdir()
    pi = _proc(tmp_path / "pi", ARM_CPUINFO)
    assert machine.detect_emulation("aarch64", pi) == {"emulated": False, "signals": []}
    (tmp_path / "host").mkdir()
    host = _proc(tmp_path / "host", X86_CPUINFO, {"qemu-aarch64": BINFMT_QEMU_AARCH64})
    assert machine.detect_emulation("x86_64", host) == {"emulated": False, "signals": []}
    (tmp_path / "off").mkdir()
    off = _proc(tmp_path / "off", ARM_CPUINFO, {"qemu-aarch64": BINFMT_QEMU_AARCH64.replace("enabled", "disabled")})
    assert machine.detect_emulation("aarch64", off)["emulated"] is False


def test_this_machine_reports_itself_consistently():
    here = machine.describe()
    assert here["cores"] >= 1 and here["arch"] and here["kernel"].startswith("Linux")
    assert set(here["emulation"]) == {"emulated", "signals"}
    assert here["emulation"]["emulated"] is bool(here["emulation"]["signals"])


def test_cpu_model_and_frequency(tmp_path):
    (tmp_path / "x").mkdir()
    x86 = _proc(tmp_path / "x", X86_CPUINFO)
    assert machine.cpu_model(x86) == "AMD EPYC 7B13"
    assert machine.cpu_mhz(x86, tmp_path / "no-sys") == {"current": 2450.0, "max": None}
    (tmp_path / "p").mkdir()
    pi = _proc(tmp_path / "p", ARM_CPUINFO)
    assert machine.cpu_model(pi) == "Raspberry Pi 4 Model B Rev 1.4"
    freq = tmp_path / "sys" / "devices" / "system" / "cpu" / "cpu0" / "cpufreq"
    freq.mkdir(parents=True)
    (freq / "scaling_cur_freq").write_text("600000\n")
    (freq / "cpuinfo_max_freq").write_text("1800000\n")
    assert machine.cpu_mhz(pi, tmp_path / "sys") == {"current": 600.0, "max": 1800.0}
    line = machine.one_line({**machine.describe(), "emulation": {"emulated": True, "signals": ["x"]}})
    assert "EMULATED (x)" in line


ARM64_ROOT = Path(__file__).resolve().parents[2] / "build" / "roots" / "bookworm-arm64"
BINFMT = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")


@pytest.mark.skipif(
    not (ARM64_ROOT / "usr" / "bin" / "python3").exists()
    or not BINFMT.exists()
    or not BINFMT.read_text().startswith("enabled"),
    reason="needs the Debian arm64 root of `make test-arm64` (build/roots/bookworm-arm64) and qemu-aarch64 "
    "registered in binfmt_misc (qemu-user-static)",
)
def test_an_arm64_python_under_qemu_user_reports_the_run_as_emulated(tmp_path):
    """The real case: Debian arm64's CPython run by qemu-user (binfmt_misc) on this host reads
    the host's /proc; machine.py (standard library only) is loaded from the tree by path."""
    probe = (
        "import importlib.util, json, platform, sys\n"
        f"spec = importlib.util.spec_from_file_location('machine', {str(Path(machine.__file__))!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(json.dumps([platform.machine(), m.detect_emulation()]))\n"
    )
    python = ARM64_ROOT / "usr" / "bin" / "python3"
    proc = subprocess.run(
        [str(python), "-c", probe],
        env={"QEMU_LD_PREFIX": str(ARM64_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    arch, found = json.loads(proc.stdout)
    assert arch == "aarch64" and found["emulated"] is True
    assert any("binfmt_misc runs aarch64 programs" in s or "/proc/cpuinfo describes" in s for s in found["signals"])
