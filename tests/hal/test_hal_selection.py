"""Driver selection: DriverKind → class, default_driver(), load_driver(), lazy imports."""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys

import pytest

import hal
from hal import DriverKind, WifiDriver, default_driver, driver_class, load_driver
from hal.errors import DriverNotSupported, InvalidArgument
from hal.mock import WifiDriverMock

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENV = {"access_points": [{"ssid": "Net", "bssid": "02:00:00:00:00:01", "channel": 6, "rssi": -50, "security": "OPEN"}]}


def test_kinds_are_the_cli_names():
    assert [k.value for k in DriverKind] == ["mock", "nl80211", "esp_at"]  # only drivers that ship


def test_mock_kind_loads_the_mock_class():
    assert driver_class(DriverKind.MOCK) is WifiDriverMock
    assert driver_class("mock") is WifiDriverMock


@pytest.mark.parametrize(
    "kind,class_name", [(DriverKind.NL80211, "WifiDriverNl80211"), (DriverKind.ESP_AT, "WifiDriverEspAt")]
)
def test_hardware_kinds_load_their_class(kind, class_name):
    """The test extra installs every driver's dependency: each shipped kind must load here."""
    cls = driver_class(kind)
    assert issubclass(cls, WifiDriver) and cls.__name__ == class_name


def test_a_driver_whose_dependency_is_missing_names_what_to_install(monkeypatch):
    """A missing dependency (pyserial, imported when the port opens) is DriverNotSupported naming
    the extra to install, never a bare ImportError."""
    import builtins

    real_import = builtins.__import__

    def no_serial(name, *args, **kwargs):
        if name == "serial" or name.startswith("serial."):
            raise ModuleNotFoundError("No module named 'serial'", name="serial")
        return real_import(name, *args, **kwargs)

    for module in [m for m in sys.modules if m == "hal.esp_at" or m.startswith("hal.esp_at.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", no_serial)
    driver = load_driver(DriverKind.ESP_AT, port="loop://")
    with pytest.raises(DriverNotSupported, match=r"pyserial: pip install 'wss-provisionee\[esp_at\]'"):
        driver.open()


def test_load_driver_accepts_kind_name_class_path_and_instance():
    by_kind = load_driver(DriverKind.MOCK, environment=ENV)
    by_name = load_driver("mock", environment=ENV)
    by_class = load_driver(WifiDriverMock, environment=ENV)
    by_path = load_driver("hal.mock.driver:WifiDriverMock", environment=ENV)
    for driver in (by_kind, by_name, by_class, by_path):
        assert type(driver) is WifiDriverMock
    assert load_driver(by_kind) is by_kind


def test_load_driver_refuses_options_for_an_instance_and_unknown_names():
    with pytest.raises(InvalidArgument):
        load_driver(load_driver("mock", environment=ENV), environment=ENV)
    with pytest.raises(InvalidArgument, match="unknown driver"):
        load_driver("wext")
    with pytest.raises(InvalidArgument):
        load_driver(dict)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        load_driver("hal.mock.environment:AccessPoint")
    with pytest.raises(DriverNotSupported):
        load_driver("hal.no_such_driver:Driver")


def test_default_driver_env_var_wins(tmp_path):
    assert default_driver({"WSS_HAL": "mock"}, tmp_path) is DriverKind.MOCK
    (tmp_path / "wlan0" / "wireless").mkdir(parents=True)
    assert default_driver({"WSS_HAL": "mock"}, tmp_path) is DriverKind.MOCK
    with pytest.raises(InvalidArgument):
        default_driver({"WSS_HAL": "bogus"}, tmp_path)


def test_default_driver_is_nl80211_with_a_wireless_interface(tmp_path):
    (tmp_path / "eth0").mkdir()
    expected = DriverKind.NL80211 if sys.platform.startswith("linux") else DriverKind.MOCK
    assert default_driver({}, tmp_path) is DriverKind.MOCK
    (tmp_path / "wlan0" / "wireless").mkdir(parents=True)
    assert default_driver({}, tmp_path) is expected


def test_importing_hal_and_using_the_mock_loads_no_heavy_dependency():
    code = f"""
import json, sys
import hal
driver = hal.load_driver("mock", environment={ENV!r})
with driver:
    driver.scan()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("pyroute2", "serial", "wss"))))
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert json.loads(out.stdout) == []


def test_no_hal_module_imports_wss():
    offenders = []
    for path in pathlib.Path(hal.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n == "wss" or n.startswith("wss.")]
    assert offenders == []
