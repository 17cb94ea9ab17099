"""The count of requests a protocomm transport is serving, and the bounded wait on it."""

from __future__ import annotations

import threading

from wss.protocomm.in_flight import InFlight


def test_an_idle_transport_is_quiet_at_once():
    assert InFlight().wait_idle(0) is True


def test_the_wait_ends_at_its_deadline_while_a_request_is_served():
    in_flight = InFlight()
    with in_flight.serving():
        assert in_flight.wait_idle(0.05) is False
    assert in_flight.wait_idle(0) is True


def test_the_wait_ends_when_the_last_of_several_requests_is_answered():
    in_flight = InFlight()
    entered, release = threading.Barrier(3), threading.Event()

    def serve():
        with in_flight.serving():
            entered.wait(5)
            release.wait(5)

    workers = [threading.Thread(target=serve) for _ in range(2)]
    for worker in workers:
        worker.start()
    entered.wait(5)
    assert in_flight.wait_idle(0.02) is False
    release.set()
    assert in_flight.wait_idle(5) is True
    for worker in workers:
        worker.join(5)


def test_a_request_that_raises_is_still_counted_out():
    in_flight = InFlight()
    try:
        with in_flight.serving():
            raise ValueError("the handler failed")
    except ValueError:
        pass
    assert in_flight.wait_idle(0) is True
