"""The guide's retry policy as decisions, and executed with an injected sleep and clock."""

from __future__ import annotations

import pytest

from wss.compat import HttpResponse
from wss.errors import ConnectionReset, PeerProtocolError, TLSError, TransportTimeout
from wss.retry import FailureKind, RetryPolicy


class Script:
    """Plays a list of outcomes: an exception instance is raised, an int is a status."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> HttpResponse:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return HttpResponse(outcome)


def policy(sleeps, jitter=lambda: 0.5):
    return RetryPolicy(sleep=sleeps.append, clock=lambda: 0.0, jitter=jitter)


def test_network_errors_back_off_2_4_8_then_give_up():
    decisions = [RetryPolicy().decide(FailureKind.NETWORK, n) for n in (1, 2, 3, 4)]
    assert [(d.retry, d.delay_s) for d in decisions] == [(True, 2.0), (True, 4.0), (True, 8.0), (False, 0.0)]


@pytest.mark.parametrize("fraction, delay", [(0.0, 2.0), (0.5, 3.5), (1.0, 5.0)])
def test_server_errors_wait_2_to_5_seconds(fraction, delay):
    decision = RetryPolicy(jitter=lambda: fraction).decide(FailureKind.SERVER, 1)
    assert decision.retry and decision.delay_s == delay
    assert not RetryPolicy(jitter=lambda: fraction).decide(FailureKind.SERVER, 4).retry


def test_client_errors_are_never_retried():
    assert not RetryPolicy().decide(FailureKind.CLIENT, 1).retry


def test_classification():
    assert RetryPolicy.classify_status(500) is FailureKind.SERVER
    assert RetryPolicy.classify_status(599) is FailureKind.SERVER
    assert RetryPolicy.classify_status(404) is FailureKind.CLIENT
    assert RetryPolicy.classify_status(200) is None and RetryPolicy.classify_status(308) is None
    assert RetryPolicy.classify_error(TransportTimeout("t")) is FailureKind.NETWORK
    assert RetryPolicy.classify_error(TLSError("handshake")) is None


def test_execute_retries_network_errors_and_succeeds():
    sleeps = []
    script = Script(ConnectionReset("r"), TransportTimeout("t"), 200)
    assert policy(sleeps).execute(script).status == 200
    assert sleeps == [2.0, 4.0] and script.calls == 3


def test_execute_gives_up_after_three_network_retries():
    sleeps = []
    script = Script(*[ConnectionReset("r")] * 5)
    with pytest.raises(ConnectionReset):
        policy(sleeps).execute(script)
    assert script.calls == 4 and sleeps == [2.0, 4.0, 8.0]


def test_execute_retries_5xx_three_times_then_returns_the_last_answer():
    sleeps, records = [], []
    script = Script(500, 502, 503, 504, 200)
    assert policy(sleeps).execute(script, records.append).status == 504
    assert script.calls == 4 and sleeps == [3.5, 3.5, 3.5]
    assert [(r.kind, r.failures, r.detail) for r in records] == [
        (FailureKind.SERVER, 1, "500"),
        (FailureKind.SERVER, 2, "502"),
        (FailureKind.SERVER, 3, "503"),
    ]


def test_execute_never_retries_4xx_or_non_network_errors():
    sleeps = []
    script = Script(400, 200)
    assert policy(sleeps).execute(script).status == 400 and script.calls == 1
    with pytest.raises(PeerProtocolError):
        policy(sleeps).execute(Script(PeerProtocolError("bad")))
    assert sleeps == []


def test_network_and_server_budgets_are_separate():
    sleeps = []
    script = Script(ConnectionReset("r"), 503, ConnectionReset("r"), 500, 200)
    assert policy(sleeps, jitter=lambda: 0.0).execute(script).status == 200
    assert sleeps == [2.0, 2.0, 4.0, 2.0]


def test_bad_jitter_and_arguments_are_refused():
    with pytest.raises(ValueError):
        RetryPolicy(jitter=lambda: 1.5).decide(FailureKind.SERVER, 1)
    with pytest.raises(ValueError):
        RetryPolicy(server_min_delay_s=6, server_max_delay_s=5)
    with pytest.raises(ValueError):
        RetryPolicy().decide(FailureKind.NETWORK, 0)
