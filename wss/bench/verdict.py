"""Noise-aware verdicts: judge a ratio against a target only when its spread allows it.

Each round of a benchmark gives one paired ratio (ours / reference, both timed in that
round). The verdict looks at the distribution-free confidence interval of the median of
those ratios (order statistics of a Binomial(n, 1/2); e.g. min..max over 7 rounds is a
98 % interval): the whole interval at or under the limit is ``ok``, wholly over it is
``missed``; otherwise, or with too few rounds for the confidence asked, the verdict is
``inconclusive`` and says the spread. :func:`decide_with_more_rounds` adds rounds, up to
a bound, until a verdict can be given. Source: the sign-test interval for a median
(e.g. Conover, *Practical Nonparametric Statistics*, §3.2); issue 17.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from math import comb
from typing import Callable, List, Optional, Sequence, Tuple

#: The confidence of the interval a verdict needs.
CONFIDENCE = 0.9
OK, MISSED, INCONCLUSIVE = "ok", "missed", "inconclusive"


def median_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Optional[Tuple[float, float]]:
    """The narrowest order-statistic interval that covers the median with ``confidence``.

    Returns ``(x_(k), x_(n-k+1))`` for the largest ``k`` whose coverage
    ``1 - 2 P(Binomial(n, 1/2) <= k - 1)`` is at least ``confidence``; None when even
    ``(min, max)`` covers less (fewer than 5 values at 90 %).
    """
    xs, n = sorted(values), len(values)
    best = None
    for k in range(1, n // 2 + 1):
        tail = sum(comb(n, i) for i in range(k)) / 2**n
        if 1 - 2 * tail < confidence:
            break
        best = (xs[k - 1], xs[n - k])
    return best


@dataclass(frozen=True)
class Verdict:
    """A ratio judged against ``ratio <= limit``.

    Attributes:
        status: :data:`OK`, :data:`MISSED` or :data:`INCONCLUSIVE`.
        median: the median ratio over the rounds (None without rounds).
        interval: its confidence interval (None: too few rounds).
        rounds: how many ratios it saw.
        limit: the target.
    """

    status: str
    median: Optional[float]
    interval: Optional[Tuple[float, float]]
    rounds: int
    limit: float

    def text(self, ok: str = "ok", missed: str = "MISSED") -> str:
        """One line: the verdict, the median ratio and its spread."""
        if self.median is None:
            return "no rounds"
        spread = (
            f"{CONFIDENCE:.0%} interval {self.interval[0]:.3f}-{self.interval[1]:.3f}x"
            if self.interval
            else "too few rounds for an interval"
        )
        head = {OK: ok, MISSED: missed, INCONCLUSIVE: "inconclusive at this load"}[self.status]
        return f"{head} ({self.median:.3f}x, {spread} over {self.rounds} rounds; target <= {self.limit:g}x)"

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "median": self.median,
            "interval": list(self.interval) if self.interval else None,
            "confidence": CONFIDENCE,
            "rounds": self.rounds,
            "limit": self.limit,
        }


def decide(ratios: Sequence[float], limit: float, confidence: float = CONFIDENCE) -> Verdict:
    """Judge ``ratio <= limit`` from one paired ratio per round (see the module docstring)."""
    if not ratios:
        return Verdict(INCONCLUSIVE, None, None, 0, limit)
    interval = median_interval(ratios, confidence)
    median = statistics.median(ratios)
    if interval is None:
        status = INCONCLUSIVE
    elif interval[1] <= limit:
        status = OK
    elif interval[0] > limit:
        status = MISSED
    else:
        status = INCONCLUSIVE
    return Verdict(status, median, interval, len(ratios), limit)


def decide_with_more_rounds(
    ratios: List[float], limit: float, one_more_round: Callable[[], float], max_rounds: int
) -> Verdict:
    """:func:`decide`, measuring one more round (appended to ``ratios``) while the verdict is
    inconclusive and fewer than ``max_rounds`` rounds were made."""
    verdict = decide(ratios, limit)
    while verdict.status == INCONCLUSIVE and len(ratios) < max_rounds:
        ratios.append(one_more_round())
        verdict = decide(ratios, limit)
    return verdict
