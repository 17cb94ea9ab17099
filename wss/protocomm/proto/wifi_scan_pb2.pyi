from wss.protocomm.proto import constants_pb2 as _constants_pb2
from wss.protocomm.proto import wifi_constants_pb2 as _wifi_constants_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
TypeCmdScanResult: WiFiScanMsgType
TypeCmdScanStart: WiFiScanMsgType
TypeCmdScanStatus: WiFiScanMsgType
TypeRespScanResult: WiFiScanMsgType
TypeRespScanStart: WiFiScanMsgType
TypeRespScanStatus: WiFiScanMsgType

class CmdScanResult(_message.Message):
    __slots__ = ["count", "start_index"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    START_INDEX_FIELD_NUMBER: _ClassVar[int]
    count: int
    start_index: int
    def __init__(self, start_index: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class CmdScanStart(_message.Message):
    __slots__ = ["blocking", "group_channels", "passive", "period_ms"]
    BLOCKING_FIELD_NUMBER: _ClassVar[int]
    GROUP_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    PASSIVE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_MS_FIELD_NUMBER: _ClassVar[int]
    blocking: bool
    group_channels: int
    passive: bool
    period_ms: int
    def __init__(self, blocking: bool = ..., passive: bool = ..., group_channels: _Optional[int] = ..., period_ms: _Optional[int] = ...) -> None: ...

class CmdScanStatus(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RespScanResult(_message.Message):
    __slots__ = ["entries"]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[WiFiScanResult]
    def __init__(self, entries: _Optional[_Iterable[_Union[WiFiScanResult, _Mapping]]] = ...) -> None: ...

class RespScanStart(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RespScanStatus(_message.Message):
    __slots__ = ["result_count", "scan_finished"]
    RESULT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SCAN_FINISHED_FIELD_NUMBER: _ClassVar[int]
    result_count: int
    scan_finished: bool
    def __init__(self, scan_finished: bool = ..., result_count: _Optional[int] = ...) -> None: ...

class WiFiScanPayload(_message.Message):
    __slots__ = ["cmd_scan_result", "cmd_scan_start", "cmd_scan_status", "msg", "resp_scan_result", "resp_scan_start", "resp_scan_status", "status"]
    CMD_SCAN_RESULT_FIELD_NUMBER: _ClassVar[int]
    CMD_SCAN_START_FIELD_NUMBER: _ClassVar[int]
    CMD_SCAN_STATUS_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    RESP_SCAN_RESULT_FIELD_NUMBER: _ClassVar[int]
    RESP_SCAN_START_FIELD_NUMBER: _ClassVar[int]
    RESP_SCAN_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    cmd_scan_result: CmdScanResult
    cmd_scan_start: CmdScanStart
    cmd_scan_status: CmdScanStatus
    msg: WiFiScanMsgType
    resp_scan_result: RespScanResult
    resp_scan_start: RespScanStart
    resp_scan_status: RespScanStatus
    status: _constants_pb2.Status
    def __init__(self, msg: _Optional[_Union[WiFiScanMsgType, str]] = ..., status: _Optional[_Union[_constants_pb2.Status, str]] = ..., cmd_scan_start: _Optional[_Union[CmdScanStart, _Mapping]] = ..., resp_scan_start: _Optional[_Union[RespScanStart, _Mapping]] = ..., cmd_scan_status: _Optional[_Union[CmdScanStatus, _Mapping]] = ..., resp_scan_status: _Optional[_Union[RespScanStatus, _Mapping]] = ..., cmd_scan_result: _Optional[_Union[CmdScanResult, _Mapping]] = ..., resp_scan_result: _Optional[_Union[RespScanResult, _Mapping]] = ...) -> None: ...

class WiFiScanResult(_message.Message):
    __slots__ = ["auth", "bssid", "channel", "rssi", "ssid"]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    BSSID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RSSI_FIELD_NUMBER: _ClassVar[int]
    SSID_FIELD_NUMBER: _ClassVar[int]
    auth: _wifi_constants_pb2.WifiAuthMode
    bssid: bytes
    channel: int
    rssi: int
    ssid: bytes
    def __init__(self, ssid: _Optional[bytes] = ..., channel: _Optional[int] = ..., rssi: _Optional[int] = ..., bssid: _Optional[bytes] = ..., auth: _Optional[_Union[_wifi_constants_pb2.WifiAuthMode, str]] = ...) -> None: ...

class WiFiScanMsgType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
