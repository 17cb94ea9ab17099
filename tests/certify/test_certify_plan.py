"""The plan: faults drawn up front from the seed, at most one of a kind per run."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from wss.certify.plan import DEFAULT_RUNS, build_plan
from wss.certify.profile import load_profile
from wss.errors import UsageError


@pytest.fixture(scope="module")
def default():
    return load_profile("default")


def _labels(plan):
    return [
        (s.radio_fault.name if s.radio_fault else None, s.dss_fault.label if s.dss_fault else None) for s in plan.runs
    ]


def test_the_same_seed_gives_the_same_plan_and_another_seed_another(default):
    assert build_plan(default, 200, 3) == build_plan(default, 200, 3)
    assert _labels(build_plan(default, 200, 3)) != _labels(build_plan(default, 200, 4))
    assert build_plan(default, 50).seed == default.seed  # no seed given: the profile's


def test_exact_draw_strikes_each_fault_its_share_of_runs(default):
    plan = build_plan(default, 1000, 1)
    radio = Counter(s.radio_fault.name for s in plan.runs if s.radio_fault)
    dss = Counter(s.dss_fault.fault.name for s in plan.runs if s.dss_fault)
    assert radio == {f.name: round(f.rate * 1000) for f in default.radio_faults}
    assert dss == {f.name: round(f.rate * 1000) for f in default.dss_faults}
    both = [s.index for s in plan.runs if s.radio_fault and s.dss_fault]
    assert both == []  # 220 + 165 runs out of 1000: radio and DSS faults strike different runs


def test_exact_draw_strikes_every_fault_at_least_once_even_in_a_short_plan(default):
    plan = build_plan(default, 20, 9)
    assert {s.radio_fault.name for s in plan.runs if s.radio_fault} == {f.name for f in default.radio_faults}
    assert {s.dss_fault.fault.name for s in plan.runs if s.dss_fault} == {f.name for f in default.dss_faults}


def test_independent_draw_uses_the_rates_as_probabilities(default):
    independent = replace(default, draw="independent")
    plan = build_plan(independent, 4000, 2)
    struck = sum(1 for s in plan.runs if s.radio_fault) / 4000
    total = sum(f.rate for f in default.radio_faults)
    assert abs(struck - total) < 0.03  # 0.22 expected; 4 sigma is ~0.026
    assert any(s.radio_fault and s.dss_fault for s in plan.runs)  # independent kinds may meet


def test_dss_fault_choices_are_made_per_run_from_the_listed_values(default):
    plan = build_plan(default, 1000, 5)
    http = [s.dss_fault.rule for s in plan.runs if s.dss_fault and s.dss_fault.fault.name == "http_5xx"]
    assert {rule["status"] for rule in http} == {500, 502, 503}
    assert len({rule["operation"] for rule in http}) == 5
    assert all(rule["count"] == 1 and rule["kind"] == "http_5xx" for rule in http)


def test_run_seeds_differ_and_indices_count_from_one(default):
    plan = build_plan(default, 100, 1)
    assert [s.index for s in plan.runs] == list(range(1, 101))
    assert len({s.seed for s in plan.runs}) == 100


def test_plan_kinds_and_their_default_sizes(default):
    assert len(build_plan(default).runs) == DEFAULT_RUNS["full"] == 100
    derivative = build_plan(default, kind="derivative")
    assert derivative.kind == "derivative" and len(derivative.runs) == DEFAULT_RUNS["derivative"] == 10


@pytest.mark.parametrize(
    ("runs", "kind", "message"), [(0, "full", "--runs must be"), (10**7, "full", "--runs"), (5, "half", "--plan")]
)
def test_a_bad_plan_is_a_usage_error(default, runs, kind, message):
    with pytest.raises(UsageError, match=message):
        build_plan(default, runs, 1, kind)
