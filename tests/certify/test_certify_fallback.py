"""Certify's fallback check, exercised: after a run that fell back, the SoftAP setup flow
starts on the run's (mock) driver and Espressif's esp_prov client sets the device up
through it; the report keeps what happened. A device whose SoftAP flow cannot start fails
the plan.

Source: provisionee certification guide (the non-WSS setup flow after a failure);
docs/certify.md ("The fallback check").
"""

from __future__ import annotations

import dataclasses
import json

import esp_prov_peer
import pytest
from certify_world import mock_driver

from hal.errors import InterfaceError
from hal.mock import WifiDriverMock
from wss.certify.profile import load_profile

NO_ECHO = "extends: clean\nname: no-echo\nfaults: {radio: [{rate: 1.0, type: no_provisioner}]}\n"


@pytest.fixture
def no_echo(tmp_path):
    path = tmp_path / "no-echo.yaml"
    path.write_text(NO_ECHO)
    return str(path)


def test_after_each_fallback_esp_prov_sets_the_device_up_over_the_softap(run_plan, no_echo, tmp_path):
    esp_prov_peer.load()
    certification = run_plan(no_echo, runs=2, workers=1)
    assert certification.verdict.successes == 0  # no Echo: WSS cannot set the device up
    for record in certification.records:
        softap = record.softap
        assert softap is not None and softap["exercised"] and softap["started"], softap
        assert softap["client"] == "esp_prov" and softap["service"] == "PROV_EA69FC"
        assert softap["tried"] == [{"ssid": "Parker-Home-5G", "status": "connected"}]
        assert softap["joined"] == "Parker-Home-5G" and softap["saved"] and softap["error"] is None
        assert not any(requirement == "fallback" for requirement, _ in record.findings)
    rows = {row["id"]: row for row in certification.document["requirements"]}
    assert rows["fallback"]["passed"]
    assert "the SoftAP setup flow started in 2 and set the device up in 2 (esp_prov)" in rows["fallback"]["detail"]
    failed = certification.document["failed_runs"]
    assert [r["softap"] for r in failed] == [
        "PROV_EA69FC: esp_prov set the device up on 'Parker-Home-5G' (security 1)"
    ] * 2
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["runs"][0]["softap"]["joined"] == "Parker-Home-5G"


def test_a_network_that_refuses_the_key_is_reset_and_the_next_one_joins(run_plan, no_echo):
    esp_prov_peer.load()
    base = load_profile(no_echo)
    stale = {"type": "wrong_psk", "ssid": "Parker-Home-5G"}  # the home's own fault: every run
    home = {**base.home, "faults": [*base.home.get("faults", []), stale]}
    certification = run_plan(dataclasses.replace(base, home=home), runs=1, workers=1)
    softap = certification.records[0].softap
    assert softap["tried"] == [
        {"ssid": "Parker-Home-5G", "status": "failed"},  # the key is refused: prov-ctrl reset, then the next
        {"ssid": "Parker-Home", "status": "connected"},
    ]
    assert softap["joined"] == "Parker-Home" and softap["saved"]


class NoSoftAP(WifiDriverMock):
    """A device whose radio fails to start its SoftAP."""

    def start_softap(self, config):
        raise InterfaceError("the radio refused AP mode")


def test_a_softap_flow_that_does_not_start_fails_the_plan(run_plan, no_echo):
    certification = run_plan(no_echo, runs=2, workers=1, make_driver=lambda offered: NoSoftAP(**offered))
    verdict = certification.verdict
    assert not verdict.passed
    assert [(v.run, v.requirement) for v in verdict.violations] == [(1, "fallback"), (2, "fallback")]
    assert all("the SoftAP setup flow did not start" in v.message for v in verdict.violations)
    assert "the radio refused AP mode" in verdict.violations[0].message
    assert certification.records[0].softap["started"] is False


def test_the_check_needs_the_mock_drivers_softap(run_plan, no_echo):
    """The same plan with the SoftAP capability off: the flow cannot start, the plan fails."""
    make = lambda offered: mock_driver({**offered, "capabilities": {"softap": False}})  # noqa: E731
    certification = run_plan(no_echo, runs=1, workers=1, make_driver=make)
    assert [v.requirement for v in certification.verdict.violations] == ["fallback"]
    assert "has no SoftAP" in certification.verdict.violations[0].message
