"""The verdict of a plan: the success rate with its Wilson interval, and the hard requirements.

The guide asks that a device provision in at least 95 % of test attempts. A plan of N
runs measures a rate; :func:`wilson_interval` gives its 95 % confidence interval (the
Wilson score interval, which stays inside 0..1 and behaves at rates near 1, where the
normal approximation does not). The plan passes the rate requirement when the measured
rate is at least 95 %; the report also says whether the interval's lower bound clears
95 % (then the rate is shown with 95 % confidence, which a short plan rarely can).

Some requirements are not rates: a run that breaks the TLS security flow, posts or asks
for an SSID it did not hear (the vicinity rule), or does not fall back to its non-WSS
setup flow after failing, fails the plan whatever the rate. So does a barcode that does
not decode to its value or lacks contrast.

Source: provisionee certification guide ("95% of testing attempts", TLS flow, SSIDs in
the immediate vicinity, the non-FFS setup flow, packaging barcode); E. B. Wilson,
"Probable inference, the law of succession, and statistical inference", JASA 22 (1927);
R. G. Newcombe, "Two-sided confidence intervals for the single proportion", Statistics in
Medicine 17 (1998), method 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

__all__ = ["Z_95", "THRESHOLD", "PLAN_FAILING", "wilson_interval", "Violation", "Verdict", "decide"]

#: The standard normal quantile for a two-sided 95 % interval.
Z_95 = 1.959963984540054
#: The success rate the guide requires.
THRESHOLD = 0.95
#: Requirements whose violation in any run fails the plan, whatever the rate.
PLAN_FAILING = ("tls", "vicinity", "fallback")


def wilson_interval(successes: int, runs: int, z: float = Z_95) -> Tuple[float, float]:
    """The Wilson score interval of a binomial proportion.

    Args:
        successes: runs that succeeded, 0..runs.
        runs: runs made, >= 1.
        z: the normal quantile (default: 95 % two-sided).
    Returns:
        (lower, upper), within 0..1.
    Raises:
        ValueError: ``runs`` < 1 or ``successes`` outside 0..runs.
    """
    if runs < 1 or not 0 <= successes <= runs:
        raise ValueError(f"need 0 <= successes <= runs and runs >= 1, got {successes}/{runs}")
    p = successes / runs
    z2 = z * z
    centre = (p + z2 / (2 * runs)) / (1 + z2 / runs)
    half = z * math.sqrt(p * (1 - p) / runs + z2 / (4 * runs * runs)) / (1 + z2 / runs)
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends, not 1e-17 off
    high = 1.0 if successes == runs else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Violation:
    """A run that broke a requirement which fails the whole plan.

    Attributes:
        run: the run's index.
        requirement: one of :data:`PLAN_FAILING`.
        message: what was seen (one line).
    """

    run: int
    requirement: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """How a plan ended.

    Attributes:
        kind: ``full`` or ``derivative``.
        runs: runs made.
        successes: runs that provisioned with every check passing.
        rate: successes / runs.
        interval: the Wilson 95 % interval of the rate.
        threshold: the rate required (0.95).
        rate_passes: the rate is at least the threshold.
        lower_bound_passes: the interval's lower bound is at least the threshold.
        violations: plan-failing requirement breaks, by run.
        barcode_passes: the barcode group passed (None: not part of this plan).
        passed: PASS or FAIL.
        reasons: why it failed (empty on PASS).
    """

    kind: str
    runs: int
    successes: int
    rate: float
    interval: Tuple[float, float]
    threshold: float
    rate_passes: bool
    lower_bound_passes: bool
    violations: Tuple[Violation, ...]
    barcode_passes: bool
    passed: bool
    reasons: Tuple[str, ...] = field(default=())

    def to_json(self) -> Dict[str, object]:
        """The verdict as JSON-ready values."""
        return {
            "kind": self.kind,
            "result": "PASS" if self.passed else "FAIL",
            "runs": self.runs,
            "successes": self.successes,
            "rate": self.rate,
            "wilson_95": list(self.interval),
            "threshold": self.threshold,
            "rate_passes": self.rate_passes,
            "lower_bound_passes": self.lower_bound_passes,
            "barcode_passes": self.barcode_passes,
            "violations": [v.__dict__ for v in self.violations],
            "reasons": list(self.reasons),
        }


def decide(
    kind: str,
    successes: int,
    runs: int,
    violations: List[Violation],
    barcode_passes: bool,
    threshold: float = THRESHOLD,
) -> Verdict:
    """The verdict of a plan.

    A ``full`` plan passes when the rate reaches ``threshold``, no run broke a
    plan-failing requirement and the barcode group passed. A ``derivative`` plan (one
    test case, repeated) needs every run to succeed.

    Raises:
        ValueError: as :func:`wilson_interval`.
    """
    low, high = wilson_interval(successes, runs)
    rate = successes / runs
    rate_passes = rate >= threshold if kind == "full" else successes == runs
    reasons: List[str] = []
    if not rate_passes:
        wanted = f"{threshold:.0%}" if kind == "full" else "every run (derivative plan)"
        reasons.append(f"success rate {rate:.1%} ({successes}/{runs}) is below {wanted}")
    for requirement in PLAN_FAILING:
        broken = sorted({v.run for v in violations if v.requirement == requirement})
        if broken:
            reasons.append(f"{requirement} requirement broken in run(s) {', '.join(map(str, broken))}")
    if not barcode_passes:
        reasons.append("the barcode group failed")
    return Verdict(
        kind,
        runs,
        successes,
        rate,
        (low, high),
        threshold,
        rate_passes,
        low >= threshold,
        tuple(violations),
        barcode_passes,
        not reasons,
        tuple(reasons),
    )
