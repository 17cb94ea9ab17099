"""The protocomm core: endpoints, one session at a time, errors end the session.

Tested where the rules live (:class:`wss.protocomm.core.Protocomm`), with security 0 so
that the bodies are plain, and a manual clock for the idle rule.
"""

from __future__ import annotations

import pytest

from wss.protocomm import Protocomm, Security0, Security1
from wss.protocomm.core import EndpointKind
from wss.protocomm.errors import InvalidSession, MalformedMessage, ProtocommError, SessionBusy, Status, UnknownEndpoint

SEC0_CMD = b"R\x03\xa2\x01\x00"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def core(clock=None, **kwargs) -> Protocomm:
    pc = Protocomm(Security0(), b'{"prov": {}}', clock=clock or Clock(), **kwargs)
    pc.add_endpoint("echo", lambda session_id, data: b"echo:" + data)
    return pc


def established(pc: Protocomm, session_id: int = 7) -> int:
    pc.open_session(session_id)
    pc.handle(session_id, "prov-session", SEC0_CMD)
    return session_id


def test_the_version_endpoint_answers_without_a_session():
    assert core().handle(0, "proto-ver", b"anything") == b'{"prov": {}}'


def test_a_secured_endpoint_needs_an_established_session():
    pc = core()
    with pytest.raises(InvalidSession, match="no open session"):
        pc.handle(1, "echo", b"x")
    pc.open_session(1)
    with pytest.raises(InvalidSession, match="prov-session first"):
        pc.handle(1, "echo", b"x")
    assert pc.session_id is None  # the error ended the session
    sid = established(pc)
    assert pc.session_established(sid) and pc.handle(sid, "echo", b"x") == b"echo:x"


def test_one_session_at_a_time_until_the_first_is_idle():
    clock = Clock()
    pc = core(clock, idle_s=60.0)
    established(pc, 1)
    with pytest.raises(SessionBusy) as refused:
        pc.open_session(2)
    assert refused.value.status is Status.TOO_MANY_SESSIONS
    pc.open_session(1)  # the same client: nothing changes
    assert pc.session_established(1)
    clock.now += 59.0
    pc.handle(1, "echo", b"still here")  # activity keeps it
    clock.now += 59.0
    with pytest.raises(SessionBusy):
        pc.open_session(2)
    clock.now += 1.0
    pc.open_session(2)  # 60 s of silence: replaced
    assert pc.session_id == 2 and not pc.session_established(2)
    with pytest.raises(InvalidSession):
        pc.handle(1, "echo", b"x")


def test_closing_a_session_frees_the_slot():
    pc = core()
    established(pc, 1)
    pc.close_session(99)  # not the current one: nothing happens
    assert pc.session_id == 1
    pc.close_session(1)
    pc.open_session(2)
    assert pc.session_id == 2


def test_errors_name_the_endpoint_and_end_the_session():
    pc = core()
    sid = established(pc)
    with pytest.raises(UnknownEndpoint, match="nowhere"):
        pc.handle(sid, "nowhere", b"x")
    assert pc.session_id == sid  # an unknown endpoint is not the session's fault
    with pytest.raises(InvalidSession, match="prov-session: unexpected"):
        pc.handle(sid, "prov-session", SEC0_CMD)
    assert pc.session_id is None
    pc.open_session(sid)
    with pytest.raises(MalformedMessage, match="SessionData"):
        pc.handle(sid, "prov-session", b"\xff\xff")


def test_a_handler_that_fails_is_an_internal_error_not_a_crash():
    pc = core()

    def broken(session_id, data):
        raise KeyError("bug")

    pc.add_endpoint("broken", broken)
    sid = established(pc)
    with pytest.raises(ProtocommError) as failed:
        pc.handle(sid, "broken", b"x")
    assert failed.value.status is Status.INTERNAL_ERROR and "KeyError" in str(failed.value)
    assert pc.session_id is None


def test_endpoint_names_and_kinds():
    pc = core()
    assert pc.endpoints() == {
        "proto-ver": EndpointKind.VERSION,
        "prov-session": EndpointKind.SESSION,
        "echo": EndpointKind.SECURED,
    }
    for bad in ("", "a" * 33, "with space", "slash/name", "proto-ver", "prov-session"):
        with pytest.raises(ValueError):
            pc.add_endpoint(bad, lambda s, d: d)
    pc.remove_endpoint("echo")
    pc.remove_endpoint("proto-ver")  # only secured endpoints go
    assert set(pc.endpoints()) == {"proto-ver", "prov-session"}
    with pytest.raises(ValueError):
        pc.open_session(2**32)
    with pytest.raises(ValueError):
        Protocomm(Security1("x"), idle_s=0)
