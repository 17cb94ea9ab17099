from wss.protocomm.proto import constants_pb2 as _constants_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
S2Session_Command0: Sec2MsgType
S2Session_Command1: Sec2MsgType
S2Session_Response0: Sec2MsgType
S2Session_Response1: Sec2MsgType

class S2SessionCmd0(_message.Message):
    __slots__ = ["client_pubkey", "client_username"]
    CLIENT_PUBKEY_FIELD_NUMBER: _ClassVar[int]
    CLIENT_USERNAME_FIELD_NUMBER: _ClassVar[int]
    client_pubkey: bytes
    client_username: bytes
    def __init__(self, client_username: _Optional[bytes] = ..., client_pubkey: _Optional[bytes] = ...) -> None: ...

class S2SessionCmd1(_message.Message):
    __slots__ = ["client_proof"]
    CLIENT_PROOF_FIELD_NUMBER: _ClassVar[int]
    client_proof: bytes
    def __init__(self, client_proof: _Optional[bytes] = ...) -> None: ...

class S2SessionResp0(_message.Message):
    __slots__ = ["device_pubkey", "device_salt", "status"]
    DEVICE_PUBKEY_FIELD_NUMBER: _ClassVar[int]
    DEVICE_SALT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    device_pubkey: bytes
    device_salt: bytes
    status: _constants_pb2.Status
    def __init__(self, status: _Optional[_Union[_constants_pb2.Status, str]] = ..., device_pubkey: _Optional[bytes] = ..., device_salt: _Optional[bytes] = ...) -> None: ...

class S2SessionResp1(_message.Message):
    __slots__ = ["device_nonce", "device_proof", "status"]
    DEVICE_NONCE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_PROOF_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    device_nonce: bytes
    device_proof: bytes
    status: _constants_pb2.Status
    def __init__(self, status: _Optional[_Union[_constants_pb2.Status, str]] = ..., device_proof: _Optional[bytes] = ..., device_nonce: _Optional[bytes] = ...) -> None: ...

class Sec2Payload(_message.Message):
    __slots__ = ["msg", "sc0", "sc1", "sr0", "sr1"]
    MSG_FIELD_NUMBER: _ClassVar[int]
    SC0_FIELD_NUMBER: _ClassVar[int]
    SC1_FIELD_NUMBER: _ClassVar[int]
    SR0_FIELD_NUMBER: _ClassVar[int]
    SR1_FIELD_NUMBER: _ClassVar[int]
    msg: Sec2MsgType
    sc0: S2SessionCmd0
    sc1: S2SessionCmd1
    sr0: S2SessionResp0
    sr1: S2SessionResp1
    def __init__(self, msg: _Optional[_Union[Sec2MsgType, str]] = ..., sc0: _Optional[_Union[S2SessionCmd0, _Mapping]] = ..., sr0: _Optional[_Union[S2SessionResp0, _Mapping]] = ..., sc1: _Optional[_Union[S2SessionCmd1, _Mapping]] = ..., sr1: _Optional[_Union[S2SessionResp1, _Mapping]] = ...) -> None: ...

class Sec2MsgType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
