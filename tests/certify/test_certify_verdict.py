"""The verdict: Wilson intervals against published values, and what makes a plan fail."""

from __future__ import annotations

import pytest

from wss.certify.verdict import Violation, decide, wilson_interval


@pytest.mark.parametrize(
    ("successes", "runs", "low", "high"),
    [  # R. G. Newcombe, Statistics in Medicine 17 (1998) 857-872, Table I, method 3 (Wilson)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_bounds_match_newcombes_table(successes, runs, low, high):
    got = wilson_interval(successes, runs)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_bounds_stay_in_range_and_are_exact_at_the_ends():
    assert wilson_interval(29, 29)[1] == 1.0 and wilson_interval(0, 29)[0] == 0.0
    low, high = wilson_interval(95, 100)
    assert low < 0.95 < high and 0 < low < high < 1
    assert wilson_interval(950, 1000)[1] - wilson_interval(950, 1000)[0] < high - low  # narrows with n
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_a_rate_of_95_percent_passes_but_its_lower_bound_does_not():
    verdict = decide("full", 95, 100, [], True)
    assert verdict.passed and verdict.rate_passes and not verdict.lower_bound_passes and verdict.reasons == ()
    assert decide("full", 990, 1000, [], True).lower_bound_passes


def test_a_rate_below_95_percent_fails():
    verdict = decide("full", 94, 100, [], True)
    assert not verdict.passed and verdict.reasons == ("success rate 94.0% (94/100) is below 95%",)


def test_a_plan_failing_violation_or_a_bad_barcode_fails_whatever_the_rate():
    tls = decide("full", 100, 100, [Violation(7, "tls", "EMS was not negotiated")], True)
    assert not tls.passed and tls.reasons == ("tls requirement broken in run(s) 7",)
    barcode = decide("full", 100, 100, [], False)
    assert not barcode.passed and barcode.reasons == ("the barcode group failed",)


def test_a_derivative_plan_needs_every_run():
    assert decide("derivative", 10, 10, [], True).passed
    failed = decide("derivative", 9, 10, [], True)
    assert not failed.passed and "every run (derivative plan)" in failed.reasons[0]
