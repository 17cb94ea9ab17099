"""Loading the mock radio environment: YAML and dict, paths, overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hal_mock_envs import ap

from hal import Security
from hal.errors import EnvironmentConfigError
from hal.mock import FaultKind, RadioEnvironment, WifiDriverMock, load_environment


def write(tmp_path: Path, data: object, name: str = "env.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_dict_and_yaml_give_the_same_environment(tmp_path):
    data = {
        "access_points": [
            ap(
                "Home",
                "02:00:00:00:00:01",
                channel=36,
                rssi=-42,
                security="WPA3_SAE",
                passphrase="correct horse",
                hidden=True,
            )
        ],
        "internet": {"dss_host": "dss.test", "dss_setup_port": 18888, "hosts": ["a.test"]},
    }
    from_dict = load_environment(data)
    from_yaml = load_environment(write(tmp_path, data))
    assert from_dict.access_points == from_yaml.access_points
    (home,) = from_dict.access_points
    assert (home.ssid, home.bssid, home.freq_mhz, home.rssi_dbm, home.security, home.hidden) == (
        b"Home",
        bytes.fromhex("020000000001"),
        5180,
        -42,
        Security.WPA3_SAE,
        True,
    )
    assert from_yaml.internet.dss_setup_port == 18888 and from_yaml.internet.resolves("a.test")
    assert from_yaml.source.endswith("env.yaml")


def test_relative_key_paths_resolve_against_the_yaml_folder_or_base_dir(tmp_path):
    path = write(
        tmp_path,
        {
            "provisioner": {
                "cloud_private_key": "pki/cloud/private_key.pem",
                "devices": ["pki/device/certificate.pem", "/abs/dev.pem"],
            }
        },
    )
    spec = load_environment(path).provisioner
    assert spec.cloud_private_key == tmp_path.resolve() / "pki/cloud/private_key.pem"
    assert spec.devices == (tmp_path.resolve() / "pki/device/certificate.pem", Path("/abs/dev.pem"))
    other = tmp_path / "elsewhere"
    assert load_environment(path, base_dir=other).provisioner.cloud_private_key == other / "pki/cloud/private_key.pem"


def test_overrides_replace_dss_endpoint_and_cloud_key(tmp_path):
    env = load_environment({"provisioner": {"cloud_private_key": "a.pem"}})
    changed = env.with_overrides(dss_host="dss.test", dss_setup_port=9999, cloud_private_key=tmp_path / "b.pem")
    assert (changed.internet.dss_host, changed.internet.dss_setup_port) == ("dss.test", 9999)
    assert changed.provisioner.cloud_private_key == tmp_path / "b.pem"
    driver = WifiDriverMock(env, cloud_private_key=tmp_path / "c.pem", provisioner_factory=lambda spec: None)
    assert driver.environment.provisioner.cloud_private_key == tmp_path / "c.pem"


def test_defaults_of_an_empty_environment():
    env = load_environment({})
    assert env == RadioEnvironment(source="<dict>")
    assert env.internet.dss_host == "localhost" and env.internet.dss_setup_port == 8888
    assert env.internet.resolves("127.0.0.1") and not env.internet.resolves("example.com")


def test_the_accounts_section_of_the_local_dss_is_ignored():
    env = load_environment({"customers": [{"id": "alice"}], "access_points": []})
    assert env.access_points == ()


def test_faults_parse_with_their_targets():
    env = load_environment(
        {
            "faults": [
                {"type": "wrong_psk", "ssid": "A"},
                {"type": "ap_vanishes", "bssid": "02:00:00:00:00:02", "after_s": 3},
                {"type": "ap_vanishes", "ssid": "B", "on": "first_connect"},
                {"type": "slow_association", "setup_network": True, "delay_s": 2.5},
                {"type": "captive_portal", "ssid": "C"},
                {"type": "limited_connectivity", "ssid": "D"},
            ]
        }
    )
    kinds = [f.kind for f in env.faults]
    assert kinds == [
        FaultKind.WRONG_PSK,
        FaultKind.AP_VANISHES,
        FaultKind.AP_VANISHES,
        FaultKind.SLOW_ASSOCIATION,
        FaultKind.CAPTIVE_PORTAL,
        FaultKind.LIMITED_CONNECTIVITY,
    ]
    assert env.faults[1].after_s == 3.0 and env.faults[2].on_first_connect and env.faults[3].delay_s == 2.5


@pytest.mark.parametrize(
    "data,where",
    [
        ({"radios": []}, "top level: unknown keys"),
        ({"access_points": [ap("A", "02:00:00:00:00:01", security="WPA4")]}, "access_points[0].security"),
        ({"access_points": [ap("A", 20000000001)]}, "access_points[0].bssid: must be a quoted string"),
        ({"access_points": [ap("A", "02:00:00:00:00:01"), ap("B", "02:00:00:00:00:01")]}, "access_points[1].bssid"),
        ({"access_points": [ap("A", "02:00:00:00:00:01", channel=15)]}, "access_points[0].channel"),
        ({"access_points": [ap("A", "02:00:00:00:00:01", rssi=-200)]}, "access_points[0].rssi"),
        ({"access_points": [ap("A" * 33, "02:00:00:00:00:01")]}, "access_points[0].ssid"),
        ({"access_points": [ap("A", "02:00:00:00:00:01", tcp="everything")]}, "access_points[0].tcp"),
        ({"access_points": [ap("A", "02:00:00:00:00:01", tcp=["host-without-port"])]}, "access_points[0].tcp[0]"),
        ({"access_points": [{"ssid": "A"}]}, "access_points[0]: missing"),
        (
            {"access_points": [ap("A", "02:00:00:00:00:01", security="ENTERPRISE", passphrase=None, extra_field=1)]},
            "access_points[0]: unknown keys",
        ),
        ({"faults": [{"type": "wrong_psk"}]}, "faults[0]: needs exactly one target"),
        ({"faults": [{"type": "ap_vanishes", "ssid": "A", "after_s": 1, "on": "first_connect"}]}, "faults[0]"),
        ({"faults": [{"type": "ap_vanishes", "ssid": "A", "on": "reboot"}]}, "faults[0].on"),
        ({"faults": [{"type": "captive_portal", "ssid": "A", "delay_s": 1}]}, "faults[0]"),
        ({"faults": [{"type": "power_cut", "ssid": "A"}]}, "faults[0].type"),
        ({"provisioner": {"channel": 36}}, "provisioner.channel"),
        (
            {"provisioner": {"bssid": "02:00:00:00:00:01"}, "access_points": [ap("A", "02:00:00:00:00:01")]},
            "provisioner.bssid",
        ),
        ({"internet": {"dss_setup_port": 70000}}, "internet.dss_setup_port"),
    ],
)
def test_bad_entries_are_named(data, where):
    with pytest.raises(EnvironmentConfigError) as info:
        load_environment(data)
    assert where in str(info.value)


def test_a_bad_passphrase_is_refused_without_being_shown():
    with pytest.raises(EnvironmentConfigError) as info:
        load_environment({"access_points": [ap("A", "02:00:00:00:00:01", passphrase="short1")]})
    assert "access_points[0].passphrase" in str(info.value) and "short1" not in str(info.value)
    open_with_key = dict(ap("A", "02:00:00:00:00:01", security="OPEN"), passphrase="x")
    with pytest.raises(EnvironmentConfigError, match="access_points\\[0\\].passphrase"):
        load_environment({"access_points": [open_with_key]})


def test_passphrases_are_not_in_reprs():
    env = load_environment({"access_points": [ap("A", "02:00:00:00:00:01", passphrase="very secret words")]})
    assert "very secret words" not in repr(env)


def test_file_errors_name_the_file_and_line(tmp_path):
    with pytest.raises(EnvironmentConfigError, match="cannot read"):
        load_environment(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("access_points:\n  - ssid: [unclosed\n", encoding="utf-8")
    with pytest.raises(EnvironmentConfigError, match=r"bad\.yaml: line \d+: not valid YAML"):
        load_environment(bad)
    with pytest.raises(EnvironmentConfigError):
        load_environment(42)  # type: ignore[arg-type]


def test_a_key_that_is_not_text_is_named():
    """The fuzzing finding of the local DSS's files, here: a YAML ``null`` or number key."""
    with pytest.raises(EnvironmentConfigError, match=r"unknown keys \[1, None\]"):
        load_environment({"access_points": [], None: 1, 1: 2})


def test_a_file_that_is_not_utf8_is_one_error(tmp_path):
    """Before: UnicodeDecodeError escaped (a traceback in ``wss provision``)."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"access_points: []\n# caf\xe9\n")
    with pytest.raises(EnvironmentConfigError, match=r"latin1\.yaml: not UTF-8 text \(byte 23\)"):
        load_environment(path)
