from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

CryptoError: Status
DESCRIPTOR: _descriptor.FileDescriptor
InternalError: Status
InvalidArgument: Status
InvalidProto: Status
InvalidSecScheme: Status
InvalidSession: Status
Success: Status
TooManySessions: Status

class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
