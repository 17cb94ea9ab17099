"""A device install: the wheel in a fresh virtual environment, no extras.

``pip install`` of the built wheel must pull only what a device needs (cffi, h11 and, on
Linux, pyroute2), and the device path — the state machine, the default platform, the
front door, the nl80211 driver — must import and work there without ``cryptography`` or
PyYAML. The tools' commands say which extra they need instead of a traceback.
(docs/design.md §4.) Builds the wheel and installs from PyPI: about a minute.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

_PROBE = textwrap.dedent("""
    import json, sys
    import pathlib
    import wss.provisioning, wss.provisionee, wss.platform, hal.nl80211.driver
    from wss import crypto
    assert crypto.sha256(b"abc").hex().startswith("ba7816bf")
    # PEP 561: users' type checkers see our annotations
    for package in (wss, hal):
        assert (pathlib.Path(package.__file__).parent / "py.typed").is_file(), package
    print(json.dumps(sorted(sys.modules)))
""")


@pytest.fixture(scope="module")
def device_venv(tmp_path_factory):
    work = tmp_path_factory.mktemp("device-install")
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True, timeout=900, cwd=work)
    (wheel,) = wheels.glob("wss_provisionee-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=900, cwd=work)
    return python


def test_the_device_install_pulls_only_what_a_device_needs(device_venv):
    out = subprocess.run([str(device_venv), "-m", "pip", "list", "--format=json"], check=True,
                         capture_output=True, text=True).stdout
    names = {item["name"].lower() for item in json.loads(out)}
    assert {"wss-provisionee", "cffi", "h11", "pyroute2"} <= names
    assert not names & {"cryptography", "pyyaml"}, names


def test_the_device_path_imports_and_runs_without_the_tools(device_venv, tmp_path):
    out = subprocess.run([str(device_venv), "-c", _PROBE], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout  # not ROOT: the installed package, not the tree
    modules = json.loads(out)
    assert "hal.nl80211.driver" in modules and "pyroute2" in modules
    assert not [m for m in modules if m.split(".")[0] in ("cryptography", "yaml")]


def test_a_tools_command_names_the_extra_it_needs(device_venv, tmp_path):
    proc = subprocess.run([str(device_venv), "-m", "wss", "mfg", "dev-pki", "--out", str(tmp_path / "pki")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "wss mfg: error: this command needs cryptography, which a device install leaves out: "
        "pip install 'wss-provisionee[tools]'"]
    assert not (tmp_path / "pki").exists()


def test_the_wheel_ships_the_certification_profiles_and_certify_names_its_extra(device_venv, tmp_path):
    probe = ("import pathlib, wss; folder = pathlib.Path(wss.__file__).parent / 'certify' / 'profiles'; "
             "print(sorted(p.name for p in folder.glob('*.yaml')))")
    out = subprocess.run([str(device_venv), "-c", probe], check=True, capture_output=True, text=True,
                         cwd=tmp_path).stdout
    assert out.strip() == "['clean.yaml', 'default.yaml']"
    proc = subprocess.run([str(device_venv), "-m", "wss", "certify", "--pki", str(tmp_path), "--customer-id", "A1",
                           "--out", str(tmp_path / "report")], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and "pip install 'wss-provisionee[certify]'" in proc.stderr, proc.stderr
    assert not (tmp_path / "report").exists()
