"""The provisionee transition table, as data, and the records that travel with it.

All transition logic lives here: after a state's handler runs it returns an
:class:`Event`; the pair (state, event) is looked up in :data:`TRANSITIONS` to find the
next state — a fixed state, :attr:`Target.FROM_REPORT` (the report response's
``nextProvisioningState``) or :attr:`Target.STOP` (the task ends, the stored state stays).
A pair missing from the table raises :class:`MissingTransition` (a
:class:`~wss.errors.LocalProtocolError`): it is never ignored.

Source: protocol §6.1 (task loop), §6.2 (per-state behaviour and failure summary),
§6.3 (canProceed).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

from ..compat.types import ProvisioneeState as S
from ..errors import LocalProtocolError, WssError

__all__ = [
    "Event",
    "Target",
    "Row",
    "ROWS",
    "TRANSITIONS",
    "MissingTransition",
    "lookup",
    "describe",
    "StateOutcome",
    "Outcome",
    "DSS_STATES",
    "ACTIVE_STATES",
    "TERMINAL_STATES",
    "NORMAL_PATH",
]


class Event(enum.Enum):
    """What a state handler (or the loop around it) reports."""

    STARTED = "started"  #: NOT_PROVISIONED has nothing to do
    SETUP_NETWORK_JOINED = "setup network joined"
    REPORTED = "reported"  #: the report answered canProceed true
    CLOUD_STOPPED = "cloud stopped"  #: the report answered canProceed false or missing
    CLOUD_DECLINED = "cloud declined"  #: a session/PIN start answered canProceed false
    CLIENT_STOPPED = "client stopped"  #: ffsWifiProvisioneeCanProceed said false
    ABORTED = "aborted"  #: a compat call, a report or a serialization failed
    TERMINAL = "terminal"  #: the stored state is DONE, FAILURE or TERMINATED


class Target(enum.Enum):
    """Non-fixed targets of a row."""

    FROM_REPORT = "from report"
    STOP = "stop"


@dataclass(frozen=True)
class Row:
    """One transition: in ``state``, ``event`` leads to ``target``; ``source`` cites the spec."""

    state: S
    event: Event
    target: Union[S, Target]
    source: str


#: States reported to the DSS (each ends with a report).
DSS_STATES: Tuple[S, ...] = (
    S.START_PROVISIONING,
    S.START_PIN_BASED_SETUP,
    S.COMPUTE_CONFIGURATION,
    S.POST_WIFI_SCAN_DATA,
    S.GET_WIFI_LIST,
    S.CONNECTING_TO_USER_NETWORK,
    S.CONNECTED_TO_USER_NETWORK,
)
#: States the task runs a handler for.
ACTIVE_STATES: Tuple[S, ...] = (S.NOT_PROVISIONED, S.CONNECTING_TO_SETUP_NETWORK) + DSS_STATES
#: States that end the task as soon as they are read.
TERMINAL_STATES: Tuple[S, ...] = (S.DONE, S.FAILURE, S.TERMINATED)
#: The happy path of a provisioning, in order (PIN-based setup, optional, left out): the
#: progress display's steps, and the local DSS's default sequence of next states.
NORMAL_PATH: Tuple[S, ...] = (
    S.NOT_PROVISIONED,
    S.CONNECTING_TO_SETUP_NETWORK,
    S.START_PROVISIONING,
    S.COMPUTE_CONFIGURATION,
    S.POST_WIFI_SCAN_DATA,
    S.GET_WIFI_LIST,
    S.CONNECTING_TO_USER_NETWORK,
    S.CONNECTED_TO_USER_NETWORK,
    S.DONE,
)

ROWS: Tuple[Row, ...] = (
    Row(S.NOT_PROVISIONED, Event.STARTED, S.CONNECTING_TO_SETUP_NETWORK, "§6.2 NOT_PROVISIONED"),
    Row(
        S.CONNECTING_TO_SETUP_NETWORK,
        Event.SETUP_NETWORK_JOINED,
        S.START_PROVISIONING,
        "§6.2 CONNECTING_TO_SETUP_NETWORK, §7.2, §7.3",
    ),
    *(Row(state, Event.REPORTED, Target.FROM_REPORT, "§6.2 'from report'") for state in DSS_STATES),
    *(Row(state, Event.CLOUD_STOPPED, Target.STOP, "§6.2, §6.3 report canProceed false") for state in DSS_STATES),
    Row(S.START_PROVISIONING, Event.CLOUD_DECLINED, Target.STOP, "§6.3 startProvisioningSession"),
    Row(S.START_PIN_BASED_SETUP, Event.CLOUD_DECLINED, Target.STOP, "§6.3 startPinBasedSetup"),
    *(Row(state, Event.CLIENT_STOPPED, Target.STOP, "§6.1 step 4 client kill switch") for state in ACTIVE_STATES),
    *(Row(state, Event.ABORTED, Target.STOP, "§6.1 step 4, §6.2 failure summary") for state in ACTIVE_STATES),
    *(Row(state, Event.TERMINAL, Target.STOP, "§6.1 step 4 terminal state") for state in TERMINAL_STATES),
)

#: (state, event) -> row.
TRANSITIONS: Dict[Tuple[S, Event], Row] = {(row.state, row.event): row for row in ROWS}


def describe() -> str:
    """The transition table as Markdown (the documented table is generated from this)."""
    lines = ["| state | event | next | source |", "|---|---|---|---|"]
    for row in ROWS:
        target = row.target.value if isinstance(row.target, Target) else row.target.name
        lines.append(f"| {row.state.name} | {row.event.value} | {target} | {row.source} |")
    return "\n".join(lines)


class MissingTransition(LocalProtocolError):
    """The transition table has no row for a (state, event) pair."""


def lookup(state: S, event: Event) -> Row:
    """The row for ``event`` in ``state``.

    Raises:
        MissingTransition: no such row (names the event and the state).
    """
    row = TRANSITIONS.get((state, event))
    if row is None:
        raise MissingTransition(f"event {event.name} is not allowed in state {state.name}")
    return row


@dataclass(frozen=True)
class StateOutcome:
    """What a handler returns.

    Attributes:
        event: the event to look up.
        success: the ``stateTransitionResult`` that was reported (None: no report).
        next_state: the report response's next state (for FROM_REPORT rows).
        error: the error that aborted the task (ABORTED only).
    """

    event: Event
    success: Optional[bool] = None
    next_state: Optional[S] = None
    error: Optional[WssError] = None


@dataclass(frozen=True)
class Outcome:
    """How the task ended.

    Attributes:
        final_state: the stored state when it stopped.
        reason: the stopping event (TERMINAL, CLIENT_STOPPED, CLOUD_STOPPED,
            CLOUD_DECLINED or ABORTED).
        joined_home_network: the device is on a user network.
        error: what aborted the task, if it was aborted.
    """

    final_state: S
    reason: Event
    joined_home_network: bool
    error: Optional[WssError] = None

    @property
    def fall_back_to_softap(self) -> bool:
        """True unless the home network was joined: fall back to SoftAP setup with WSS
        disabled (integration guide, "Device factory reset recommendation")."""
        return not self.joined_home_network
