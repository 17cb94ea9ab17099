"""End to end, the hardening findings: a slow DSS, a DSS that never lets go, concurrent runs
on one state folder, a DSS named by IPv6 address. Real local DSS (OpenSSL), mock radio."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from e2e_world import accounts, provision, provision_args

from wss.cli import main
from wss.cloud import DSSServer
from wss.compat import ProvisioneeState as S
from wss.platform import DevicePolicy
from wss.provisionee import Event
from wss.retry import FailureKind
from wss.store import ProvisioneeStore, open_locked

#: The `wss` command, in a fresh interpreter.
MAIN = "import sys; from wss.cli import main; sys.exit(main())"


def test_a_slow_dss_answer_is_cut_at_the_deadline_retried_then_reported(pki, tmp_path):
    """computeConfigurationData answers after 3 s, 4 times: with a 0.4 s response deadline
    each try ends in DeadlineExceeded, the policy retries it as a network error (3 times),
    the state is reported FAILURE, the DSS repeats it and the second round succeeds."""
    faults = [{"kind": "delay", "operation": "computeConfigurationData", "delay_s": 3.0, "count": 4}]
    started = time.monotonic()
    run = provision(pki, tmp_path, faults=faults, policy=DevicePolicy(dss_response_deadline_s=0.4))
    assert time.monotonic() - started < 4 * 0.4 + 6.0  # never the 4 x 3 s the DSS wanted
    assert run.result.succeeded
    assert [r.kind for r in run.result.retries] == [FailureKind.NETWORK] * 3
    assert {r.detail for r in run.result.retries} == {"DeadlineExceeded"}
    assert ("COMPUTE_CONFIGURATION", "FAILURE", "COMPUTE_CONFIGURATION", True) in run.reports()


def test_a_dss_that_repeats_every_state_ends_in_the_fallback(pki, tmp_path):
    faults = [{"kind": "repeat_state", "operation": "report"}]
    run = provision(pki, tmp_path, faults=faults, machine={"max_transitions": 10})
    assert run.result.reason is Event.ABORTED and "max_transitions" in (run.result.error or "")
    assert len(run.reports()) <= 11
    stored = run.stored()
    assert stored.softap_mode and not stored.wss_enabled


def test_a_run_on_a_locked_state_folder_stops_at_once_and_stores_nothing(pki, tmp_path, capsys):
    state = tmp_path / "state"
    state.mkdir()
    store_path = state / "provisionee.json"
    ProvisioneeStore.open(str(store_path)).set_state(S.DONE)
    before = store_path.read_bytes()
    with DSSServer(pki.folder, accounts()) as server, open_locked(str(store_path)):
        status = main(provision_args(tmp_path, pki, server) + ["--factory-reset"])
    err = capsys.readouterr().err
    assert status == 1 and len(err.strip().splitlines()) == 1
    assert "another process is using this state folder" in err
    assert store_path.read_bytes() == before


def test_three_concurrent_runs_on_one_state_folder(pki, tmp_path):
    """The review's race: three `wss provision --factory-reset` at once. One runs; the
    others are refused at once; the store ends DONE with WSS enabled, no temporaries."""
    with DSSServer(pki.folder, accounts()) as server:
        argv = provision_args(tmp_path, pki, server) + ["--factory-reset"]
        runs = [
            subprocess.Popen([sys.executable, "-c", MAIN, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(3)
        ]
        outcomes = [(run.wait(timeout=120), run.stderr.read().decode()) for run in runs if run.stderr]
    assert all(status == 0 or "another process is using this state folder" in err for status, err in outcomes)
    assert any(status == 0 for status, _ in outcomes)
    stored = ProvisioneeStore.open(str(tmp_path / "state" / "provisionee.json"))
    assert stored.state is S.DONE and stored.wss_enabled and not stored.softap_mode
    assert not [p for p in (tmp_path / "state").iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("dss_host", ["[::1]", "127.0.0.1"])
def test_a_dss_named_by_address(pki, tmp_path, capsys, dss_host):
    """``--dss [::1]:PORT``: the brackets are not part of the host; TLS checks the address
    against the certificate's iPAddress names (the dev PKI's DSS certificate has
    127.0.0.1 and ::1). The mock radio reaches every host at 127.0.0.1."""
    with DSSServer(pki.folder, accounts()) as server:
        status = main(provision_args(tmp_path, pki, server, dss_host))
    out = capsys.readouterr().out
    assert status == 0 and "result: DONE" in out
