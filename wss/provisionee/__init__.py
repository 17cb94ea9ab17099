"""The WSS provisionee task (protocol §6) as a sans-IO state machine, and its runner.

* :mod:`~wss.provisionee.states` — the transition table (data), events, outcomes.
* :mod:`~wss.provisionee.handlers` — one small handler per state (12).
* :mod:`~wss.provisionee.operations`, :mod:`~wss.provisionee.setup` — shared steps.
* :mod:`~wss.provisionee.actions` — what the machine asks for (one compat call each).
* :mod:`~wss.provisionee.machine` — :class:`ProvisioneeMachine` (start / send / throw).
* :mod:`~wss.provisionee.runner` — :func:`run`: executes the actions through a
  :class:`~wss.compat.Compat` and returns a :class:`ProvisioningResult`.

Source: protocol §6, §7; integration guide (retries, fallback to SoftAP).
"""

from __future__ import annotations

from .context import SIMPLE_SETUP, MachineOptions
from .machine import ProvisioneeMachine
from .runner import ProvisioningResult, TranscriptEntry, run
from .states import Event, Outcome

__all__ = [
    "ProvisioneeMachine",
    "MachineOptions",
    "SIMPLE_SETUP",
    "run",
    "ProvisioningResult",
    "TranscriptEntry",
    "Event",
    "Outcome",
]
