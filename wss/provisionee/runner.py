"""The thin runner: carries out the machine's actions through a :class:`~wss.compat.Compat`.

It calls exactly one compat method per action, wraps ``ffs_http_execute`` in the
:class:`~wss.retry.RetryPolicy`, times every state with the injected clock, logs every
transition at INFO with its duration, and returns a :class:`ProvisioningResult`. It never
touches a HAL driver or a socket itself.

Source: protocol §6 (the task), integration guide (retry and fallback guidance).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, cast

from ..compat.base import Compat
from ..compat.types import ProvisioneeState
from ..errors import RunBudgetExceeded, WssError
from ..retry import RetryPolicy, RetryRecord
from .actions import Action, CanProceed, Finished, GetProvisioneeState, HttpExecute, Log, Transition
from .context import MachineOptions
from .machine import ProvisioneeMachine, StepMachine
from .states import Event, Outcome

__all__ = ["TranscriptEntry", "ProvisioningResult", "WallTimeBudget", "run", "drive", "execute_action"]

log = logging.getLogger("wss.provisionee")


@dataclass(frozen=True)
class TranscriptEntry:
    """One transition (or the final stop) with how long the state took.

    Attributes:
        from_state: the state that ran.
        to_state: the state stored next (``from_state`` when ``stopped``).
        event: what happened.
        success: the reported ``stateTransitionResult`` (None: nothing reported).
        duration_s: time spent in ``from_state``, seconds, by the injected clock.
        retries: DSS request retries made during ``from_state``.
        source: the protocol section of the table row.
        stopped: the task ended here.
    """

    from_state: ProvisioneeState
    to_state: ProvisioneeState
    event: Event
    success: Optional[bool]
    duration_s: float
    retries: int
    source: str
    stopped: bool = False


@dataclass(frozen=True)
class ProvisioningResult:
    """How one provisioning run ended.

    Attributes:
        final_state: the stored state when the task stopped.
        reason: the stopping event (TERMINAL, CLIENT_STOPPED, CLOUD_STOPPED,
            CLOUD_DECLINED, ABORTED).
        joined_home_network: the device is on the customer's network.
        fall_back_to_softap: not joined: fall back to SoftAP setup with WSS disabled.
        error: the message of the error that aborted the task (no secrets), or None.
        error_code: its error-details code when it carries one (PeerProtocolError).
        transcript: every transition, in order, ending with the stop.
        retries: every DSS request retry.
        elapsed_s: total run time by the injected clock, seconds.
    """

    final_state: ProvisioneeState
    reason: Event
    joined_home_network: bool
    fall_back_to_softap: bool
    error: Optional[str]
    error_code: Optional[str]
    transcript: Tuple[TranscriptEntry, ...]
    retries: Tuple[RetryRecord, ...]
    elapsed_s: float

    @property
    def succeeded(self) -> bool:
        """Ended in DONE on the home network."""
        return self.final_state is ProvisioneeState.DONE and self.joined_home_network


#: How :func:`run` treats an action class (decided once per class).
_CALL, _REQUEST, _TRANSITION, _FINISHED = "call", "request", "transition", "finished"
_KINDS: Dict[type, str] = {}


def _kind(cls: type) -> str:
    """A notice (Finished, Transition), a DSS request (retry policy) or a plain compat call."""
    kind = (
        _FINISHED
        if issubclass(cls, Finished)
        else _TRANSITION
        if issubclass(cls, Transition)
        else _REQUEST
        if issubclass(cls, HttpExecute)
        else _CALL
    )
    _KINDS[cls] = kind
    return kind


def execute_action(
    compat: Compat, action: Action, policy: RetryPolicy, on_retry: Optional[Callable[[RetryRecord], None]] = None
) -> Any:
    """Call the compat method an action names; DSS requests go through ``policy``."""
    if isinstance(action, HttpExecute):
        return policy.execute(lambda: compat.ffs_http_execute(action.request), on_retry)
    return action.invoke(compat)


class _Recorder:
    """Collects transcript entries and retries; times states with the clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.started = self.state_started = clock()
        self.entries: List[TranscriptEntry] = []
        self.retries: List[RetryRecord] = []
        self._state_retries = 0

    def retry(self, record: RetryRecord) -> None:
        self.retries.append(record)
        self._state_retries += 1

    def transition(self, notice: Transition) -> None:
        now = self.clock()
        entry = TranscriptEntry(
            notice.from_state,
            notice.to_state,
            notice.event,
            notice.success,
            now - self.state_started,
            self._state_retries,
            notice.source,
            notice.stopped,
        )
        self.entries.append(entry)
        self.state_started, self._state_retries = now, 0
        if not log.isEnabledFor(logging.INFO):
            return
        result = {None: "", True: ", SUCCESS", False: ", FAILURE"}[entry.success]
        if entry.stopped:
            log.info(
                "stopped in %s (%s%s) after %.1f ms",
                entry.from_state.name,
                entry.event.value,
                result,
                entry.duration_s * 1000,
            )
        else:
            log.info(
                "%s -> %s (%s%s) in %.1f ms",
                entry.from_state.name,
                entry.to_state.name,
                entry.event.value,
                result,
                entry.duration_s * 1000,
            )

    def result(self, outcome: Outcome) -> ProvisioningResult:
        error = outcome.error
        return ProvisioningResult(
            outcome.final_state,
            outcome.reason,
            outcome.joined_home_network,
            outcome.fall_back_to_softap,
            None if error is None else str(error),
            getattr(error, "error_code", None),
            tuple(self.entries),
            tuple(self.retries),
            self.clock() - self.started,
        )


#: Actions carried out even after the run's wall time is used up: they never wait, and the
#: loop's own bookkeeping (kill switch, stored state) lets a terminal state end the task.
_UNBUDGETED = frozenset({Log, CanProceed, GetProvisioneeState})


class WallTimeBudget:
    """The whole-run wall-time budget (``MachineOptions.max_run_s``) on an injected clock.

    Calling it answers None while time is left, else the
    :class:`~wss.errors.RunBudgetExceeded` to throw into the machine.

    Args:
        limit_s: seconds the run may take.
        clock: monotonic seconds.
        started_s: the clock reading when the run started (default: now).
    """

    def __init__(self, limit_s: float, clock: Callable[[], float], started_s: Optional[float] = None) -> None:
        self.limit_s = limit_s
        self.clock = clock
        self.end_s = (clock() if started_s is None else started_s) + limit_s

    def __call__(self) -> Optional[RunBudgetExceeded]:
        if self.clock() < self.end_s:
            return None
        return RunBudgetExceeded(
            f"the run took longer than {self.limit_s:g} s (MachineOptions.max_run_s)", "max_run_s", self.limit_s
        )


def drive(
    machine: StepMachine,
    compat: Compat,
    policy: RetryPolicy,
    on_retry: Optional[Callable[[RetryRecord], None]] = None,
    on_transition: Optional[Callable[[Transition], None]] = None,
    budget: Optional[Callable[[], Optional[WssError]]] = None,
) -> Any:
    """Carry out ``machine``'s actions through ``compat`` until it finishes.

    One compat method per action; DSS requests go through ``policy``; a
    :class:`~wss.errors.WssError` raised by a compat method is thrown back into the
    machine; :class:`Transition` notices go to ``on_transition``.

    Args:
        budget: asked before every action that may wait (all but notices, ``Log``,
            ``CanProceed`` and ``GetProvisioneeState``); when it returns an error, that
            error is thrown into the machine instead of carrying the action out (e.g.
            :class:`WallTimeBudget`).
    Returns:
        The machine's outcome (``Finished.outcome``).
    """
    send, throw, kinds = machine.send, machine.throw, _KINDS
    action = machine.start()
    while True:
        kind = kinds.get(type(action)) or _kind(type(action))
        if kind is _FINISHED:
            return cast(Finished, action).outcome  # _kind: a Finished
        if kind is _TRANSITION:
            if on_transition is not None:
                on_transition(cast(Transition, action))  # _kind: a Transition
            action = send(None)
            continue
        if budget is not None and type(action) not in _UNBUDGETED:
            spent = budget()
            if spent is not None:
                action = throw(spent)
                continue
        try:
            value = action.invoke(compat) if kind is _CALL else execute_action(compat, action, policy, on_retry)
        except WssError as exc:
            action = throw(exc)
        else:
            action = send(value)


def run(
    compat: Compat,
    *,
    options: Optional[MachineOptions] = None,
    retry_policy: Optional[RetryPolicy] = None,
    clock: Callable[[], float] = time.monotonic,
) -> ProvisioningResult:
    """Run one provisioning to its end.

    Args:
        compat: the platform; the only thing the run touches.
        options: machine options (DSS defaults, setup port, fallback network, the run's
            budget: ``max_transitions`` and ``max_run_s``).
        retry_policy: retries of DSS requests (default: the guide's policy with ``clock``).
        clock: monotonic seconds, for durations and the wall-time budget.
    Returns:
        The result: final state, joined or fall back, transcript.
    Raises:
        MissingTransition: the transition table lacks a pair (a bug, never ignored).

    A run that exhausts its budget ends like any aborted run: ``reason`` ABORTED,
    ``error`` naming the budget, ``fall_back_to_softap`` unless the home network was joined.
    """
    options = options if options is not None else MachineOptions()
    policy = retry_policy if retry_policy is not None else RetryPolicy(clock=clock)
    recorder = _Recorder(clock)
    budget = None if options.max_run_s is None else WallTimeBudget(options.max_run_s, clock, recorder.started)
    outcome = drive(ProvisioneeMachine(options), compat, policy, recorder.retry, recorder.transition, budget)
    result = recorder.result(outcome)
    if result.error is not None:
        log.warning("provisioning aborted in %s: %s", result.final_state.name, result.error)
    if result.fall_back_to_softap:
        log.info("home network not joined: fall back to SoftAP setup with WSS disabled")
    return result
