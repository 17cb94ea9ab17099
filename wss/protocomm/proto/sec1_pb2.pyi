from wss.protocomm.proto import constants_pb2 as _constants_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
Session_Command0: Sec1MsgType
Session_Command1: Sec1MsgType
Session_Response0: Sec1MsgType
Session_Response1: Sec1MsgType

class Sec1Payload(_message.Message):
    __slots__ = ["msg", "sc0", "sc1", "sr0", "sr1"]
    MSG_FIELD_NUMBER: _ClassVar[int]
    SC0_FIELD_NUMBER: _ClassVar[int]
    SC1_FIELD_NUMBER: _ClassVar[int]
    SR0_FIELD_NUMBER: _ClassVar[int]
    SR1_FIELD_NUMBER: _ClassVar[int]
    msg: Sec1MsgType
    sc0: SessionCmd0
    sc1: SessionCmd1
    sr0: SessionResp0
    sr1: SessionResp1
    def __init__(self, msg: _Optional[_Union[Sec1MsgType, str]] = ..., sc0: _Optional[_Union[SessionCmd0, _Mapping]] = ..., sr0: _Optional[_Union[SessionResp0, _Mapping]] = ..., sc1: _Optional[_Union[SessionCmd1, _Mapping]] = ..., sr1: _Optional[_Union[SessionResp1, _Mapping]] = ...) -> None: ...

class SessionCmd0(_message.Message):
    __slots__ = ["client_pubkey"]
    CLIENT_PUBKEY_FIELD_NUMBER: _ClassVar[int]
    client_pubkey: bytes
    def __init__(self, client_pubkey: _Optional[bytes] = ...) -> None: ...

class SessionCmd1(_message.Message):
    __slots__ = ["client_verify_data"]
    CLIENT_VERIFY_DATA_FIELD_NUMBER: _ClassVar[int]
    client_verify_data: bytes
    def __init__(self, client_verify_data: _Optional[bytes] = ...) -> None: ...

class SessionResp0(_message.Message):
    __slots__ = ["device_pubkey", "device_random", "status"]
    DEVICE_PUBKEY_FIELD_NUMBER: _ClassVar[int]
    DEVICE_RANDOM_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    device_pubkey: bytes
    device_random: bytes
    status: _constants_pb2.Status
    def __init__(self, status: _Optional[_Union[_constants_pb2.Status, str]] = ..., device_pubkey: _Optional[bytes] = ..., device_random: _Optional[bytes] = ...) -> None: ...

class SessionResp1(_message.Message):
    __slots__ = ["device_verify_data", "status"]
    DEVICE_VERIFY_DATA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    device_verify_data: bytes
    status: _constants_pb2.Status
    def __init__(self, status: _Optional[_Union[_constants_pb2.Status, str]] = ..., device_verify_data: _Optional[bytes] = ...) -> None: ...

class Sec1MsgType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
