"""The checks behind the hwsim skip reasons (run everywhere; no guest is booted)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import hwsim_vm
import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the checks read Linux paths")
def test_reasons_name_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(hwsim_vm, "_tool", lambda name: None)
    monkeypatch.setenv("HWSIM_KERNEL", str(tmp_path / "vmlinuz-0.0-none"))
    reasons = hwsim_vm.missing_requirements()
    assert reasons[0].startswith("root")
    assert "qemu-system-x86" in reasons[1] and "hostapd" in reasons[1] and "busybox-static" in reasons[1]
    assert "apt-get is not available" in reasons[1]
    assert "linux-image-amd64" in reasons[2]


def test_static_busybox_is_told_apart_from_a_dynamic_binary():
    shell = shutil.which("sh")
    assert shell is not None and hwsim_vm._has_interp(os.path.realpath(shell))
    status = (
        subprocess.run(["dpkg-query", "-W", "-f=${Status}", "busybox-static"], capture_output=True, text=True).stdout
        if shutil.which("dpkg-query")
        else ""
    )
    if "install ok installed" not in status:
        pytest.skip("busybox-static is not installed here")
    assert not hwsim_vm._has_interp("/bin/busybox")


def test_tcg_unless_kvm_is_usable(monkeypatch):
    monkeypatch.setenv("HWSIM_ACCEL", "tcg")
    assert hwsim_vm.accelerator() == (["-accel", "tcg,thread=multi", "-cpu", "max"], 1)
    monkeypatch.setenv("HWSIM_ACCEL", "kvm")
    assert hwsim_vm.accelerator()[0][:2] == ["-accel", "kvm"]


def test_run_folders_of_ended_sessions_are_removed(tmp_path):
    stale = tmp_path / "run-999999999"
    stale.mkdir()
    mine = hwsim_vm.run_folder(tmp_path)
    assert mine.name == f"run-{os.getpid()}" and not stale.exists()
