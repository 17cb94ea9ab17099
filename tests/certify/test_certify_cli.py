"""``wss certify``: exit 0 on PASS, 1 on FAIL, 2 (one line, nothing written) when the plan cannot run."""

from __future__ import annotations

import json

import pytest
from certify_world import CUSTOMER_ID

from wss.cli import main


@pytest.fixture
def base(pki, tmp_path):
    return [
        "certify",
        "--pki",
        str(pki.folder),
        "--customer-id",
        CUSTOMER_ID,
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
    ]


def test_a_passing_plan_exits_0_and_writes_the_report(base, tmp_path, capsys):
    assert main(base + ["--profile", "clean", "--runs", "4", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS: 4/4 runs provisioned (100.0%, Wilson 95 % [51.0%, 100.0%]")
    assert "the lower bound does not clear 95%" in out and "report:" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"]["result"] == "PASS" and report["plan"]["workers"] == 2 and report["plan"]["hal"] == "mock"
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"report.json", "report.html", "barcode.png"}


def test_a_failing_plan_exits_1_and_lists_each_failed_run(base, tmp_path, capsys):
    profile = tmp_path / "no-echo.yaml"
    profile.write_text("extends: clean\nfaults: {radio: [{rate: 0.5, type: no_provisioner}]}\n")
    assert main(base + ["--profile", str(profile), "--runs", "4", "--seed", "3"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL: 2/4 runs provisioned") and "success rate 50.0% (2/4) is below 95%" in out
    assert out.count("could not join the fallback setup network b'simple_setup'; faults: radio no_provisioner") == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--customer-id", "has space"], "--customer-id must be 1-64 printable ASCII characters"),
        (["--profile", "nowhere.yaml"], "nowhere.yaml: cannot read the profile"),
        (["--hal", "nosuch"], "--hal nosuch: unknown driver 'nosuch'"),
        (["--hal-option", "colour=blue"], "WifiDriverMock has no option 'colour'"),
        (["--hal-option", "environment=home.yaml"], "--hal-option environment: the plan sets it for each run"),
        (["--dss", "dss.example:8443"], "--dss and --dss-transcript go together"),
        (["--hal", "nl80211", "--hal-option", "iface=wlan9"], "takes no radio environment, so the radio faults"),
        (
            ["--hal", "nl80211", "--hal-option", "iface=wlan9", "--profile", "clean", "--workers", "2"],
            "--workers must be 1",
        ),
        (
            ["--hal", "nl80211", "--hal-option", "iface=wlan9", "--profile", "clean"],
            "give the DSS they reach with --dss",
        ),
    ],
)
def test_a_plan_that_cannot_run_exits_2_with_one_line_and_writes_nothing(base, tmp_path, capsys, extra, message):
    assert main(base + extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("wss certify: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_bad_barcode_scan_is_a_usage_error(base, tmp_path, capsys):
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"not an image")
    assert main(base + ["--barcode-image", str(scan)]) == 2
    assert "scan.png" in capsys.readouterr().err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("extra", [["--runs", "0"], ["--workers", "65"], ["--plan", "half"], ["--seed", "-1"]])
def test_malformed_numbers_are_refused_while_parsing(base, tmp_path, capsys, extra):
    with pytest.raises(SystemExit) as caught:
        main(base + extra)
    assert caught.value.code == 2 and not (tmp_path / "out").exists()
    assert capsys.readouterr().err.count("\n") == 1


def test_no_progress_bar_off_a_terminal_and_one_when_asked(pki, tmp_path, capsys, run_plan):
    args = ["certify", "--pki", str(pki.folder), "--customer-id", CUSTOMER_ID, "--out", str(tmp_path / "a")]
    assert main(args + ["--profile", "clean", "--runs", "2"]) == 0
    assert capsys.readouterr().err == ""  # standard error is not a terminal here
    run_plan("clean", runs=2, workers=1, progress=True, out=tmp_path / "b")
    assert "2/2" in capsys.readouterr().err  # tqdm's bar: "wss certify: 100%|...| 2/2 [...]"
