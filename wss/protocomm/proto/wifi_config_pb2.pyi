from wss.protocomm.proto import constants_pb2 as _constants_pb2
from wss.protocomm.proto import wifi_constants_pb2 as _wifi_constants_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
TypeCmdApplyConfig: WiFiConfigMsgType
TypeCmdGetStatus: WiFiConfigMsgType
TypeCmdSetConfig: WiFiConfigMsgType
TypeRespApplyConfig: WiFiConfigMsgType
TypeRespGetStatus: WiFiConfigMsgType
TypeRespSetConfig: WiFiConfigMsgType

class CmdApplyConfig(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class CmdGetStatus(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class CmdSetConfig(_message.Message):
    __slots__ = ["bssid", "channel", "passphrase", "ssid"]
    BSSID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PASSPHRASE_FIELD_NUMBER: _ClassVar[int]
    SSID_FIELD_NUMBER: _ClassVar[int]
    bssid: bytes
    channel: int
    passphrase: bytes
    ssid: bytes
    def __init__(self, ssid: _Optional[bytes] = ..., passphrase: _Optional[bytes] = ..., bssid: _Optional[bytes] = ..., channel: _Optional[int] = ...) -> None: ...

class RespApplyConfig(_message.Message):
    __slots__ = ["status"]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: _constants_pb2.Status
    def __init__(self, status: _Optional[_Union[_constants_pb2.Status, str]] = ...) -> None: ...

class RespGetStatus(_message.Message):
    __slots__ = ["attempt_failed", "connected", "fail_reason", "sta_state", "status"]
    ATTEMPT_FAILED_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    FAIL_REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STA_STATE_FIELD_NUMBER: _ClassVar[int]
    attempt_failed: _wifi_constants_pb2.WifiAttemptFailed
    connected: _wifi_constants_pb2.WifiConnectedState
    fail_reason: _wifi_constants_pb2.WifiConnectFailedReason
    sta_state: _wifi_constants_pb2.WifiStationState
    status: _constants_pb2.Status
    def __init__(self, status: _Optional[_Union[_constants_pb2.Status, str]] = ..., sta_state: _Optional[_Union[_wifi_constants_pb2.WifiStationState, str]] = ..., fail_reason: _Optional[_Union[_wifi_constants_pb2.WifiConnectFailedReason, str]] = ..., connected: _Optional[_Union[_wifi_constants_pb2.WifiConnectedState, _Mapping]] = ..., attempt_failed: _Optional[_Union[_wifi_constants_pb2.WifiAttemptFailed, _Mapping]] = ...) -> None: ...

class RespSetConfig(_message.Message):
    __slots__ = ["status"]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: _constants_pb2.Status
    def __init__(self, status: _Optional[_Union[_constants_pb2.Status, str]] = ...) -> None: ...

class WiFiConfigPayload(_message.Message):
    __slots__ = ["cmd_apply_config", "cmd_get_status", "cmd_set_config", "msg", "resp_apply_config", "resp_get_status", "resp_set_config"]
    CMD_APPLY_CONFIG_FIELD_NUMBER: _ClassVar[int]
    CMD_GET_STATUS_FIELD_NUMBER: _ClassVar[int]
    CMD_SET_CONFIG_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    RESP_APPLY_CONFIG_FIELD_NUMBER: _ClassVar[int]
    RESP_GET_STATUS_FIELD_NUMBER: _ClassVar[int]
    RESP_SET_CONFIG_FIELD_NUMBER: _ClassVar[int]
    cmd_apply_config: CmdApplyConfig
    cmd_get_status: CmdGetStatus
    cmd_set_config: CmdSetConfig
    msg: WiFiConfigMsgType
    resp_apply_config: RespApplyConfig
    resp_get_status: RespGetStatus
    resp_set_config: RespSetConfig
    def __init__(self, msg: _Optional[_Union[WiFiConfigMsgType, str]] = ..., cmd_get_status: _Optional[_Union[CmdGetStatus, _Mapping]] = ..., resp_get_status: _Optional[_Union[RespGetStatus, _Mapping]] = ..., cmd_set_config: _Optional[_Union[CmdSetConfig, _Mapping]] = ..., resp_set_config: _Optional[_Union[RespSetConfig, _Mapping]] = ..., cmd_apply_config: _Optional[_Union[CmdApplyConfig, _Mapping]] = ..., resp_apply_config: _Optional[_Union[RespApplyConfig, _Mapping]] = ...) -> None: ...

class WiFiConfigMsgType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
