"""Arguments of an AT set command, as the firmware reads them.

``AT+CWJAP="my\\,net","pa\\"ss",,1`` has four fields: two strings (quoted; a backslash
makes the next character literal), one empty (left out: the default applies) and one
number. :class:`AtError` carries the ``ERR CODE`` subcategory of a refusal.

Source: ESP-AT "AT Command Set" (parameters, escape character syntax), "Basic AT
Commands" (AT+SYSLOG error codes).
"""

from __future__ import annotations

from typing import List, Optional, Tuple

__all__ = ["AtError", "Params", "split_params", "UNSUPPORTED", "PARA_INVALID", "EXEC_FAIL", "OP_ERROR", "PROCESSING"]

#: ERR CODE subcategories (ESP-AT "Basic AT Commands", AT+SYSLOG).
NO_AT = 0x03
PARA_NUM_MISMATCH = 0x06
PARA_INVALID = 0x07
PARA_PARSE_FAIL = 0x08
UNSUPPORTED = 0x09
EXEC_FAIL = 0x0A
PROCESSING = 0x0B
OP_ERROR = 0x0C


class AtError(Exception):
    """The command ends in ERROR; ``subcategory`` goes into ``ERR CODE:0x01SS0000``."""

    def __init__(self, subcategory: int = EXEC_FAIL, *lines: bytes) -> None:
        super().__init__(f"AT error 0x{subcategory:02x}")
        self.subcategory = subcategory
        self.lines = lines  #: information lines printed before ERROR (e.g. ``+CWJAP:2``)

    @property
    def code(self) -> int:
        return 0x01000000 | (self.subcategory << 16)


Field = Optional[Tuple[bytes, bool]]


def split_params(text: bytes) -> List[Field]:
    """The fields of ``text`` (what follows ``=``): (value, quoted) or None when empty.

    Raises:
        AtError: an unterminated string.
    """
    fields: List[Field] = []
    value = bytearray()
    quoted = was_quoted = escaped = False
    for byte in text:
        if quoted:
            if escaped:
                value.append(byte)
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                quoted = False
            else:
                value.append(byte)
        elif byte == 0x22:
            quoted = was_quoted = True
        elif byte == 0x2C:
            fields.append((bytes(value), was_quoted) if value or was_quoted else None)
            value, was_quoted = bytearray(), False
        else:
            value.append(byte)
    if quoted:
        raise AtError(PARA_PARSE_FAIL)
    stripped = bytes(value) if was_quoted else bytes(value).strip()
    fields.append((stripped, was_quoted) if stripped or was_quoted else None)
    return fields


class Params:
    """Typed access to the fields of one command."""

    def __init__(self, text: bytes) -> None:
        self.fields = split_params(text) if text else []

    def __len__(self) -> int:
        return len(self.fields)

    def string(self, index: int, default: Optional[bytes] = None) -> Optional[bytes]:
        """Field ``index`` as a string (it must be quoted); ``default`` when absent."""
        field = self.fields[index] if index < len(self.fields) else None
        if field is None:
            return default
        value, quoted = field
        if not quoted:
            raise AtError(PARA_INVALID)
        return value

    def integer(self, index: int, default: Optional[int] = None, low: int = -(1 << 31), high: int = 1 << 31) -> int:
        """Field ``index`` as an integer in ``low..high``; ``default`` when absent.

        Raises:
            AtError: absent without a default, not a number, or out of range.
        """
        field = self.fields[index] if index < len(self.fields) else None
        if field is None:
            if default is None:
                raise AtError(PARA_NUM_MISMATCH)
            return default
        value, quoted = field
        try:
            number = int(value)
        except ValueError:
            raise AtError(PARA_INVALID) from None
        if quoted or not low <= number <= high:
            raise AtError(PARA_INVALID)
        return number
