"""The record of one checked run, as the report keeps it (JSON-ready, no secrets).

Source: issue 13 ("every failed run listed with its cause").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from ..provisionee import dss_transcript
from .checks import Evidence, Finding

__all__ = ["CodeSeen", "RunRecord", "codes_seen", "describe_cause"]


@dataclass(frozen=True)
class CodeSeen:
    """An error-details code a run produced.

    Attributes:
        code: e.g. ``3:2:0:1``.
        ssid: the network of the failed attempt (empty: none was left to try; None: a
            run error, not an attempt).
        source: ``attempt`` (a failed connection attempt the DSS read in a report) or
            ``run error`` (the code of the error that stopped the device, e.g. 99:1:0:99
            for a DSS answer whose signature does not verify).
    """

    code: str
    ssid: Optional[str]
    source: str


@dataclass(frozen=True)
class RunRecord:
    """One run, checked.

    Attributes:
        index: position in the plan (1-based).
        faults: labels of the faults that struck it.
        succeeded: provisioned, and no check found anything.
        provisioned: the DSS and the radio saw it provisioned.
        device_says: the device's own claim (None if it raised).
        final_state, reason, error, error_code: how the device stopped.
        device_s: the run's length on the device clock (simulated waits included), seconds.
        wall_s: its length in real time, seconds.
        phases: seconds per state, device clock.
        retries: DSS request retries.
        started_utc: when it started (ISO 8601, UTC).
        findings: (requirement, message) of every finding.
        codes: the error-details codes it produced.
        cause: why it failed, one line (None when it succeeded).
        tls: what the DSS saw of each handshake (version, cipher, EMS, ETM, SNI).
        posted: the SSIDs the device posted.
        heard: how many SSIDs the radio reported.
        softap: after a run that fell back, what its SoftAP setup flow did
            (:meth:`wss.certify.fallback.SoftAPEvidence.to_json`); None if not tried.
    """

    index: int
    faults: Tuple[str, ...]
    succeeded: bool
    provisioned: bool
    device_says: Optional[bool]
    final_state: Optional[str]
    reason: Optional[str]
    error: Optional[str]
    error_code: Optional[str]
    device_s: Optional[float]
    wall_s: float
    phases: Dict[str, float]
    retries: int
    started_utc: str
    findings: Tuple[Tuple[str, str], ...]
    codes: Tuple[CodeSeen, ...]
    cause: Optional[str]
    tls: Tuple[Dict[str, Any], ...] = field(default=())
    posted: Tuple[str, ...] = field(default=())
    heard: int = 0
    softap: Optional[Dict[str, Any]] = None

    @classmethod
    def make(
        cls,
        evidence: Evidence,
        *,
        succeeded: bool,
        provisioned: bool,
        findings: List[Finding],
        codes: Tuple[CodeSeen, ...],
        cause: Optional[str],
        started_utc: datetime,
        wall_s: float,
    ) -> RunRecord:
        """The record of a checked run."""
        device = evidence.device
        return cls(
            index=evidence.spec.index,
            faults=evidence.spec.faults,
            succeeded=succeeded,
            provisioned=provisioned,
            device_says=None if device is None else device.succeeded,
            final_state=None if device is None else device.final_state,
            reason=None if device is None else device.reason,
            error=evidence.crash if device is None else device.error,
            error_code=None if device is None else device.error_code,
            device_s=None if device is None else device.elapsed_s,
            wall_s=wall_s,
            phases={} if device is None else dict(device.phases),
            retries=0 if device is None else device.retries,
            started_utc=started_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            findings=tuple((f.requirement, f.message) for f in findings),
            codes=codes,
            cause=cause,
            tls=tuple(_tls_summary(r) for r in evidence.records if r.get("event") == "tls_connection"),
            posted=tuple(sorted(dss_transcript.posted_ssids(evidence.records))),
            heard=len(evidence.radio.heard),
            softap=None if evidence.softap is None else evidence.softap.to_json(),
        )

    def to_json(self) -> Dict[str, Any]:
        """The record as JSON-ready values."""
        data = asdict(self)
        data["findings"] = [{"requirement": r, "message": m} for r, m in self.findings]
        return data


def _tls_summary(record: Dict[str, Any]) -> Dict[str, Any]:
    negotiated, offered = record.get("negotiated") or [], record.get("offered") or []
    return {
        "listener": record.get("listener"),
        "version": record.get("version"),
        "cipher": record.get("cipher"),
        "ems": "extended_master_secret" in negotiated,
        "etm_offered": "encrypt_then_mac" in offered,
        "etm": "encrypt_then_mac" in negotiated,
        "sni": record.get("sni"),
        "chain_length": len(record.get("client_chain_sha256") or ()),
    }


def codes_seen(evidence: Evidence) -> Tuple[CodeSeen, ...]:
    """The distinct error-details codes of a run: failed attempts the DSS read in its
    reports, then the code of the error that stopped the device, if it carried one."""
    read = [r for r in evidence.records if r.get("event") != "exchange" or r.get("response") is not None]
    seen: List[CodeSeen] = []
    for attempt in dss_transcript.attempts(read):
        item = CodeSeen(attempt.code, attempt.ssid, "attempt") if attempt.code else None
        if item is not None and attempt.connection_state == "FAILED" and item not in seen:
            seen.append(item)
    if evidence.device is not None and evidence.device.error_code:
        seen.append(CodeSeen(evidence.device.error_code, None, "run error"))
    return tuple(seen)


def describe_cause(evidence: Evidence, findings: List[Finding]) -> str:
    """Why a run failed, in one line: the checks' first words, how the device stopped,
    and the faults that struck it."""
    parts: List[str] = []
    first: Dict[str, str] = {}
    for finding in findings:
        first.setdefault(finding.requirement, finding.message)
    parts.extend(f"{requirement}: {message}" for requirement, message in first.items())
    device = evidence.device
    if device is not None and not device.succeeded:
        stop = f"stopped in {device.final_state} ({device.reason})"
        if device.error:
            stop += f": {device.error}"
        if device.error_code:
            stop += f" [{device.error_code}]"
        parts.append(stop)
    elif evidence.crash is not None and "outcome" not in first:
        parts.append(f"raised {evidence.crash}")
    if evidence.spec.faults:
        parts.append("faults: " + ", ".join(evidence.spec.faults))
    return "; ".join(parts) or "not provisioned"
