"""Steps shared by the state handlers: config reads, nonces, DSS operations, reports.

Every function here is a generator: it yields :mod:`~wss.provisionee.actions` and
receives the compat results, so it does no I/O itself. Use with ``yield from``.

Failure rules (protocol §6.2 failure summary): a failed DSS *operation* (network, TLS,
HTTP status, signature, body) is not fatal — :func:`perform` returns an
:class:`OperationFailed` and the state is reported as FAILURE. A failed *report*, a failed
compat call and a request that cannot be serialized raise, which aborts the task.

Source: protocol §5 (which keys, when), §6.2, §6.4, §8.3, §8.4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Generator, List, Optional, Tuple

from ..compat.types import DEVICE_DETAILS_FIELDS, FfsResult, LogLevel, ProvisioneeState
from ..dss import requests
from ..dss.client import Operation, make_nonce, nonce_random_size
from ..errors import CompatError, PeerProtocolError, WssError
from .actions import (
    GetConfigurationValue,
    GetRegistrationDetails,
    GetWifiConnectionAttempt,
    HttpExecute,
    Log,
    RandomBytes,
    VerifyCloudSignature,
)
from .context import TaskContext
from .states import Event, StateOutcome

__all__ = [
    "OperationFailed",
    "config_value",
    "nonce",
    "device_details",
    "perform",
    "fill_list",
    "report_state",
    "failed",
]

Steps = Generator[Any, Any, Any]


@dataclass(frozen=True)
class OperationFailed:
    """A DSS operation that failed without aborting the task."""

    operation: Operation
    error: WssError


#: The name of every DSS operation (its enum value), for HttpExecute.
_OPERATION_NAMES = {operation: operation.value for operation in Operation}

#: One (immutable) read action per configuration key, reused by every request.
_READS: Dict[str, GetConfigurationValue] = {}


def _read(key: str) -> GetConfigurationValue:
    """The read action of ``key``."""
    action = _READS.get(key)
    if action is None:
        action = _READS[key] = GetConfigurationValue(key)
    return action


def _checked_value(key: str, expected: type, answer: Tuple[FfsResult, Any]) -> Any:
    """The value of a configuration read's answer; None when NOT_IMPLEMENTED.

    Raises:
        CompatError: another result, or a value that is not of type ``expected``.
    """
    result, value = answer
    if result is FfsResult.NOT_IMPLEMENTED:
        return None
    if result is not FfsResult.SUCCESS:
        raise CompatError(f"reading configuration {key} failed: {FfsResult.string(result)}", result)
    if type(value) is not expected:
        raise CompatError(f"configuration {key} must be {expected.__name__}, not {type(value).__name__}")
    return value


def config_value(key: str, expected: type) -> Steps:
    """Read configuration ``key``; None when NOT_IMPLEMENTED.

    Raises:
        CompatError: another result, or a value that is not of type ``expected``.
    """
    return _checked_value(key, expected, (yield _read(key)))


def nonce(ctx: TaskContext) -> Steps:
    """A fresh request nonce from ``ffsRandomBytes`` (protocol §8.3)."""
    length = ctx.dss.nonce_length
    random = yield RandomBytes(nonce_random_size(length))
    return make_nonce(random, length)


def device_details(ctx: TaskContext) -> Steps:
    """The ``deviceDetails`` of a request: 8 config reads in the SDK's order (§5)."""
    values = {}
    for name, key in DEVICE_DETAILS_FIELDS:
        value = _checked_value(key, str, (yield _read(key)))
        if value is not None:
            values[name] = value
    return requests.DeviceDetails(**values)


def perform(ctx: TaskContext, operation: Operation, body: bytes) -> Steps:
    """Send one DSS operation, verify its signature and parse it.

    Returns:
        The parsed response, or :class:`OperationFailed` (logged as a warning).
    """
    client = ctx.dss
    request = client.build_request(operation, body)
    try:
        response = yield HttpExecute(request, _OPERATION_NAMES[operation])
        signature = client.response_signature(response)
        if not (yield VerifyCloudSignature(response.body, signature)):
            raise PeerProtocolError(f"{operation.value} response signature does not verify")
        return client.parse_response(operation, response.body)
    except WssError as exc:
        yield Log(LogLevel.WARNING, f"{operation.value} failed: {exc}")
        return OperationFailed(operation, exc)


def fill_list(
    ctx: TaskContext,
    body: requests.ListBody,
    slot: str,
    fetch: Any,
    encode: Callable[[Any], Optional[bytes]],
    skipped: Callable[[Any], Optional[str]] = lambda item: None,
) -> Steps:
    """Append items to a paged list body while they fit (protocol §8.4, paging).

    The item carried in ``ctx.<slot>`` goes first, then items from ``fetch`` until it
    answers None. The item that does not fit is put back into ``ctx.<slot>`` for the next
    body; one that fits no body at all is dropped with a warning.

    Args:
        slot: the context attribute holding the carried item.
        fetch: the action that yields the next item (None when exhausted).
        encode: item -> JSON bytes, or None to skip it (``skipped`` may explain why).
    Returns:
        The items added, in order.
    """
    added: List[Any] = []
    while True:
        item = getattr(ctx, slot)
        setattr(ctx, slot, None)
        if item is None:
            item = yield fetch
            if item is None:
                return added
        encoded = encode(item)
        if encoded is None:
            reason = skipped(item)
            if reason:
                yield Log(LogLevel.WARNING, reason)
        elif body.try_add(encoded):
            added.append(item)
        elif body.count == 0:
            yield Log(LogLevel.WARNING, f"{item!r} fits no request body; dropped")
        else:
            setattr(ctx, slot, item)
            return added


def report_state(ctx: TaskContext, state: ProvisioneeState, success: bool, with_attempts: bool = False) -> Steps:
    """Report ``state`` with ``stateTransitionResult`` SUCCESS/FAILURE.

    Args:
        with_attempts: include connection attempts (START_PROVISIONING and
            CONNECTING_TO_USER_NETWORK only).
    Returns:
        :class:`StateOutcome`: REPORTED with the next state, or CLOUD_STOPPED when the
        response's canProceed is false or missing.
    Raises:
        WssError: the report failed (this aborts the task).
    Source: protocol §6.2, §6.3 (report), §6.4 (client sequence counter), §8.4.
    """
    registration = yield GetRegistrationDetails()
    client = ctx.dss
    sequence_number = client.next_report_sequence_number()
    request_nonce = yield from nonce(ctx)
    details = yield from device_details(ctx)
    body = requests.report(
        request_nonce,
        client.session_id,
        details,
        sequence_number,
        state,
        registration.state,
        success,
        client.body_limit,
    )
    if with_attempts:
        yield from fill_list(ctx, body, "carried_attempt", GetWifiConnectionAttempt(), requests.attempt_item)
    response = yield from perform(ctx, Operation.REPORT, body.finish())
    if isinstance(response, OperationFailed):
        raise response.error
    if not response.can_proceed:
        return StateOutcome(Event.CLOUD_STOPPED, success)
    return StateOutcome(Event.REPORTED, success, response.next_state)


def failed(result: Optional[Any]) -> bool:
    """True for an :class:`OperationFailed` result."""
    return isinstance(result, OperationFailed)
