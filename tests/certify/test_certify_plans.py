"""Whole plans on the mock radio against the local DSS, in this process (small N).

Every run goes through ``wss.provision`` over real mutual TLS (mbedTLS on the device,
OpenSSL in the DSS) with real signatures; the checks read the DSS's transcript and the
radio's events.
"""

from __future__ import annotations

import json
import re
import ssl
from pathlib import Path

import pytest
from certify_world import CUSTOMER_ID
from faulty_compat import ForgetsTheFallback, PostsAnUnseenSSID

from wss.certify.certification import RemoteDSSSpec
from wss.certify.checks import STANDARD_CODES
from wss.certify.observe import DSS_HOST
from wss.certify.profile import load_profile
from wss.certify.report import SECTIONS
from wss.cloud import DSSServer

#: The fault of the default profile each code must come from.
CODE_FAULTS = {
    "3:1:0:1": "radio out_of_range@",
    "3:2:0:1": "radio wrong_psk@",
    "3:4:0:1": "radio captive_portal@",
    "3:5:0:1": "radio limited_connectivity@",
    "3:6:0:3": "radio slow_association@",
    "3:16:0:1": "radio ap_vanishes@",
    "3:3:0:1": "radio chip_error@",
    "99:1:0:99": "DSS bad_signature@report",
}
#: OpenSSL 3's SSL_OP_NO_EXTENDED_MASTER_SECRET (ssl.h: SSL_OP_BIT(0)); Python's ssl has no name for it.
OP_NO_EXTENDED_MASTER_SECRET = 1 << 0


def failed_runs(certification):
    return [(r.index, r.faults, r.cause) for r in certification.records if not r.succeeded]


def test_a_seeded_plan_reproduces_its_verdict_and_its_failed_runs(run_plan, tmp_path):
    first = run_plan("default", runs=16, seed=7, workers=2, out=tmp_path / "a")
    again = run_plan("default", runs=16, seed=7, workers=1, out=tmp_path / "b")
    other = run_plan("default", runs=16, seed=8, workers=2, out=tmp_path / "c")
    assert failed_runs(first)  # the default profile has fatal faults: some runs fail
    assert first.verdict.to_json() == again.verdict.to_json()
    assert failed_runs(first) == failed_runs(again)
    assert [r.faults for r in first.records] == [r.faults for r in again.records]
    assert [r.faults for r in first.records] != [r.faults for r in other.records]  # the seed matters


def test_the_default_profile_makes_every_code_arise_from_its_fault(run_plan):
    certification = run_plan("default", runs=30)
    rows = {row["code"]: row for row in certification.document["error_codes"]}
    assert list(rows) == list(STANDARD_CODES)
    for code, fault in CODE_FAULTS.items():
        assert rows[code]["runs"] >= 1, f"{code} never arose"
        assert all(label.startswith(fault) for label in rows[code]["faults"]), rows[code]
    assert rows["99:1:0:99"]["sources"] == ["run error"]  # it stops the device: never on an attempt
    assert rows["3:2:0:1"]["sources"] == ["attempt"] and rows["3:2:0:1"]["recovered"] >= 1
    for record in certification.records:  # no check found anything: each fault did what it should
        assert record.findings == (), (record.index, record.findings)


def test_the_html_report_has_every_section_and_the_guide_fields(run_plan, tmp_path):
    certification = run_plan("default", runs=12, out=tmp_path / "report")
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    for section, title in SECTIONS:
        assert f'<section id="{section}"><h2>{title}</h2>' in page
    assert CUSTOMER_ID in page and "Number of tests executed" in page
    fields = json.loads((tmp_path / "report" / "report.json").read_text())["guide_fields"]
    assert fields["customer_id"] == CUSTOMER_ID and fields["tests_executed"] == 12
    assert (
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", fields["start_utc"])
        and fields["end_utc"] >= fields["start_utc"]
    )
    assert fields["barcode"]["value"] == certification.barcodes[0].value and fields["barcode"]["module_mm"] > 0
    assert page.count("data:image/png;base64,") == 5  # four plots and the barcode, embedded
    assert not re.search(r'(src|href)="(?!data:)', page)  # self-contained: nothing fetched
    assert (tmp_path / "report" / "barcode.png").read_bytes() == certification.barcodes[0].png


def test_a_device_that_posts_an_unseen_ssid_fails_the_plan_and_the_run_is_named(run_plan):
    certification = run_plan("clean", runs=5, workers=1, observe=PostsAnUnseenSSID(3, b"Cottage"))
    verdict = certification.verdict
    assert not verdict.passed and verdict.successes == 4
    vicinity = [v for v in verdict.violations if v.requirement == "vicinity"]
    assert {v.run for v in vicinity} == {3}
    assert any("posted SSID 'Cottage'" in v.message for v in vicinity)
    assert any("vicinity requirement broken in run(s) 3" in reason for reason in verdict.reasons)
    assert certification.records[2].provisioned  # it did provision: the rule, not the outcome, failed it


def test_a_vicinity_break_fails_the_plan_whatever_the_rate(run_plan):
    certification = run_plan("clean", runs=20, workers=2, observe=PostsAnUnseenSSID(20, b"Cottage"))
    verdict = certification.verdict
    assert verdict.rate == 19 / 20 and verdict.rate_passes
    assert not verdict.passed and [v.requirement for v in verdict.violations][:1] == ["vicinity"]


def _remote_plan(run_plan, pki, tmp_path, tls_options: int, runs: int = 3):
    profile = load_profile("clean")
    transcript = tmp_path / "dss.jsonl"
    with DSSServer(pki.folder, dict(profile.accounts), transcript=str(transcript)) as server:
        server.tls_context.options |= tls_options
        remote = RemoteDSSSpec(DSS_HOST, server.port, server.setup_port, transcript)
        return run_plan(profile, runs=runs, workers=1, remote_dss=remote, out=tmp_path / "report")


def test_a_remote_dss_is_checked_through_its_transcript_file(run_plan, pki, tmp_path):
    certification = _remote_plan(run_plan, pki, tmp_path, 0)
    assert certification.verdict.passed and certification.verdict.successes == 3
    tls = certification.document["tls"]
    assert tls["handshakes"] == 6 and tls["ems_negotiated"] == 6 and tls["etm_offered"] == 6
    assert tls["sni"] == {DSS_HOST: 6} and tls["chain_lengths"] == {"4": 6}


@pytest.mark.skipif(ssl.OPENSSL_VERSION_INFO < (3, 0), reason="needs OpenSSL 3 (SSL_OP_NO_EXTENDED_MASTER_SECRET)")
def test_a_dss_that_negotiates_without_ems_is_a_tls_flow_failure(run_plan, pki, tmp_path):
    certification = _remote_plan(run_plan, pki, tmp_path, OP_NO_EXTENDED_MASTER_SECRET)
    verdict = certification.verdict
    assert all(r.provisioned and not r.succeeded for r in certification.records)
    assert not verdict.passed and {v.run for v in verdict.violations if v.requirement == "tls"} == {1, 2, 3}
    assert all("Extended Master Secret was not negotiated" in v.message for v in verdict.violations)
    assert certification.document["tls"]["ems_negotiated"] == 0


def test_a_failed_run_without_the_fallback_fails_the_plan(run_plan, tmp_path):
    profile = tmp_path / "no-echo.yaml"
    profile.write_text("extends: clean\nname: no-echo\nfaults: {radio: [{rate: 1.0, type: no_provisioner}]}\n")
    certification = run_plan(str(profile), runs=3, workers=1, observe=ForgetsTheFallback(2))
    verdict = certification.verdict
    assert verdict.successes == 0
    assert [(v.run, v.requirement) for v in verdict.violations] == [(2, "fallback")]
    assert "wss_enabled=True" in verdict.violations[0].message


def test_the_derivative_plan_is_the_barcode_group_and_every_run_passing(run_plan, tmp_path):
    certification = run_plan("clean", kind="derivative", runs=None, workers=2, original_device_type="A1ORIGINAL0TYPE")
    assert certification.verdict.kind == "derivative" and certification.verdict.runs == 10
    assert certification.verdict.passed and certification.verdict.barcode_passes
    assert certification.document["guide_fields"]["original_device_type"] == "A1ORIGINAL0TYPE"
    failing = tmp_path / "fatal.yaml"
    failing.write_text(
        "extends: clean\nname: fatal\nfaults: {dss: [{rate: 0.1, kind: cannot_proceed, operation: report}]}\n"
    )
    one_failure = run_plan(str(failing), kind="derivative", runs=10, out=tmp_path / "second")
    assert one_failure.verdict.successes == 9 and not one_failure.verdict.passed  # 90 %: every run must pass


def test_every_run_record_says_what_the_dss_saw(run_plan):
    certification = run_plan("clean", runs=2, workers=1)
    record = certification.records[0]
    assert record.succeeded and record.provisioned and record.device_says is True and record.findings == ()
    assert [h["listener"] for h in record.tls] == ["setup", "dss"]
    assert "Parker-Home" in record.posted and "Cottage" not in record.posted  # out of range: never posted
    assert record.phases["CONNECTING_TO_USER_NETWORK"] > 0 and "DONE" not in record.phases
    assert Path(certification.files[-1]).name == "report.html"
