"""The whole-run budget: transitions (enforced by the machine), wall time (by the runner's
injected clock) and credential pages. A DSS that keeps the device going round is obeyed
only so far; the run then aborts like any failure and falls back to SoftAP setup."""

from __future__ import annotations

import pytest
from fake_dss import HAPPY_NEXT, FakeDSS
from provisionee_world import make_compat, provision

from wss import deadlines
from wss.compat import ProvisioneeState as S
from wss.errors import RunBudgetExceeded
from wss.provisionee import Event, MachineOptions
from wss.provisionee.runner import WallTimeBudget

SAVED = [("HomeNet", "WPA_PSK", '"correct horse battery"')]
#: The DSS answers every COMPUTE_CONFIGURATION report with "COMPUTE_CONFIGURATION again".
REPEAT = {**HAPPY_NEXT, "COMPUTE_CONFIGURATION": "COMPUTE_CONFIGURATION"}
#: A run that makes more DSS requests than this was not bounded (the test fails instead of hanging).
RUNAWAY = 2000


class Bounded:
    """A DSS that refuses to serve a runaway device, and may make each request take time."""

    def __init__(self, dss: FakeDSS, clock=None, seconds_per_request: float = 0.0) -> None:
        self.dss, self.clock, self.seconds = dss, clock, seconds_per_request
        self.count = 0

    def __call__(self, request):
        self.count += 1
        assert self.count < RUNAWAY, "the device never stopped asking"
        if self.clock is not None:
            self.clock.now += self.seconds
        return self.dss(request)


def test_a_dss_repeating_a_state_for_ever_is_obeyed_max_transitions_times(clock):
    dss = FakeDSS(SAVED, next_states=REPEAT)
    served = Bounded(dss)
    result = provision(make_compat(served), clock, max_transitions=12)
    assert result.reason is Event.ABORTED and result.fall_back_to_softap
    assert "max_transitions" in result.error and "12 state transitions" in result.error
    moves = [entry for entry in result.transcript if not entry.stopped]
    assert len(moves) == 12
    assert result.final_state is S.COMPUTE_CONFIGURATION
    assert served.count < 40


def test_the_default_transition_budget_ends_the_380_request_loop(clock):
    """The review's finding: 380 requests in 56 s, without end. Now the default stops it."""
    dss = FakeDSS(SAVED, next_states=REPEAT)
    served = Bounded(dss)
    result = provision(make_compat(served), clock)
    assert "max_transitions" in result.error
    assert len([e for e in result.transcript if not e.stopped]) == deadlines.MAX_TRANSITIONS


def test_the_wall_time_budget_is_checked_before_every_action_with_the_injected_clock(clock):
    """Each DSS request takes 100 s of the fake clock: a 350 s budget allows a few."""
    dss = FakeDSS(SAVED, next_states=REPEAT)
    served = Bounded(dss, clock, seconds_per_request=100.0)
    result = provision(make_compat(served), clock, max_run_s=350.0)
    assert result.reason is Event.ABORTED and result.fall_back_to_softap
    assert "max_run_s" in result.error and "350 s" in result.error
    assert served.count == 4  # the 4th request ran past the budget; nothing after it
    assert result.elapsed_s >= 350.0


def test_a_budget_that_runs_out_after_done_is_stored_still_ends_in_done(clock):
    """The loop's bookkeeping (kill switch, stored state) is not refused: a terminal state
    is read and the task stops normally instead of aborting in DONE."""
    compat = make_compat(FakeDSS(SAVED))
    store_state = compat.ffs_set_wifi_provisionee_state

    def slow_store(state):
        store_state(state)
        if state is S.DONE:
            clock.now += 10_000

    compat.ffs_set_wifi_provisionee_state = slow_store
    result = provision(compat, clock, max_run_s=60.0)
    assert result.succeeded and result.reason is Event.TERMINAL and result.error is None
    assert result.elapsed_s > 60.0


def test_credential_pages_stop_at_max_credential_pages(clock):
    class Endless(FakeDSS):
        def _getWifiCredentials(self, body):
            page = super()._getWifiCredentials(body)
            page["allCredentialsReturned"] = False
            return page

    served = Bounded(Endless(SAVED))
    compat = make_compat(served)
    result = provision(compat, clock, max_credential_pages=3)
    assert len(served.dss.bodies("getWifiCredentials")) == 3
    assert any("stopped after 3 pages" in message for _, message in compat.logs)
    assert result.succeeded  # what the three pages carried is used


def test_wall_time_budget_answers_none_while_time_is_left():
    now = [10.0]
    budget = WallTimeBudget(5.0, lambda: now[0])
    assert budget() is None
    now[0] = 15.0
    spent = budget()
    assert isinstance(spent, RunBudgetExceeded) and spent.limit == "max_run_s" and spent.value == 5.0


def test_the_transition_budget_needs_no_clock(clock):
    """The machine counts its own transitions: with no wall-time budget at all (the runner
    checks nothing), it still stops."""
    served = Bounded(FakeDSS(SAVED, next_states=REPEAT))
    result = provision(make_compat(served), clock, max_run_s=None, max_transitions=5)
    assert "max_transitions" in result.error and result.reason is Event.ABORTED


@pytest.mark.parametrize(
    "options",
    [
        {"setup_network_port": 0},
        {"setup_network_port": 70000},
        {"default_port": -5},
        {"max_transitions": 0},
        {"max_run_s": 0},
        {"max_run_s": float("nan")},
        {"max_credential_pages": 0},
    ],
)
def test_machine_options_refuse_nonsense(options):
    with pytest.raises(ValueError):
        MachineOptions(**options)
