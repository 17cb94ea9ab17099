"""The report's four plots, drawn with matplotlib (Agg, no display) and returned as PNG bytes.

* success rate with its Wilson 95 % interval, against the 95 % requirement;
* phase-time distributions: seconds spent in each state of the device, per run;
* failures by error code: in how many runs each standard code appeared, split into runs
  that still provisioned (the device recovered) and runs that failed;
* success over the course of the plan: the running success rate with its interval.

Figures are :class:`matplotlib.figure.Figure` objects drawn by their own Agg canvas (no
``pyplot`` state), so drawing is safe off the main thread.

Source: issue 13 ("plots made with matplotlib").
"""

from __future__ import annotations

import io
from typing import Any, Dict, List, Sequence

from .checks import STANDARD_CODES
from .record import RunRecord
from .verdict import THRESHOLD, Verdict, wilson_interval

__all__ = ["success_rate", "phase_times", "failures_by_code", "success_over_plan", "PHASE_LABELS"]

#: Short labels of the device states, in the order of the happy path.
PHASE_LABELS: Dict[str, str] = {
    "NOT_PROVISIONED": "start",
    "CONNECTING_TO_SETUP_NETWORK": "join setup network",
    "START_PROVISIONING": "start session",
    "START_PIN_BASED_SETUP": "PIN",
    "COMPUTE_CONFIGURATION": "configuration",
    "POST_WIFI_SCAN_DATA": "post scan",
    "GET_WIFI_LIST": "get credentials",
    "CONNECTING_TO_USER_NETWORK": "join home network",
    "CONNECTED_TO_USER_NETWORK": "connected report",
}
_OK, _BAD, _REF = "#2e7d32", "#c62828", "#555555"


def _figure(width_in: float = 7.5, height_in: float = 3.2) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def success_rate(verdict: Verdict) -> bytes:
    """The success rate as a point with its Wilson 95 % interval, and the 95 % line."""
    figure = _figure(height_in=1.9)
    axes = figure.add_subplot()
    low, high = verdict.interval
    colour = _OK if verdict.rate_passes else _BAD
    axes.errorbar(
        [verdict.rate],
        [0],
        xerr=[[max(0.0, verdict.rate - low)], [max(0.0, high - verdict.rate)]],
        fmt="o",
        color=colour,
        capsize=6,
        ms=8,
    )
    axes.axvline(verdict.threshold, color=_REF, linestyle="--", label=f"required {verdict.threshold:.0%}")
    axes.set_xlim(min(0.8, low - 0.02), 1.0)
    axes.set_yticks([])
    axes.set_xlabel("success rate (Wilson 95 % interval)")
    axes.set_title(f"{verdict.successes}/{verdict.runs} runs: {verdict.rate:.1%} [{low:.1%}, {high:.1%}]")
    axes.legend(loc="upper left", fontsize="small")
    return _png(figure)


def phase_times(records: Sequence[RunRecord]) -> bytes:
    """Box plots of the seconds each state took, per run (device clock, log scale)."""
    figure = _figure(height_in=3.6)
    axes = figure.add_subplot()
    names = [name for name in PHASE_LABELS if any(name in r.phases for r in records)]
    data = [[max(r.phases[name], 1e-4) for r in records if name in r.phases] for name in names]
    if data:
        axes.boxplot(data, showfliers=True, flierprops={"markersize": 3})
        axes.set_xticks(range(1, len(names) + 1), [PHASE_LABELS[n] for n in names], rotation=25, ha="right")
        axes.set_yscale("log")
    axes.set_ylabel("seconds (device clock)")
    axes.set_xlabel("state (simulated waits included: a slow association counts its 30 s)")
    axes.set_title("Phase times")
    return _png(figure)


def failures_by_code(records: Sequence[RunRecord]) -> bytes:
    """For each standard code, the runs it appeared in: recovered, or failed."""
    figure = _figure(height_in=3.2)
    axes = figure.add_subplot()
    recovered = [sum(1 for r in records if r.succeeded and _has(r, code)) for code in STANDARD_CODES]
    failed = [sum(1 for r in records if not r.succeeded and _has(r, code)) for code in STANDARD_CODES]
    positions = list(range(len(STANDARD_CODES)))
    axes.bar(positions, recovered, color=_OK, label="run still provisioned")
    axes.bar(positions, failed, bottom=recovered, color=_BAD, label="run failed")
    for x, (a, b) in enumerate(zip(recovered, failed)):
        axes.annotate(str(a + b), (x, a + b), ha="center", va="bottom", fontsize="small")
    axes.set_xticks(positions, list(STANDARD_CODES), fontsize="small")
    axes.set_ylabel("runs")
    axes.set_title("Failures by error code")
    axes.legend(fontsize="small")
    return _png(figure)


def _has(record: RunRecord, code: str) -> bool:
    return any(seen.code == code for seen in record.codes)


def success_over_plan(records: Sequence[RunRecord], threshold: float = THRESHOLD) -> bytes:
    """The running success rate over the plan, its Wilson band, failed runs marked."""
    figure = _figure(height_in=3.4)
    axes = figure.add_subplot()
    xs: List[int] = []
    rates: List[float] = []
    lows: List[float] = []
    highs: List[float] = []
    successes = 0
    for n, record in enumerate(records, start=1):
        successes += record.succeeded
        low, high = wilson_interval(successes, n)
        xs.append(record.index)
        rates.append(successes / n)
        lows.append(low)
        highs.append(high)
    axes.fill_between(xs, lows, highs, color=_OK, alpha=0.15, label="Wilson 95 % interval")
    axes.plot(xs, rates, color=_OK, label="success rate so far")
    axes.axhline(threshold, color=_REF, linestyle="--", label=f"required {threshold:.0%}")
    bottom = min(0.75, min(rates, default=1.0) - 0.05)  # the band's first runs go lower: clipped
    failed = [r.index for r in records if not r.succeeded]
    if failed:
        axes.plot(failed, [bottom + 0.01] * len(failed), "|", color=_BAD, ms=12, label="failed run")
    axes.set_ylim(bottom, 1.02)
    axes.set_xlabel("run")
    axes.set_ylabel("success rate")
    axes.set_title("Success over the course of the plan")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, fontsize="small")  # below: the marks stay seen
    return _png(figure)
