"""Profiles: the shipped ones load; every bad entry is a usage error naming the file and the entry."""

from __future__ import annotations

import pytest

from wss.certify.profile import RADIO_FAULT_CODES, SHIPPED_PROFILES, load_profile, shipped_profile_path
from wss.errors import UsageError


def test_the_shipped_profiles_load_and_clean_extends_default():
    default, clean = load_profile("default"), load_profile("clean")
    assert SHIPPED_PROFILES == ("default", "clean")
    assert clean.home == default.home and clean.accounts == default.accounts
    assert clean.radio_faults == () and clean.dss_faults == ()
    assert sum(f.rate for f in default.radio_faults) <= 1 and sum(f.rate for f in default.dss_faults) <= 1
    assert {f.type for f in default.radio_faults} == set(RADIO_FAULT_CODES)  # every kind of radio fault
    assert clean.sha256 != default.sha256 and len(default.sha256) == 64
    assert shipped_profile_path("clean").is_file()
    assert "Cottage" in default.home_ssids  # saved, never in range


def test_a_profile_file_extends_a_shipped_one_and_replaces_top_level_keys(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: default\nname: mine\nseed: 5\ndraw: independent\n")
    profile = load_profile(path)
    assert (profile.name, profile.seed, profile.draw) == ("mine", 5, "independent")
    assert profile.radio_faults == load_profile("default").radio_faults


def _write(tmp_path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text("extends: clean\n" + text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "faults: {radio: [{rate: 1.5, type: wrong_psk, ssid: Parker-Home}]}",
            "faults.radio[0].rate: must be a number within 0..1",
        ),
        ("faults: {radio: [{rate: 0.1, type: melts, ssid: Parker-Home}]}", "faults.radio[0].type: must be one of"),
        (
            "faults: {radio: [{rate: 0.1, type: wrong_psk, ssid: Nowhere}]}",
            "'Nowhere' is not an access point of the home",
        ),
        ("faults: {radio: [{rate: 0.1, type: wrong_psk}]}", "faults.radio[0]: needs exactly one target"),
        ("faults: {radio: [{rate: 0.1, type: slow_association, ssid: Parker-Home}]}", "delay_s: must be seconds"),
        (
            "faults: {radio: [{rate: 0.1, type: out_of_range, ssids: [Moon]}]}",
            "['Moon'] are not access points of the home",
        ),
        (
            "faults: {radio: [{rate: 0.6, type: wrong_psk, ssid: Parker-Home}, {rate: 0.6, type: no_provisioner}]}",
            "faults.radio: the rates add up to 1.2",
        ),
        ("faults: {dss: [{rate: 0.1, kind: teleport}]}", "faults.dss[0]: kind must be one of"),
        ("faults: {dss: [{rate: 0.1, kind: http_5xx, status: [503, 404]}]}", "faults.dss[0]: status must be 500..599"),
        ("faults: {dss: [{rate: 0.1, kind: delay, operation: []}]}", "faults.dss[0].operation: an empty list"),
        ("seed: soon", "seed: must be an integer"),
        ("draw: sometimes", "draw: must be one of exact, independent"),
        ("limits: {run_s: -1}", "limits.run_s: must be a positive number of seconds"),
        ("colour: blue", "top level: unknown keys ['colour']"),
        ("home: {customers: []}", "home.customers: the customer's account (its saved networks) is missing"),
        (
            "home: {access_points: [{ssid: X}], customers: [{id: a, devices: '*', networks: []}]}",
            "home: access_points[0]",
        ),
    ],
)
def test_a_bad_entry_is_a_usage_error_naming_the_file_and_the_entry(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_profile(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unreadable_circular_and_unknown_profiles_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="cannot read the profile"):
        load_profile(tmp_path / "missing.yaml")
    loop = tmp_path / "loop.yaml"
    loop.write_text("extends: loop.yaml\n")
    with pytest.raises(UsageError, match="extends goes in a circle"):
        load_profile(loop)
    with pytest.raises(UsageError, match="no shipped profile 'fancy'"):
        shipped_profile_path("fancy")
    bad = tmp_path / "bad.yaml"
    bad.write_text("home: [unclosed\n")
    with pytest.raises(UsageError, match="not valid YAML"):
        load_profile(bad)


def test_expected_codes_follow_the_connect_timeout():
    faults = {f.type: f for f in load_profile("default").radio_faults}
    assert faults["slow_association"].expected_code(30.0) == "3:6:0:3"  # 45 s > 30 s: the join times out
    assert faults["slow_association"].expected_code(60.0) is None  # slow, but it joins
    assert faults["wrong_psk"].expected_code(30.0) == "3:2:0:1" and faults["wrong_psk"].target() == "Parker-Home-5G"
    assert faults["no_provisioner"].target() is None
