"""Plan-wide summaries of the checked runs: requirements, error codes, TLS, phase times.

Source: issue 13 (verdict, checks); provisionee certification guide (the requirements).
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence

from .barcode import BarcodeReport
from .checks import STANDARD_CODES
from .record import RunRecord
from .verdict import Verdict

__all__ = ["REQUIREMENTS", "requirements", "error_codes", "tls_summary", "phase_stats", "CODE_MEANINGS"]

#: The requirements of the guide as the report lists them: id, title, plan-failing.
REQUIREMENTS = (
    ("rate", "The device provisions in at least 95 % of test attempts", True),
    ("tls", "Full TLS security flow against the DSS (mutual authentication, TLS 1.2+, EMS, ETM, SNI)", True),
    ("vicinity", "Credentials only for SSIDs in the immediate vicinity", True),
    ("fallback", "When WSS fails, the device falls back to its non-WSS setup flow", True),
    ("barcode", "Packaging barcode decodes to the device's value, with proper contrast", True),
    ("outcome", "The device's claim agrees with what the DSS and the radio saw", False),
    ("error_details", "Every failed connection attempt carries the right error details", False),
    ("timing", "Each run completes within the profile's time limit", False),
)

#: What each standard code means (docs/provisionee.md).
CODE_MEANINGS: Dict[str, str] = {
    "3:1:0:1": "no configured network to try",
    "3:2:0:1": "bad or incorrect PSK",
    "3:4:0:1": "captive portal",
    "3:5:0:1": "associated, limited connectivity",
    "3:6:0:3": "unknown error (e.g. an association that times out)",
    "3:16:0:1": "AP not found",
    "3:3:0:1": "internal error of the driver or chip",
    "99:1:0:99": "generic client error (e.g. a DSS answer that breaks the protocol)",
}


def requirements(
    records: Sequence[RunRecord], verdict: Verdict, barcode: Optional[BarcodeReport]
) -> List[Dict[str, Any]]:
    """One row per requirement: passed, the runs that broke it, the first messages."""
    rows = []
    for key, title, plan_failing in REQUIREMENTS:
        if key == "rate":
            low, high = verdict.interval
            bound = "clears" if verdict.lower_bound_passes else "does not clear"
            detail = (
                f"{verdict.successes}/{verdict.runs} = {verdict.rate:.1%}; Wilson 95 % interval "
                f"[{low:.1%}, {high:.1%}]; the lower bound {bound} {verdict.threshold:.0%}"
            )
            rows.append(_row(key, title, plan_failing, verdict.rate_passes, [], detail))
            continue
        if key == "barcode":
            passed = barcode is not None and barcode.passes
            detail = (
                "not measured"
                if barcode is None
                else ("; ".join(barcode.problems) or "decoded, contrast and quiet zones enough")
            )
            rows.append(_row(key, title, plan_failing, passed, [], detail))
            continue
        runs = [r.index for r in records if any(req == key for req, _ in r.findings)]
        messages = [m for r in records for req, m in r.findings if req == key][:3]
        detail = "; ".join(messages) if messages else f"checked in all {len(records)} runs"
        if key == "fallback" and not messages:
            detail += _softap_summary(records)
        rows.append(_row(key, title, plan_failing, not runs, runs, detail))
    return rows


def _softap_summary(records: Sequence[RunRecord]) -> str:
    """How the fallback's SoftAP flow fared in the runs that fell back."""
    tried = [r.softap for r in records if r.softap is not None]
    if not tried:
        return ""
    exercised = [s for s in tried if s["exercised"]]
    if not exercised:
        return f"; SoftAP flow not exercised ({tried[0]['detail']})"
    started = sum(1 for s in exercised if s["started"])
    joined = sum(1 for s in exercised if s["joined"])
    clients = sorted({s["client"] for s in exercised if s["client"]}) or ["no phone client"]
    return (
        f"; after the {len(exercised)} runs that fell back, the SoftAP setup flow started in {started} and "
        f"set the device up in {joined} ({', '.join(clients)})"
    )


def _row(key: str, title: str, plan_failing: bool, passed: bool, runs: List[int], detail: str) -> Dict[str, Any]:
    return {"id": key, "title": title, "plan_failing": plan_failing, "passed": passed, "runs": runs, "detail": detail}


def error_codes(records: Sequence[RunRecord]) -> List[Dict[str, Any]]:
    """Per standard code: how often it appeared, where from, and which faults struck
    those runs (so that each code can be traced to a real injected fault)."""
    rows = []
    for code in STANDARD_CODES:
        hits = [r for r in records if any(seen.code == code for seen in r.codes)]
        sources = sorted({seen.source for r in hits for seen in r.codes if seen.code == code})
        faults = Counter(label for r in hits for label in r.faults)
        rows.append(
            {
                "code": code,
                "meaning": CODE_MEANINGS.get(code, ""),
                "runs": len(hits),
                "recovered": sum(1 for r in hits if r.succeeded),
                "failed": sum(1 for r in hits if not r.succeeded),
                "sources": sources,
                "faults": [f"{label} ({n})" for label, n in faults.most_common()],
                "first_runs": [r.index for r in hits[:5]],
            }
        )
    return rows


def tls_summary(records: Sequence[RunRecord]) -> Dict[str, Any]:
    """What the DSS saw of every handshake of the plan, counted."""
    handshakes = [h for r in records for h in r.tls]
    return {
        "handshakes": len(handshakes),
        "versions": dict(Counter(str(h["version"]) for h in handshakes)),
        "ciphers": dict(Counter(str(h["cipher"]) for h in handshakes)),
        "ems_negotiated": sum(1 for h in handshakes if h["ems"]),
        "etm_offered": sum(1 for h in handshakes if h["etm_offered"]),
        "etm_negotiated": sum(1 for h in handshakes if h["etm"]),
        "sni": dict(Counter(str(h["sni"]) for h in handshakes)),
        "chain_lengths": dict(Counter(str(h["chain_length"]) for h in handshakes)),
        "by_listener": dict(Counter(str(h["listener"]) for h in handshakes)),
    }


def phase_stats(records: Sequence[RunRecord]) -> Dict[str, Dict[str, float]]:
    """Per device state: runs that entered it, median, 95th percentile and maximum seconds."""
    names: List[str] = []
    for record in records:
        names.extend(name for name in record.phases if name not in names)
    stats = {}
    for name in names:
        values = sorted(r.phases[name] for r in records if name in r.phases)
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        stats[name] = {"runs": len(values), "median_s": statistics.median(values), "p95_s": p95, "max_s": values[-1]}
    return stats
