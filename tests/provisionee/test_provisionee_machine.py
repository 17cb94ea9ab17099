"""The sans-IO machine itself: the transition table as data, actions, start/send/throw."""

from __future__ import annotations

import itertools

import pytest

from wss.compat import ConfigKey, DSSClientBuffers, FfsResult
from wss.compat import ProvisioneeState as S
from wss.errors import CompatError, LocalProtocolError
from wss.provisionee import Event, ProvisioneeMachine
from wss.provisionee import actions as A
from wss.provisionee.handlers import HANDLERS
from wss.provisionee.states import ACTIVE_STATES, ROWS, TERMINAL_STATES, TRANSITIONS, MissingTransition, Target, lookup


def test_every_state_has_a_handler():
    assert set(HANDLERS) == set(S) and len(HANDLERS) == 12


def test_every_row_cites_the_protocol():
    assert all(row.source.startswith("§") for row in ROWS)
    assert len(TRANSITIONS) == len(ROWS)  # no duplicate (state, event) pairs


def test_documented_table_is_generated_from_the_rows():
    from wss.provisionee.states import describe

    text = describe().splitlines()
    assert len(text) == len(ROWS) + 2
    assert "| GET_WIFI_LIST | reported | from report | §6.2 'from report' |" in text


def test_missing_pairs_raise_and_name_the_event_and_state():
    allowed = set(TRANSITIONS)
    for state, event in itertools.product(S, Event):
        if (state, event) in allowed:
            assert lookup(state, event).state is state
            continue
        with pytest.raises(MissingTransition, match=f"{event.name}.*{state.name}"):
            lookup(state, event)
    assert issubclass(MissingTransition, LocalProtocolError)


def test_table_shape():
    assert lookup(S.NOT_PROVISIONED, Event.STARTED).target is S.CONNECTING_TO_SETUP_NETWORK
    assert lookup(S.CONNECTING_TO_SETUP_NETWORK, Event.SETUP_NETWORK_JOINED).target is S.START_PROVISIONING
    assert lookup(S.GET_WIFI_LIST, Event.REPORTED).target is Target.FROM_REPORT
    for state in ACTIVE_STATES:
        assert lookup(state, Event.CLIENT_STOPPED).target is Target.STOP
        assert lookup(state, Event.ABORTED).target is Target.STOP
    for state in TERMINAL_STATES:
        assert [event for (s, event) in TRANSITIONS if s is state] == [Event.TERMINAL]
    assert {s for (s, e) in TRANSITIONS if e is Event.CLOUD_DECLINED} == {S.START_PROVISIONING, S.START_PIN_BASED_SETUP}


def test_task_start_actions_in_order():
    machine = ProvisioneeMachine()
    assert machine.start() == A.GetDSSClientBuffers()
    assert machine.send(DSSClientBuffers()) == A.GetConfigurationValue(ConfigKey.DSS_HOST)
    assert machine.send((FfsResult.NOT_IMPLEMENTED, None)) == A.GetConfigurationValue(ConfigKey.DSS_PORT)
    assert machine.send((FfsResult.NOT_IMPLEMENTED, None)) == A.SetProvisioneeState(S.NOT_PROVISIONED)
    assert machine.send(None) == A.GetConfigurationValue(ConfigKey.DEVICE_EC_PUBLIC_KEY_DER)
    # no device key: the encoded network is skipped with a warning, the loop starts
    log = machine.send((FfsResult.NOT_IMPLEMENTED, None))
    assert isinstance(log, A.Log) and "encoded setup network unavailable" in log.message
    assert machine.send(None) == A.CanProceed()
    assert machine.send(True) == A.GetProvisioneeState()
    assert machine.send(S.NOT_PROVISIONED) == A.SetProvisioneeState(S.CONNECTING_TO_SETUP_NETWORK)
    transition = machine.send(None)
    assert isinstance(transition, A.Transition) and transition.event is Event.STARTED


def test_a_compat_error_thrown_in_aborts_and_the_machine_then_refuses_input():
    machine = ProvisioneeMachine()
    machine.start()
    stop = machine.throw(CompatError("no buffers"))
    assert isinstance(stop, A.Transition) and stop.stopped and stop.event is Event.ABORTED
    finished = machine.send(None)
    assert isinstance(finished, A.Finished)
    assert finished.outcome.reason is Event.ABORTED and finished.outcome.fall_back_to_softap
    assert machine.outcome is finished.outcome
    with pytest.raises(LocalProtocolError):
        machine.send(None)


def test_start_twice_or_send_before_start_is_refused():
    machine = ProvisioneeMachine()
    with pytest.raises(LocalProtocolError):
        machine.send(None)
    machine.start()
    with pytest.raises(LocalProtocolError):
        machine.start()


def test_unknown_stored_state_aborts():
    machine = ProvisioneeMachine()
    machine.start()
    for answer in (
        DSSClientBuffers(),
        (FfsResult.NOT_IMPLEMENTED, None),
        (FfsResult.NOT_IMPLEMENTED, None),
        None,
        (FfsResult.NOT_IMPLEMENTED, None),
        None,
        True,
    ):
        action = machine.send(answer)
    assert action == A.GetProvisioneeState()
    stop = machine.send(42)
    assert stop.stopped and stop.event is Event.ABORTED


def test_actions_map_to_compat_methods_and_hide_secrets():
    from wss.compat import Compat

    names = {
        cls.METHOD for cls in vars(A).values() if isinstance(cls, type) and issubclass(cls, A.Action) and cls.METHOD
    }
    assert names <= set(Compat.__abstractmethods__)
    assert "s3cret" not in repr(A.HmacSha256(b"s3cret", b"s3cret"))
    assert "s3cret" not in repr(A.SetConfigurationValue("FFS.SessionToken", "s3cret"))
    assert A.CanPostWifiScanData(2, 1, False).arguments() == (2, 1, False)
