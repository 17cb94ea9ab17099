"""The plan: which runs, and which faults strike each, decided before the first run.

Every run's faults and its own seed are drawn up front from the plan's seed, so a plan
reproduces exactly — the same faults in the same runs — whatever the number of workers
and the order in which they finish. At most one radio fault and one DSS fault strike a
run, so each failed attempt has one known cause. Two draws:

* ``exact`` (stratified): fault *i* strikes ``max(1, round(rate_i × runs))`` runs,
  chosen at random; every fault of the profile is exercised in every plan (the share of
  runs it hits is its rate, up to rounding), and radio and DSS faults strike different
  runs as long as there are runs enough, so each fault shows its own effect;
* ``independent``: each run draws one fault of a kind with the rates as probabilities
  (what a real home does; a rare fault may then not appear in a short plan).

Two kinds of plan (certification guide, "Certification Steps" and "Derivative
Certification"): ``full`` — the provisioning runs and the barcode group; ``derivative``
— the barcode group and one provisioning case (the guide names case 3P2-DE-02 of
Amazon's test plan, whose text is not public), run ``runs`` times on the profile, every
run required to pass.

Source: issue 13 ("a plan: N provisioning runs"; "the derivative-certification subset of
the guide as a smaller plan"); provisionee certification guide.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, TypeVar

from ..errors import UsageError
from .profile import DSSFault, Profile, RadioFault

__all__ = ["PLAN_KINDS", "DEFAULT_RUNS", "MAX_RUNS", "DSSFaultDraw", "RunSpec", "Plan", "build_plan"]

#: The kinds of plan and the number of runs each makes by default.
PLAN_KINDS = ("full", "derivative")
DEFAULT_RUNS = {"full": 100, "derivative": 10}
#: The most runs one plan may make (a typo guard: 10^6 runs take hours).
MAX_RUNS = 1_000_000

F = TypeVar("F", RadioFault, DSSFault)


@dataclass(frozen=True)
class DSSFaultDraw:
    """A DSS fault as it strikes one run: its profile entry and the rule with every
    choice made (the fields of ``wss.cloud.faults.FaultRule``)."""

    fault: DSSFault
    rule: Dict[str, Any]

    @property
    def label(self) -> str:
        """``kind@operation[/state]``, e.g. ``bad_signature@report/GET_WIFI_LIST``."""
        operation = self.rule.get("operation", "*")
        state = self.rule.get("state")
        return f"{self.rule.get('kind')}@{operation}" + (f"/{state}" if state else "")


@dataclass(frozen=True)
class RunSpec:
    """One run of the plan.

    Attributes:
        index: 1-based position in the plan.
        seed: the run's own seed (DSS fault draws, retry jitter).
        radio_fault: the radio fault that strikes it, or None.
        dss_fault: the DSS fault that strikes it, or None.
    """

    index: int
    seed: int
    radio_fault: Optional[RadioFault] = None
    dss_fault: Optional[DSSFaultDraw] = None

    @property
    def faults(self) -> Tuple[str, ...]:
        """Labels of the faults that strike the run (radio first)."""
        labels = []
        if self.radio_fault is not None:
            labels.append(f"radio {self.radio_fault.name}")
        if self.dss_fault is not None:
            labels.append(f"DSS {self.dss_fault.label}")
        return tuple(labels)


@dataclass(frozen=True)
class Plan:
    """A whole plan: its kind, profile, seed and runs (in order)."""

    kind: str
    profile: Profile
    seed: int
    runs: Tuple[RunSpec, ...]


def build_plan(profile: Profile, runs: Optional[int] = None, seed: Optional[int] = None, kind: str = "full") -> Plan:
    """Decide every run of a plan.

    Args:
        profile: the home and the faults.
        runs: how many provisioning runs (None: 100 for ``full``, 10 for ``derivative``).
        seed: the plan's seed (None: the profile's).
        kind: ``full`` or ``derivative``.
    Returns:
        The plan; the same arguments always give the same plan.
    Raises:
        UsageError: an unknown kind, or a number of runs outside 1..1,000,000.
    """
    if kind not in PLAN_KINDS:
        raise UsageError(f"--plan must be one of {', '.join(PLAN_KINDS)}, got {kind!r}")
    count = DEFAULT_RUNS[kind] if runs is None else runs
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RUNS:
        raise UsageError(f"--runs must be 1..{MAX_RUNS}, got {count!r}")
    plan_seed = profile.seed if seed is None else seed
    rng = random.Random(f"wss-certify/{plan_seed}")
    if profile.draw == "exact":
        order = list(range(count))
        rng.shuffle(order)
        radio = _exact(profile.radio_faults, order)
        dss = _exact(profile.dss_faults, order[::-1])  # from the other end: disjoint while runs suffice
    else:
        radio = _independent(profile.radio_faults, count, rng)
        dss = _independent(profile.dss_faults, count, rng)
    specs = []
    for index in range(count):
        run_seed = rng.getrandbits(63)
        dss_fault = dss[index]
        drawn = None if dss_fault is None else _concrete(dss_fault, random.Random(run_seed))
        specs.append(RunSpec(index + 1, run_seed, radio[index], drawn))
    return Plan(kind, profile, plan_seed, tuple(specs))


def _exact(faults: Sequence[F], order: Sequence[int]) -> List[Optional[F]]:
    """Each fault strikes max(1, round(rate × runs)) runs, taken in ``order`` (fewer if
    the runs run out)."""
    count = len(order)
    slots: List[Optional[F]] = [None] * count
    taken = 0
    for fault in faults:
        if fault.rate <= 0:
            continue
        share = max(1, round(fault.rate * count))
        for position in order[taken : taken + share]:
            slots[position] = fault
        taken += share
    return slots


def _independent(faults: Sequence[F], count: int, rng: random.Random) -> List[Optional[F]]:
    """Each run draws at most one fault, with the rates as probabilities."""
    slots: List[Optional[F]] = []
    for _ in range(count):
        u, chosen = rng.random(), None
        for fault in faults:
            if u < fault.rate:
                chosen = fault
                break
            u -= fault.rate
        slots.append(chosen)
    return slots


def _concrete(fault: DSSFault, rng: random.Random) -> DSSFaultDraw:
    """The fault with one value chosen for every field that lists choices."""
    rule = {key: values[0] if len(values) == 1 else rng.choice(values) for key, values in fault.choices().items()}
    return DSSFaultDraw(fault, rule)
