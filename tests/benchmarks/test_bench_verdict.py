"""The noise-aware decision rule of wss.bench.verdict: a verdict only when the spread allows it.

Source: issue 17 ("Noise-aware verdicts"); the sign-test interval of a median.
"""

from __future__ import annotations

import pytest

from wss.bench.verdict import INCONCLUSIVE, MISSED, OK, decide, decide_with_more_rounds, median_interval


def test_the_interval_is_the_order_statistics_with_enough_coverage():
    assert median_interval([1.0, 2.0, 3.0, 4.0]) is None  # (min, max) of 4 covers 87.5 % < 90 %
    assert median_interval([5.0, 1.0, 4.0, 2.0, 3.0]) == (1.0, 5.0)  # 93.75 %
    ten = [float(x) for x in range(10)]
    assert median_interval(ten) == (1.0, 8.0)  # k = 2: 97.9 %; k = 3 would be 89 %
    assert median_interval(ten, confidence=0.8) == (2.0, 7.0)


def test_a_ratio_within_the_target_across_the_spread_is_ok():
    v = decide([1.01, 1.02, 1.00, 1.03, 1.01, 1.02, 1.00], 1.05)
    assert v.status == OK and v.interval == (1.00, 1.03) and v.rounds == 7
    assert v.text().startswith("ok (1.010x")


def test_a_ratio_above_the_target_across_the_spread_is_missed():
    v = decide([1.10, 1.12, 1.09, 1.11, 1.10], 1.05)
    assert v.status == MISSED and "MISSED" in v.text()


def test_one_run_that_straddles_the_target_is_inconclusive_not_missed():
    """The audit's case: SHA-256 1 MiB read 1.10x in one run and 1.01x in the next."""
    v = decide([1.01, 1.10, 1.02, 0.99, 1.08, 1.00, 1.04], 1.05)
    assert v.status == INCONCLUSIVE
    assert v.text().startswith("inconclusive at this load") and "interval 0.990-1.100x" in v.text()


def test_too_few_rounds_give_no_verdict_however_clear_the_median():
    for ratios in ([1.5], [1.0, 1.0, 1.0, 1.0]):
        v = decide(ratios, 1.05)
        assert v.status == INCONCLUSIVE and v.interval is None
        assert "too few rounds" in v.text()
    assert decide([], 1.05).text() == "no rounds"


def test_more_rounds_until_decided_and_no_more():
    """One outlier (1.2) keeps min..max across the target until 8 rounds allow k = 2."""
    ratios = [1.0, 1.2, 0.95]
    v = decide_with_more_rounds(ratios, 1.05, lambda: 1.01, max_rounds=20)
    assert v.status == OK and v.interval == (1.0, 1.01)
    assert len(ratios) == 8  # not one round more than needed


def test_more_rounds_stop_at_the_bound():
    ratios = [0.9, 1.2]
    calls = []

    def noisy() -> float:
        calls.append(1)
        return 0.9 if len(calls) % 2 else 1.2

    v = decide_with_more_rounds(ratios, 1.05, noisy, max_rounds=9)
    assert v.status == INCONCLUSIVE and len(ratios) == 9 and len(calls) == 7


@pytest.mark.parametrize("limit,status", [(1.05, OK), (0.5, MISSED), (1.011, INCONCLUSIVE)])
def test_the_limit_decides_against_the_same_rounds(limit, status):
    assert decide([1.0, 1.01, 1.02, 1.0, 1.01], limit).status == status
