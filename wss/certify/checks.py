"""The checks made on every run, from what the DSS and the radio saw.

Each check reads one run's :class:`Evidence` and returns :class:`Finding` s; a run
succeeds when the DSS and the radio agree it provisioned and no check found anything.

====================  ========================================================  ==============
requirement           what is checked                                          a break fails
====================  ========================================================  ==============
``tls``               every handshake the DSS completed: TLS 1.2 or 1.3, an    the plan
                      ECDHE suite with AEAD (or CBC with Encrypt-then-MAC
                      negotiated), Extended Master Secret offered and
                      negotiated (TLS 1.2), Encrypt-then-MAC offered, SNI =
                      the DSS host, the client chain = the device's chain
                      (mutual authentication); no handshake refused (a TCP
                      connection that sent no ClientHello — a driver's check
                      that the DSS port is reachable — is no handshake)
``vicinity``          every SSID posted, every SSID the DSS returned            the plan
                      credentials for and every network the radio was asked
                      to join (setup networks aside) was heard by the radio
                      in this run
``fallback``          a run that did not provision left the store in SoftAP     the plan
                      setup mode with WSS disabled; then its SoftAP setup flow
                      started and, when a phone provisioned through it
                      (:mod:`wss.certify.fallback`), met no protocol error and
                      saved the network it joined
``outcome``           the DSS saw the session reach DONE and the radio joined   the run
                      a home network; the device's own claim agrees
``error_details``     every failed attempt the DSS was told about carries the   the run
                      code of the fault that struck it — the run's, or the
                      home's own (3:1:0:1 when nothing was left to try); the
                      radio recorded that failure; no successful attempt
                      carries a code
``timing``            the run took at most the profile's ``limits.run_s``       the run
                      (device clock)
====================  ========================================================  ==============

Source: provisionee certification guide (TLS flow, vicinity, 95 %, fallback); protocol
§9 (EMS, ETM, SNI, client chain), §10 and docs/provisionee.md (error details); issue 13.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Set, Tuple

from ..error_details import STANDARD_ERROR_DETAILS
from ..provisionee import dss_transcript
from .observe import RadioLog
from .plan import RunSpec

__all__ = [
    "STANDARD_CODES",
    "NO_CONFIGURED_NETWORKS_CODE",
    "Finding",
    "DeviceEnd",
    "StoreView",
    "Evidence",
    "Expectations",
    "run_records",
    "check_tls",
    "check_vicinity",
    "provisioned",
    "check_outcome",
    "check_error_details",
    "check_fallback",
    "check_timing",
    "CHECKS",
    "check_all",
]

#: The eight standard error-details codes, in the guide's order.
STANDARD_CODES: Tuple[str, ...] = tuple(str(item.code) for item in STANDARD_ERROR_DETAILS)
NO_CONFIGURED_NETWORKS_CODE = "3:1:0:1"
_EMS, _ETM = "extended_master_secret", "encrypt_then_mac"
_AEAD = ("GCM", "CHACHA20", "CCM")


@dataclass(frozen=True)
class Finding:
    """One problem a check found in a run.

    Attributes:
        requirement: ``tls``, ``vicinity``, ``fallback``, ``outcome``,
            ``error_details`` or ``timing``.
        message: what was seen, one line, no secrets.
    """

    requirement: str
    message: str


@dataclass(frozen=True)
class DeviceEnd:
    """What the device's run returned (its own account: compared, never trusted).

    Attributes:
        succeeded: it says DONE on the home network.
        final_state, reason: where and why it stopped.
        error, error_code: the error that aborted it, and its error-details code.
        phases: seconds spent in each state (device clock), summed over visits.
        elapsed_s: the whole run, device clock, seconds.
        retries: DSS request retries.
    """

    succeeded: bool
    final_state: str
    reason: str
    error: Optional[str]
    error_code: Optional[str]
    phases: Dict[str, float]
    elapsed_s: float
    retries: int


@dataclass(frozen=True)
class StoreView:
    """The store as a restarted device reads it from disk after the run."""

    state: str
    softap_mode: bool
    wss_enabled: bool


@dataclass
class Evidence:
    """Everything one run left behind.

    Attributes:
        spec: the run as planned (its faults).
        records: the DSS transcript records of the run (:func:`run_records`).
        radio: the driver's account of the air.
        device: the device's own result, or None if it raised.
        crash: the exception that escaped the run, if any (one line).
        store: the persisted store after the run, or None if unreadable.
        softap: what the fallback's SoftAP flow did after a run that fell back
            (:class:`wss.certify.fallback.SoftAPEvidence`), or None if it was not tried.
    """

    spec: RunSpec
    records: List[Dict[str, Any]]
    radio: RadioLog
    device: Optional[DeviceEnd]
    crash: Optional[str]
    store: Optional[StoreView]
    softap: Optional[Any] = None

    def exchanges(self) -> List[dss_transcript.Exchange]:
        """The run's DSS exchanges, in order."""
        return dss_transcript.exchanges(self.records)

    def heard(self) -> Set[str]:
        """Every SSID the radio reported in a scan, as text."""
        return {ssid.decode("utf-8", "replace") for ssid in self.radio.heard}


@dataclass(frozen=True)
class Expectations:
    """What every run of a plan is checked against.

    Attributes:
        dss_host: the DSS host name the device uses (expected SNI).
        chain_sha256: SHA-256 (hex) of each certificate of the device's chain, leaf first.
        home_ssids: the customer's saved networks.
        is_setup_ssid: whether an SSID names a setup network (encoded, or a fallback).
        connect_timeout_s: the device's time allowed per network, seconds.
        run_s: the longest a run may take, seconds (None: no limit).
        permanent: the home's own faults, in every run (``Profile.permanent``).
    """

    dss_host: str
    chain_sha256: Tuple[str, ...]
    home_ssids: FrozenSet[str]
    is_setup_ssid: Callable[[str], bool] = field(compare=False)
    connect_timeout_s: float
    run_s: Optional[float]
    permanent: Tuple[Any, ...] = ()


def run_records(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The records that belong to this run: handshakes, and exchanges of the sessions it
    started (an exchange of an older session, answered late, is dropped)."""
    sessions = {
        r.get("session_id")
        for r in records
        if r.get("event") == "exchange" and r.get("operation") == "startProvisioningSession"
    }
    return [
        r
        for r in records
        if r.get("event") != "exchange"
        or r.get("operation") == "startProvisioningSession"
        or r.get("session_id") is None
        or r.get("session_id") in sessions
    ]


def check_tls(evidence: Evidence, expect: Expectations) -> List[Finding]:
    """The TLS security flow of every handshake the DSS saw (table: module docstring)."""
    found: List[Finding] = []
    for record in evidence.records:
        event = record.get("event")
        where = f"{record.get('listener')} port, {record.get('peer')}"
        if event == "tls_refused" and record.get("client_hello", True):
            found.append(Finding("tls", f"handshake refused by the DSS ({where}): {record.get('reason')}"))
        elif event == "tls_connection":
            found.extend(Finding("tls", f"{problem} ({where})") for problem in _tls_problems(record, expect))
    return found


def _tls_problems(record: Dict[str, Any], expect: Expectations) -> List[str]:
    version, cipher = record.get("version"), str(record.get("cipher") or "")
    offered, negotiated = set(record.get("offered") or ()), set(record.get("negotiated") or ())
    problems = [f"the DSS could not read the handshake: {p}" for p in record.get("problems") or ()]
    if not record.get("hellos_observed"):
        problems.append("the hello extensions could not be observed, so EMS and ETM are unverified")
    if version not in ("TLSv1.2", "TLSv1.3"):
        problems.append(f"protocol {version}: TLS 1.2 or 1.3 is required")
    if version == "TLSv1.2":
        aead = any(mode in cipher for mode in _AEAD)
        if not cipher.startswith("ECDHE-"):
            problems.append(f"cipher suite {cipher} has no ephemeral ECDH key exchange")
        if not aead and _ETM not in negotiated:
            problems.append(f"CBC cipher suite {cipher} without Encrypt-then-MAC")
        if _EMS not in offered:
            problems.append("the device did not offer Extended Master Secret")
        elif _EMS not in negotiated:
            problems.append("Extended Master Secret was not negotiated")
        if _ETM not in offered:
            problems.append("the device did not offer Encrypt-then-MAC")
    if record.get("sni") != expect.dss_host:
        problems.append(f"SNI {record.get('sni')!r}, expected {expect.dss_host!r}")
    chain = tuple(record.get("client_chain_sha256") or ())
    if chain != expect.chain_sha256:
        problems.append(
            f"the client presented a chain of {len(chain)} certificate(s) that is not the device's chain "
            f"of {len(expect.chain_sha256)}"
        )
    return problems


def check_vicinity(evidence: Evidence, expect: Expectations) -> List[Finding]:
    """Nothing posted, served or joined that the radio did not hear in this run."""
    heard = evidence.heard()
    found = [
        Finding("vicinity", f"posted SSID {ssid!r}, which the radio never reported in this run")
        for ssid in sorted(dss_transcript.posted_ssids(evidence.records) - heard)
    ]
    found += [
        Finding("vicinity", f"the DSS returned credentials for {ssid!r}, which the radio never reported in this run")
        for ssid in sorted(dss_transcript.credential_ssids(evidence.records) - heard)
    ]
    tried = {a.ssid.decode("utf-8", "replace") for a in evidence.radio.attempts if a.ssid}
    found += [
        Finding("vicinity", f"asked the radio to join {ssid!r}, which it never reported in this run")
        for ssid in sorted(tried - heard)
        if not expect.is_setup_ssid(ssid)
    ]
    return found


def provisioned(evidence: Evidence, expect: Expectations) -> bool:
    """The DSS answered DONE to a CONNECTED_TO_USER_NETWORK SUCCESS report, and the
    network the radio joined last is one of the customer's."""
    dss_done = any(
        e.operation == "report"
        and e.status == 200
        and e.request.get("currentProvisioningState") == "CONNECTED_TO_USER_NETWORK"
        and e.request.get("stateTransitionResult") == "SUCCESS"
        and e.response.get("nextProvisioningState") == "DONE"
        and e.response.get("canProceed") is True
        for e in evidence.exchanges()
    )
    joined = evidence.radio.joined
    return dss_done and bool(joined) and joined[-1].decode("utf-8", "replace") in expect.home_ssids


def check_outcome(evidence: Evidence, expect: Expectations) -> List[Finding]:
    """The device's claim agrees with the DSS and the radio; a run that raised is named."""
    found = []
    if evidence.crash is not None:
        found.append(Finding("outcome", f"the run raised: {evidence.crash}"))
    seen = provisioned(evidence, expect)
    if evidence.device is not None and evidence.device.succeeded != seen:
        claim = "provisioned" if evidence.device.succeeded else "not provisioned"
        truth = "did" if seen else "did not"
        found.append(Finding("outcome", f"the device says {claim}, but the DSS and the radio say it {truth}"))
    return found


def check_error_details(evidence: Evidence, expect: Expectations) -> List[Finding]:
    """Each attempt reported to the DSS carries the right code (table: module docstring)."""
    found: List[Finding] = []
    fault = evidence.spec.radio_fault
    failed_on_air = {a.ssid.decode("utf-8", "replace") for a in evidence.radio.attempts if a.failure is not None}
    for attempt in _reported_attempts(evidence):
        name = attempt.ssid or "(no network)"
        if attempt.connection_state != "FAILED":
            if attempt.code not in (None, "0:0:0:0"):
                found.append(
                    Finding("error_details", f"{name}: {attempt.connection_state} attempt carries {attempt.code}")
                )
            continue
        if attempt.code not in STANDARD_CODES:
            found.append(
                Finding("error_details", f"{name}: failed attempt carries {attempt.code!r}, not a standard code")
            )
            continue
        if attempt.ssid and attempt.ssid not in failed_on_air:
            found.append(
                Finding("error_details", f"{name}: reported as failed, but the radio recorded no failed attempt")
            )
        expected = _expected_code(attempt.ssid, fault, expect)
        if expected is None:
            found.append(Finding("error_details", f"{name}: failed with {attempt.code}, but no fault struck it"))
        elif attempt.code != expected:
            found.append(Finding("error_details", f"{name}: failed with {attempt.code}, expected {expected}"))
    return found


def _reported_attempts(evidence: Evidence) -> List[dss_transcript.Attempt]:
    """Attempts in the reports the DSS read (a reset request was never read)."""
    read = [r for r in evidence.records if r.get("event") != "exchange" or r.get("response") is not None]
    return dss_transcript.attempts(read)


def _expected_code(ssid: str, fault: Any, expect: Expectations) -> Optional[str]:
    """The code of the run's fault on ``ssid``, else of the home's own fault on it."""
    if not ssid:
        return NO_CONFIGURED_NETWORKS_CODE
    for candidate in (fault, *expect.permanent):
        if candidate is None:
            continue
        target = candidate.target()
        if target == ssid or (target == "<setup>" and expect.is_setup_ssid(ssid)):
            return candidate.expected_code(expect.connect_timeout_s)
    return None


def check_fallback(evidence: Evidence, expect: Expectations) -> List[Finding]:
    """A run that did not provision persisted SoftAP setup mode with WSS disabled; one
    that did persisted DONE and left SoftAP mode."""
    store = evidence.store
    if store is None:
        return [Finding("fallback", "the store could not be read after the run")]
    if provisioned(evidence, expect):
        if store.state != "DONE" or store.softap_mode:
            return [
                Finding("outcome", f"provisioned, but the store says {store.state}, softap_mode={store.softap_mode}")
            ]
        return []
    if not store.softap_mode or store.wss_enabled:
        return [
            Finding(
                "fallback",
                f"did not provision, but the store does not hold the fallback (softap_mode={store.softap_mode}, "
                f"wss_enabled={store.wss_enabled})",
            )
        ]
    return _softap_findings(evidence.softap)


def _softap_findings(softap: Any) -> List[Finding]:
    """What the fallback's SoftAP flow did wrong (nothing when it was not tried)."""
    if softap is None or not softap.exercised:
        return []
    if not softap.started:
        return [Finding("fallback", f"the SoftAP setup flow did not start: {softap.detail}")]
    if softap.error is not None:
        return [Finding("fallback", f"the SoftAP setup flow misbehaved: {softap.detail}")]
    if softap.joined and not softap.saved:
        return [Finding("fallback", f"the SoftAP setup joined {softap.joined!r} but the store does not say so")]
    return []


def check_timing(evidence: Evidence, expect: Expectations) -> List[Finding]:
    """The run stayed within the profile's time limit (device clock)."""
    if expect.run_s is None or evidence.device is None or evidence.device.elapsed_s <= expect.run_s:
        return []
    return [Finding("timing", f"the run took {evidence.device.elapsed_s:.1f} s, more than {expect.run_s:g} s")]


#: Every check, in the order findings are listed.
CHECKS: Tuple[Callable[[Evidence, Expectations], List[Finding]], ...] = (
    check_tls,
    check_vicinity,
    check_fallback,
    check_outcome,
    check_error_details,
    check_timing,
)


def check_all(evidence: Evidence, expect: Expectations) -> List[Finding]:
    """Every check's findings, in :data:`CHECKS` order."""
    return [finding for check in CHECKS for finding in check(evidence, expect)]
