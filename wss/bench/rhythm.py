"""Fair timing: every column measured in the same rhythm.

A benchmark column is a :class:`Subject`: asked for ``count`` samples after ``warmup``
untimed operations, it does the warm-up immediately before its timed samples. Rounds go
through every column, in an order rotated each round (no column always first, none always
right after another's burst), each with the same warm-up and the same number of samples;
the ratio between two columns is then taken per round (:func:`round_ratios`), so that a
change of machine load between rounds cancels out of each ratio.

Why the warm-up belongs to the round: a column that sits idle while the others run (a
floor program in its own process waiting on its pipe) would otherwise pay a cold start
(caches, branch predictors, a CPU frequency ramp, the scheduler waking it) in its first
timed operation that the column run just before it does not: the TLS floor looked 15 %
slower than wss that way, while paired and on CPU time they are equal (issue 17).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Protocol, Sequence


@dataclass(frozen=True)
class Sample:
    """One timed operation (or batch): wall time and, where measured, CPU time, in the
    unit its subject uses (ms for TLS, ns/op for crypto batches)."""

    wall: float
    cpu: Optional[float] = None


class Subject(Protocol):
    """A column of a benchmark."""

    def measure(self, warmup: int, count: int) -> List[Sample]:
        """``warmup`` untimed operations, then ``count`` timed ones: their samples."""
        ...


#: Per round, per column: that round's samples.
Rounds = Dict[str, List[List[Sample]]]


def order(names: Sequence[str], round_index: int) -> List[str]:
    """The columns' order in round ``round_index``: rotated by one each round."""
    k = round_index % len(names) if names else 0
    return list(names[k:]) + list(names[:k])


def interleave(
    subjects: Mapping[str, Subject], rounds: int, count: int, warmup: int = 1, into: Optional[Rounds] = None
) -> Rounds:
    """Measure every subject in ``rounds`` rounds of the same rhythm (module docstring).

    Args:
        subjects: the columns by name.
        rounds: how many rounds.
        count: timed samples per column and round.
        warmup: untimed operations just before each column's samples in each round.
        into: earlier rounds to continue (their count sets the rotation).
    Returns:
        ``{name: [samples of round 0, samples of round 1, ...]}``.
    """
    out: Rounds = into if into is not None else {name: [] for name in subjects}
    names = list(subjects)
    start = len(next(iter(out.values()), []))
    for r in range(start, start + rounds):
        for name in order(names, r):
            out[name].append(subjects[name].measure(warmup, count))
    return out


def round_ratios(
    ours: Sequence[Sequence[Sample]],
    reference: Sequence[Sequence[Sample]],
    what: str = "wall",
    statistic: Callable[[List[float]], float] = statistics.median,
) -> List[float]:
    """Per round: ``statistic(ours) / statistic(reference)`` of that round's samples
    (``what``: ``"wall"`` or ``"cpu"``)."""
    ratios = []
    for mine, ref in zip(ours, reference):
        a = [getattr(s, what) for s in mine if getattr(s, what) is not None]
        b = [getattr(s, what) for s in ref if getattr(s, what) is not None]
        if a and b and statistic(b) > 0:
            ratios.append(statistic(a) / statistic(b))
    return ratios


def flatten(rounds: Sequence[Sequence[Sample]], what: str = "wall") -> List[float]:
    """All samples' ``what`` values, in time order."""
    return [getattr(s, what) for r in rounds for s in r if getattr(s, what) is not None]
