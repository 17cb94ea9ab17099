"""Checked command-line values: every option is validated while the command line is parsed.

A value that is malformed or out of range — a port of 0 or 70000, a timeout of ``nan``,
a path to a missing file or to a folder where a file is expected — is refused before the
command does anything, so a typo never persists state. :class:`Parser` prints such an
error as one line (``wss provision: error: argument --setup-port: ...``) and exits with
status 2, like :class:`wss.errors.UsageError` raised later by a command.

Each function here is an ``argparse`` ``type=``: it takes the text and returns the value,
or raises :class:`argparse.ArgumentTypeError` with what is wrong.

Source: docs/design.md §6 (usage errors: one line, exit status 2, nothing persisted).
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from typing import Callable, NoReturn, Tuple, Union

from ..errors import UsageError

__all__ = [
    "Parser",
    "port",
    "port_or_any",
    "int_range",
    "seconds",
    "existing_file",
    "existing_folder",
    "folder_to_create",
    "file_to_write",
    "ssid",
    "passphrase",
    "product_index",
    "product_index_or_file",
    "hex_bytes",
    "endpoint",
    "host",
    "usage_error",
]

_Bad = argparse.ArgumentTypeError

#: Longest host name (RFC 1035 §2.3.4, in text form).
_MAX_HOST = 253
#: Longest timeout or budget accepted on the command line, seconds (one day).
MAX_SECONDS = 86400.0


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors are one line on standard error.

    Sub-parsers made with ``add_subparsers`` are of this class too (argparse gives them
    the class of their parent).
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def usage_error(option: str, problem: str) -> UsageError:
    """The :class:`~wss.errors.UsageError` for a bad value found after parsing."""
    return UsageError(f"argument {option}: {problem}")


def int_range(low: int, high: int, what: str = "an integer") -> Callable[[str], int]:
    """A ``type=`` for an integer in ``low..high``."""

    def convert(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise _Bad(f"{text!r} is not {what}") from None
        if not low <= value <= high:
            raise _Bad(f"{value} is out of range: {what} {low}..{high}")
        return value

    convert.__name__ = what  # argparse names the type in its own messages
    return convert


#: A TCP port, 1..65535.
port = int_range(1, 65535, "a TCP port")
#: A TCP port to listen on, 0 (any free port) to 65535.
port_or_any = int_range(0, 65535, "a TCP port (0 = any free port)")


def seconds(text: str) -> float:
    """A ``type=`` for a positive, finite number of seconds (at most one day)."""
    try:
        value = float(text)
    except ValueError:
        raise _Bad(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_SECONDS or math.isnan(value):
        raise _Bad(f"{text} is out of range: seconds must be more than 0 and at most {MAX_SECONDS:g}")
    return value


def _path(text: str) -> Path:
    if not text:
        raise _Bad("an empty path")
    return Path(text)


def existing_file(text: str) -> Path:
    """A ``type=`` for a path that names an existing file (not a folder)."""
    path = _path(text)
    if path.is_dir():
        raise _Bad(f"{text} is a folder, not a file")
    if not path.exists():
        raise _Bad(f"{text}: no such file")
    return path


def pkcs11_uri(text: str) -> str:
    """A ``type=`` for an RFC 7512 ``pkcs11:`` URI naming a private key (docs/pkcs11.md);
    checked here, kept as text."""
    from ..crypto._pkcs11 import parse_pkcs11_uri

    try:
        parse_pkcs11_uri(text)
    except UsageError as exc:  # the message never repeats a PIN
        raise _Bad(str(exc)) from None
    return text


def device_key(text: str) -> Union[Path, str]:
    """A ``type=`` for a device key: a ``pkcs11:`` URI (:func:`pkcs11_uri`) or an existing file."""
    return pkcs11_uri(text) if text.startswith("pkcs11:") else existing_file(text)


def existing_folder(text: str) -> Path:
    """A ``type=`` for a path that names an existing folder."""
    path = _path(text)
    if not path.exists():
        raise _Bad(f"{text}: no such folder")
    if not path.is_dir():
        raise _Bad(f"{text} is not a folder")
    return path


def folder_to_create(text: str) -> Path:
    """A ``type=`` for a folder that may not exist yet: if something is there, it is a folder,
    and the nearest existing parent is a folder too."""
    path = _path(text)
    if path.exists() and not path.is_dir():
        raise _Bad(f"{text} exists and is not a folder")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise _Bad(f"{text}: {parent} is not a folder")
    return path


def file_to_write(text: str) -> Path:
    """A ``type=`` for a file to create or append to: not a folder, in an existing folder."""
    path = _path(text)
    if path.is_dir():
        raise _Bad(f"{text} is a folder, not a file")
    if not path.parent.is_dir():
        raise _Bad(f"{text}: folder {path.parent} does not exist")
    return path


def ssid(text: str) -> bytes:
    """A ``type=`` for an SSID: 1 to 32 bytes of UTF-8 (IEEE 802.11-2020 §9.4.2.2)."""
    data = text.encode("utf-8", "surrogateescape")
    if not 1 <= len(data) <= 32:
        raise _Bad(f"an SSID is 1 to 32 bytes, this one is {len(data)}")
    return data


def passphrase(text: str) -> bytes:
    """A ``type=`` for a WPA passphrase: 8 to 63 printable ASCII characters, or 64 hex
    digits (IEEE 802.11-2020 Annex J.4)."""
    if re.fullmatch(r"[0-9A-Fa-f]{64}", text):
        return text.encode("ascii")
    if not 8 <= len(text) <= 63 or not all(" " <= char <= "~" for char in text):
        raise _Bad(
            f"a WPA passphrase is 8 to 63 printable ASCII characters or 64 hex digits, not {len(text)} characters"
        )
    return text.encode("ascii")


def product_index(text: str) -> str:
    """A ``type=`` for a product index: 4 printable ASCII characters, e.g. ``5K2k``
    (protocol §5, §7.1: its 4 bytes go into the encoded SSID)."""
    if not re.fullmatch(r"[\x21-\x7e]{4}", text):
        raise _Bad(f"{text!r} is not a product index (4 printable ASCII characters)")
    return text


def product_index_or_file(text: str) -> str:
    """A ``type=`` for a product index, or the path of an existing file holding one."""
    if Path(text).is_file():
        return text
    if Path(text).is_dir():
        raise _Bad(f"{text} is a folder, not a product index or a file holding one")
    try:
        return product_index(text)
    except _Bad:
        raise _Bad(f"{text!r} is neither a product index (4 printable ASCII characters) nor an existing file") from None


def hex_bytes(length: int) -> Callable[[str], bytes]:
    """A ``type=`` for exactly ``length`` bytes written in hex."""

    def convert(text: str) -> bytes:
        try:
            value = bytes.fromhex(text)
        except ValueError:
            raise _Bad(f"{text!r} is not hexadecimal") from None
        if len(value) != length:
            raise _Bad(f"must be {length} bytes ({2 * length} hex digits), got {len(value)}")
        return value

    convert.__name__ = f"{length} bytes in hex"
    return convert


_HOST_CHARACTERS = re.compile(r"[A-Za-z0-9._\-]+")


def host(text: str) -> str:
    """A ``type=`` for a host: a name (letters, digits, ``.``, ``-``, ``_``; at most 253
    characters), an IPv4 address, or an IPv6 address with or without brackets."""
    value = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if ":" in value:
        import ipaddress

        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            raise _Bad(f"{text!r} is not an IPv6 address") from None
        return value
    if not value or len(value) > _MAX_HOST or not _HOST_CHARACTERS.fullmatch(value):
        raise _Bad(f"{text!r} is not a host name or address")
    return value


def endpoint(text: str) -> Tuple[str, int]:
    """A ``type=`` for ``HOST:PORT``; an IPv6 host is written in brackets (``[::1]:8443``,
    RFC 3986 §3.2.2). The brackets are not part of the returned host."""
    address, colon, number = text.rpartition(":")
    if not colon or not address:
        raise _Bad(f"{text!r} is not HOST:PORT")
    if ":" in address and not (address.startswith("[") and address.endswith("]")):
        raise _Bad(f"{text!r}: write an IPv6 address in brackets, e.g. [::1]:8443")
    return host(address), port(number)
