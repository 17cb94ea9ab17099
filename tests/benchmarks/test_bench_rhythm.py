"""The fair-timing rule of wss.bench.rhythm: every column in the same rhythm.

The artificial floor below does the same work as the column set against it, but pays a
cold start on its first operation after sitting idle while others ran (as the TLS floor
process did). Timed in the rhythm (one untimed operation just before each column's timed
ones, in every round), it must not look slower than a column that does strictly more work:
the ratio stays >= 1. Without the warm-up the artefact appears (ratio < 1), which shows
this test can fail. Source: issue 17 ("Fair timing").
"""

from __future__ import annotations

from typing import List

from wss.bench.rhythm import Sample, flatten, interleave, order, round_ratios


class FakeClock:
    """Simulated time: every operation advances it by its cost."""

    def __init__(self) -> None:
        self.now = 0.0


class Column:
    """One operation costs ``cost``; after idling longer than ``cold_after`` it costs
    ``cold_penalty`` more (caches, CPU frequency, a woken process)."""

    def __init__(self, clock: FakeClock, cost: float, cold_penalty: float = 0.0, cold_after: float = 5.0) -> None:
        self.clock, self.cost, self.penalty, self.cold_after = clock, cost, cold_penalty, cold_after
        self.last = -1e9

    def _op(self) -> float:
        cost = self.cost + (self.penalty if self.clock.now - self.last > self.cold_after else 0.0)
        self.clock.now += cost
        self.last = self.clock.now
        return cost

    def measure(self, warmup: int, count: int) -> List[Sample]:
        for _ in range(warmup):
            self._op()
        return [Sample(self._op(), self.cost) for _ in range(count)]


def _columns():
    clock = FakeClock()
    return {
        "wss": Column(clock, cost=10.1),  # the floor's work plus a Python layer
        "peer": Column(clock, cost=30.0),  # a slow peer keeps the floor idle
        "floor": Column(clock, cost=10.0, cold_penalty=3.0),
    }


def test_a_floor_with_a_cold_start_does_not_give_a_ratio_below_one():
    taken = interleave(_columns(), rounds=7, count=1, warmup=1)
    ratios = round_ratios(taken["wss"], taken["floor"])
    assert len(ratios) == 7
    assert min(ratios) >= 1.0
    assert abs(max(ratios) - 1.01) < 1e-9


def test_without_the_warm_up_the_cold_start_shows_as_an_artefact():
    taken = interleave(_columns(), rounds=7, count=1, warmup=0)
    assert max(round_ratios(taken["wss"], taken["floor"])) < 1.0


def test_cpu_time_is_paired_the_same_way():
    taken = interleave(_columns(), rounds=3, count=2, warmup=1)
    assert round_ratios(taken["wss"], taken["floor"], "cpu") == [1.01, 1.01, 1.01]


def test_rounds_rotate_the_order_and_continue_where_they_stopped():
    assert [order(["a", "b", "c"], r) for r in range(4)] == [
        ["a", "b", "c"],
        ["b", "c", "a"],
        ["c", "a", "b"],
        ["a", "b", "c"],
    ]
    seen: List[str] = []

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name = name

        def measure(self, warmup: int, count: int) -> List[Sample]:
            seen.append(self.name)
            return [Sample(1.0)] * count

    subjects = {n: Recorder(n) for n in "ab"}
    taken = interleave(subjects, 1, 2)
    interleave(subjects, 1, 2, into=taken)
    assert seen == ["a", "b", "b", "a"]
    assert len(taken["a"]) == 2 and flatten(taken["a"]) == [1.0] * 4
