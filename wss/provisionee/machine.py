"""The provisionee task as a sans-IO machine: actions out, compat results in.

Drive it like this (this is all :func:`wss.provisionee.runner.run` does)::

    machine = ProvisioneeMachine()
    action = machine.start()
    while not isinstance(action, Finished):
        try:
            value = <call the compat method action.METHOD with action.arguments()>
        except WssError as exc:
            action = machine.throw(exc)
        else:
            action = machine.send(value)
    outcome = action.outcome

The machine never sleeps, reads a clock or touches a socket, a driver or a file.

Task loop (protocol §6.1): start (DSS client, NOT_PROVISIONED, encoded network), then
repeat: kill switch → read the stored state → run its handler → look the (state, event)
pair up in the transition table → store the next state, or stop. More transitions than
``MachineOptions.max_transitions`` abort the task (:class:`~wss.errors.RunBudgetExceeded`). Any
:class:`~wss.errors.WssError` from a handler or a compat call aborts the task (the stored
state stays); a pair missing from the table raises
:class:`~wss.provisionee.states.MissingTransition` out of the machine.

Source: protocol §6.1, §6.2; ``docs/design.md`` §5.5 (h11-style sans-IO).
"""

from __future__ import annotations

import types
from typing import Any, Callable, Optional

from ..compat.types import ProvisioneeState
from ..errors import CompatError, LocalProtocolError, RunBudgetExceeded, WssError
from .actions import Action, CanProceed, Finished, GetProvisioneeState, SetProvisioneeState, Transition
from .context import MachineOptions, TaskContext
from .handlers import HANDLERS
from .operations import Steps
from .setup import start_task
from .states import Event, MissingTransition, Outcome, Row, StateOutcome, Target, lookup

__all__ = ["StepMachine", "ProvisioneeMachine", "run_task"]


#: The two argument-less actions of every loop turn (immutable, so shared).
_CAN_PROCEED, _GET_STATE = CanProceed(), GetProvisioneeState()


def _iteration(ctx: TaskContext) -> Steps:
    """One turn of the task loop up to the handler's outcome."""
    if not (yield _CAN_PROCEED):
        return StateOutcome(Event.CLIENT_STOPPED)
    stored = yield _GET_STATE
    try:
        ctx.state = ProvisioneeState(stored)
    except ValueError:
        raise CompatError(f"ffsGetWifiProvisioneeState returned an unknown state {stored!r}") from None
    result = HANDLERS[ctx.state](ctx)
    if isinstance(result, types.GeneratorType):
        result = yield from result
    return result


def _advance(ctx: TaskContext, outcome: StateOutcome) -> Steps:
    """Apply the table row for ``outcome``; returns the row when it stops the task."""
    row = lookup(ctx.state, outcome.event)
    if row.target is Target.STOP:
        return row
    if row.target is Target.FROM_REPORT:
        # FROM_REPORT rows are REPORTED rows, and a REPORTED outcome carries the report's next state.
        assert outcome.next_state is not None
        next_state = outcome.next_state
    else:
        next_state = row.target
    limit = ctx.options.max_transitions
    if ctx.transitions >= limit:
        raise RunBudgetExceeded(
            f"stopped after {limit} state transitions (MachineOptions.max_transitions): the DSS asked for "
            f"{next_state.name} next",
            "max_transitions",
            limit,
        )
    ctx.transitions += 1
    yield SetProvisioneeState(next_state)
    yield Transition(ctx.state, next_state, outcome.event, outcome.success, row.source)
    ctx.state = next_state
    return None


def run_task(options: MachineOptions) -> Steps:
    """The task as a generator of actions; its return value is the :class:`Outcome`."""
    ctx = TaskContext(options=options)
    stop: Optional[Row] = None
    outcome = StateOutcome(Event.ABORTED)
    try:
        yield from start_task(ctx)
        while stop is None:
            outcome = yield from _iteration(ctx)
            stop = yield from _advance(ctx, outcome)
    except MissingTransition:
        raise
    except WssError as exc:
        outcome = StateOutcome(Event.ABORTED, error=exc)
        stop = lookup(ctx.state, Event.ABORTED)
    yield Transition(ctx.state, ctx.state, outcome.event, outcome.success, stop.source, stopped=True)
    return Outcome(ctx.state, outcome.event, ctx.joined_home_network, outcome.error)


class StepMachine:
    """A generator of actions driven one step at a time: :meth:`start`, then
    :meth:`send` / :meth:`throw` per action, until it returns :class:`Finished`.

    Args:
        task: a generator yielding :class:`~wss.provisionee.actions.Action` s; its return
            value becomes ``Finished.outcome``.

    Attributes:
        outcome: the task's return value once :class:`Finished` was returned, else None.
    """

    def __init__(self, task: Steps) -> None:
        self._task = task
        self._resume = self._task.send
        self._started = False
        self._broken = False
        self.outcome: Any = None

    def start(self) -> Action:
        """The first action."""
        if self._started:
            raise LocalProtocolError("the provisionee machine has already started")
        self._started = True
        return self._step(self._resume, None)

    def send(self, value: Any) -> Action:
        """Give the result of the last action; returns the next action."""
        return self._step(self._resume, value)

    def throw(self, error: WssError) -> Action:
        """Report that the last action raised ``error``; returns the next action."""
        return self._step(self._task.throw, error)

    def _step(self, resume: Callable[[Any], Action], value: Any) -> Action:
        if not self._started or self.outcome is not None or self._broken:
            raise LocalProtocolError("the provisionee machine is not running")
        try:
            return resume(value)
        except StopIteration as stop:
            self.outcome = stop.value
            return Finished(stop.value)
        except BaseException:
            self._broken = True
            raise


class ProvisioneeMachine(StepMachine):
    """The sans-IO provisionee: the whole task (:func:`run_task`) as a :class:`StepMachine`.

    Args:
        options: tunables (DSS defaults, setup port, fallback network, policies).

    Attributes:
        outcome: the :class:`Outcome` once :class:`Finished` was returned, else None.
    """

    def __init__(self, options: Optional[MachineOptions] = None) -> None:
        super().__init__(run_task(options or MachineOptions()))
