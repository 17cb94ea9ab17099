from wss.protocomm.proto import constants_pb2 as _constants_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
TypeCmdCtrlReprov: WiFiCtrlMsgType
TypeCmdCtrlReset: WiFiCtrlMsgType
TypeCtrlReserved: WiFiCtrlMsgType
TypeRespCtrlReprov: WiFiCtrlMsgType
TypeRespCtrlReset: WiFiCtrlMsgType

class CmdCtrlReprov(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class CmdCtrlReset(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RespCtrlReprov(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RespCtrlReset(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class WiFiCtrlPayload(_message.Message):
    __slots__ = ["cmd_ctrl_reprov", "cmd_ctrl_reset", "msg", "resp_ctrl_reprov", "resp_ctrl_reset", "status"]
    CMD_CTRL_REPROV_FIELD_NUMBER: _ClassVar[int]
    CMD_CTRL_RESET_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    RESP_CTRL_REPROV_FIELD_NUMBER: _ClassVar[int]
    RESP_CTRL_RESET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    cmd_ctrl_reprov: CmdCtrlReprov
    cmd_ctrl_reset: CmdCtrlReset
    msg: WiFiCtrlMsgType
    resp_ctrl_reprov: RespCtrlReprov
    resp_ctrl_reset: RespCtrlReset
    status: _constants_pb2.Status
    def __init__(self, msg: _Optional[_Union[WiFiCtrlMsgType, str]] = ..., status: _Optional[_Union[_constants_pb2.Status, str]] = ..., cmd_ctrl_reset: _Optional[_Union[CmdCtrlReset, _Mapping]] = ..., resp_ctrl_reset: _Optional[_Union[RespCtrlReset, _Mapping]] = ..., cmd_ctrl_reprov: _Optional[_Union[CmdCtrlReprov, _Mapping]] = ..., resp_ctrl_reprov: _Optional[_Union[RespCtrlReprov, _Mapping]] = ...) -> None: ...

class WiFiCtrlMsgType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
