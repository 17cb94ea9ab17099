from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

AuthError: WifiConnectFailedReason
Connected: WifiStationState
Connecting: WifiStationState
ConnectionFailed: WifiStationState
DESCRIPTOR: _descriptor.FileDescriptor
Disconnected: WifiStationState
NetworkNotFound: WifiConnectFailedReason
Open: WifiAuthMode
WEP: WifiAuthMode
WPA2_ENTERPRISE: WifiAuthMode
WPA2_PSK: WifiAuthMode
WPA2_WPA3_PSK: WifiAuthMode
WPA3_PSK: WifiAuthMode
WPA_PSK: WifiAuthMode
WPA_WPA2_PSK: WifiAuthMode

class WifiAttemptFailed(_message.Message):
    __slots__ = ["attempts_remaining"]
    ATTEMPTS_REMAINING_FIELD_NUMBER: _ClassVar[int]
    attempts_remaining: int
    def __init__(self, attempts_remaining: _Optional[int] = ...) -> None: ...

class WifiConnectedState(_message.Message):
    __slots__ = ["auth_mode", "bssid", "channel", "ip4_addr", "ssid"]
    AUTH_MODE_FIELD_NUMBER: _ClassVar[int]
    BSSID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    IP4_ADDR_FIELD_NUMBER: _ClassVar[int]
    SSID_FIELD_NUMBER: _ClassVar[int]
    auth_mode: WifiAuthMode
    bssid: bytes
    channel: int
    ip4_addr: str
    ssid: bytes
    def __init__(self, ip4_addr: _Optional[str] = ..., auth_mode: _Optional[_Union[WifiAuthMode, str]] = ..., ssid: _Optional[bytes] = ..., bssid: _Optional[bytes] = ..., channel: _Optional[int] = ...) -> None: ...

class WifiStationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class WifiConnectFailedReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class WifiAuthMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
