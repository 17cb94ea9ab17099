"""What the provisionee state machine asks its runner to do.

Each action is a frozen dataclass naming one compat method (:attr:`Action.METHOD`); its
fields are that method's arguments, in order. The runner calls the method and sends the
return value back into the machine (or throws the exception it raised). Two notices have
no compat method: :class:`Transition` (record it, answer None) and :class:`Finished`.

Fields that may hold secrets (keys, the PIN digest input, configuration values, response
bodies) are left out of ``repr``.

Source: protocol §3.1 (one action per compat function used by the task).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Callable, ClassVar, Dict, Optional, Tuple, Type

from ..compat.types import ConfigValue, HttpRequest, LogLevel, ProvisioneeState, RegistrationRequest, WifiConfiguration

__all__ = [
    "Action",
    "GetDSSClientBuffers",
    "GetConfigurationValue",
    "SetConfigurationValue",
    "SetRegistrationToken",
    "GetRegistrationDetails",
    "RandomBytes",
    "Sha256",
    "HmacSha256",
    "ComputeECDHKey",
    "VerifyCloudSignature",
    "HttpExecute",
    "GetWifiScanResult",
    "AddWifiConfiguration",
    "RemoveWifiConfiguration",
    "ConnectToWifi",
    "GetWifiConnectionDetails",
    "GetWifiConnectionAttempt",
    "SetProvisioneeState",
    "GetProvisioneeState",
    "GetSetupNetworkConfiguration",
    "CanProceed",
    "CanPostWifiScanData",
    "CanGetWifiCredentials",
    "Log",
    "Transition",
    "Finished",
]


@dataclass(frozen=True)
class Action:
    """Base of every action: ``METHOD`` is the compat method, fields are its arguments."""

    METHOD: ClassVar[Optional[str]] = None

    def arguments(self) -> Tuple[Any, ...]:
        """The positional arguments of the compat call."""
        getter = _GETTERS.get(type(self))
        if getter is None:
            getter = _GETTERS[type(self)] = _arguments_getter(type(self))
        return getter(self)

    def invoke(self, target: Any) -> Any:
        """Call ``target.<METHOD>(*arguments())`` (what the runner does with most actions)."""
        caller = _CALLERS.get(type(self))
        if caller is None:
            caller = _CALLERS[type(self)] = _caller(type(self))
        return caller(target, self)


#: Per action class: a function returning its field values as a tuple (built on first use).
_GETTERS: Dict[type, Callable[[Action], Tuple[Any, ...]]] = {}
#: Per action class: ``caller(target, action)`` calling the method (built on first use).
_CALLERS: Dict[type, Callable[[Any, Action], Any]] = {}


def _no_arguments(_action: Action) -> Tuple[Any, ...]:
    return ()


def _arguments_getter(cls: Type[Action]) -> Callable[[Action], Tuple[Any, ...]]:
    """``attrgetter`` over the fields of ``cls``, always returning a tuple."""
    names = [item.name for item in fields(cls)]
    if not names:
        return _no_arguments
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda action: (one(action),)
    return attrgetter(*names)


def _caller(cls: Type[Action]) -> Callable[[Any, Action], Any]:
    """The fastest equivalent of ``getattr(target, cls.METHOD)(*action.arguments())``."""
    method = cls.METHOD
    if method is None:  # a notice (Transition, Finished): the runner handles it, no compat call
        raise TypeError(f"{cls.__name__} names no compat method")
    if cls.arguments is not Action.arguments:  # its own argument list: use it
        return lambda target, action: getattr(target, method)(*action.arguments())
    names = [item.name for item in fields(cls)]
    if not names:
        return lambda target, action: getattr(target, method)()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda target, action: getattr(target, method)(one(action))
    values = attrgetter(*names)
    return lambda target, action: getattr(target, method)(*values(action))


@dataclass(frozen=True)
class GetDSSClientBuffers(Action):
    METHOD: ClassVar[str] = "ffs_dss_client_get_buffers"


@dataclass(frozen=True)
class GetConfigurationValue(Action):
    METHOD: ClassVar[str] = "ffs_get_configuration_value"
    key: str


@dataclass(frozen=True)
class SetConfigurationValue(Action):
    METHOD: ClassVar[str] = "ffs_set_configuration_value"
    key: str
    value: ConfigValue = field(repr=False)


@dataclass(frozen=True)
class SetRegistrationToken(Action):
    METHOD: ClassVar[str] = "ffs_set_registration_token"
    request: RegistrationRequest


@dataclass(frozen=True)
class GetRegistrationDetails(Action):
    METHOD: ClassVar[str] = "ffs_get_registration_details"


@dataclass(frozen=True)
class RandomBytes(Action):
    METHOD: ClassVar[str] = "ffs_random_bytes"
    count: int


@dataclass(frozen=True)
class Sha256(Action):
    METHOD: ClassVar[str] = "ffs_sha256"
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class HmacSha256(Action):
    METHOD: ClassVar[str] = "ffs_compute_hmac_sha256"
    key: bytes = field(repr=False)
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ComputeECDHKey(Action):
    METHOD: ClassVar[str] = "ffs_compute_ecdh_key"
    public_key_der: bytes = field(repr=False)


@dataclass(frozen=True)
class VerifyCloudSignature(Action):
    METHOD: ClassVar[str] = "ffs_verify_cloud_signature"
    payload: bytes = field(repr=False)
    signature: bytes = field(repr=False)


@dataclass(frozen=True)
class HttpExecute(Action):
    """``ffs_http_execute``; the runner applies the retry policy around it."""

    METHOD: ClassVar[str] = "ffs_http_execute"
    request: HttpRequest
    operation: str = ""  # the DSS operation name, for logs and the transcript

    def arguments(self) -> Tuple[Any, ...]:
        return (self.request,)


@dataclass(frozen=True)
class GetWifiScanResult(Action):
    METHOD: ClassVar[str] = "ffs_get_wifi_scan_result"


@dataclass(frozen=True)
class AddWifiConfiguration(Action):
    METHOD: ClassVar[str] = "ffs_add_wifi_configuration"
    configuration: WifiConfiguration


@dataclass(frozen=True)
class RemoveWifiConfiguration(Action):
    METHOD: ClassVar[str] = "ffs_remove_wifi_configuration"
    ssid: bytes


@dataclass(frozen=True)
class ConnectToWifi(Action):
    METHOD: ClassVar[str] = "ffs_connect_to_wifi"


@dataclass(frozen=True)
class GetWifiConnectionDetails(Action):
    METHOD: ClassVar[str] = "ffs_get_wifi_connection_details"


@dataclass(frozen=True)
class GetWifiConnectionAttempt(Action):
    METHOD: ClassVar[str] = "ffs_get_wifi_connection_attempt"


@dataclass(frozen=True)
class SetProvisioneeState(Action):
    METHOD: ClassVar[str] = "ffs_set_wifi_provisionee_state"
    state: ProvisioneeState


@dataclass(frozen=True)
class GetProvisioneeState(Action):
    METHOD: ClassVar[str] = "ffs_get_wifi_provisionee_state"


@dataclass(frozen=True)
class GetSetupNetworkConfiguration(Action):
    METHOD: ClassVar[str] = "ffs_get_setup_network_configuration"


@dataclass(frozen=True)
class CanProceed(Action):
    METHOD: ClassVar[str] = "ffs_wifi_provisionee_can_proceed"


@dataclass(frozen=True)
class CanPostWifiScanData(Action):
    METHOD: ClassVar[str] = "ffs_wifi_provisionee_can_post_wifi_scan_data"
    sequence_number: int
    total_credentials_found: int
    all_credentials_found: bool


@dataclass(frozen=True)
class CanGetWifiCredentials(Action):
    METHOD: ClassVar[str] = "ffs_wifi_provisionee_can_get_wifi_credentials"
    sequence_number: int
    all_credentials_returned: bool


@dataclass(frozen=True)
class Log(Action):
    """``ffs_log``: the machine's own log lines (warnings about skipped data and so on)."""

    METHOD: ClassVar[str] = "ffs_log"
    level: LogLevel
    message: str


@dataclass(frozen=True)
class Transition(Action):
    """Notice: the machine moved (or, with ``stopped``, stopped in ``from_state``).

    Attributes:
        from_state: the state whose handler just ran.
        to_state: the state stored next (equal to ``from_state`` when stopped).
        event: the :class:`~wss.provisionee.states.Event` that fired.
        success: the ``stateTransitionResult`` reported, None when no report was sent.
        source: the protocol section of the transition-table row.
        stopped: the task ended here.
    """

    from_state: ProvisioneeState
    to_state: ProvisioneeState
    event: Any
    success: Optional[bool]
    source: str
    stopped: bool = False


@dataclass(frozen=True)
class Finished(Action):
    """Notice: the task is over; ``outcome`` is a :class:`~wss.provisionee.states.Outcome`."""

    outcome: Any
