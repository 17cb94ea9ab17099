"""The subset of the OpenSSL configuration format that ``dak.conf`` and ``device.conf`` use.

Supported (with OpenSSL's meaning):

* ``[ section ]`` headers; lines before the first header belong to the ``default`` section;
* ``key = value`` lines; surrounding blanks are dropped; a key may repeat (every
  occurrence is kept in order, and a look-up returns the last one, as in OpenSSL);
* ``#`` comments (whole line or after a value), blank lines, a ``\\`` at the end of a
  line to continue it on the next;
* values in ``"double"`` or ``'single'`` quotes (inside them a ``\\`` makes the next
  character literal), and outside quotes ``\\`` escapes (``\\n``, ``\\t``, ``\\#``…);
* ``$name``, ``${name}``, ``$(name)`` (same section, then ``default``), ``$section::name``
  and ``$ENV::NAME`` expansion, to at most :data:`MAX_VALUE_LENGTH` characters per value
  (as OpenSSL: "variable expansion too long");
* ``oid_section = NAME`` naming a section of ``ShortName = 1.2.3`` entries (what
  ``openssl req`` accepts there).

Anything else — ``.include``, ``.pragma``, a line that is neither a header nor
``key = value``, an unknown ``$variable`` — raises :class:`wss.errors.ConfigError` whose
message names the file and line.

Source: OpenSSL ``config(5)`` manual page (format), ``req(1)`` (``oid_section``); the
real files in ``tests/vectors/amazon-dha``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from cryptography.x509.oid import ObjectIdentifier

from .._files import read_bounded
from ..errors import ConfigError

__all__ = ["Entry", "OpenSSLConfig", "parse", "load", "DEFAULT_SECTION"]

#: Name of the section holding the lines before the first ``[ header ]``.
DEFAULT_SECTION = "default"

_SECTION_RE = re.compile(r"\[\s*([A-Za-z0-9_.\-]+)\s*\]\Z")
_KEY_RE = re.compile(r"([A-Za-z0-9_.\-]+)\s*=(.*)\Z", re.S)
_VAR_RE = re.compile(r"\$(?:\{([^}]*)\}|\(([^)]*)\)|([A-Za-z0-9_]+(?:::[A-Za-z0-9_]+)?))")
_OID_RE = re.compile(r"[0-2](\.(0|[1-9][0-9]*))+\Z")
_ESCAPES = {"n": "\n", "r": "\r", "b": "\b", "t": "\t"}
#: The longest value ``$variable`` expansion may build; OpenSSL refuses longer ones with
#: "variable expansion too long" (``MAX_CONF_VALUE_LENGTH`` in crypto/conf/conf_def.c).
MAX_VALUE_LENGTH = 65535
#: The most characters ``$variable`` expansion may add over a whole file (each value below
#: :data:`MAX_VALUE_LENGTH`, but a file of many such lines would still take gigabytes).
MAX_TOTAL_EXPANSION = 4 * 1024 * 1024
#: The largest configuration file read, in bytes.
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One ``key = value`` line, after quote, escape and ``$variable`` processing.

    Attributes:
        section: The section it belongs to.
        key: The key as written.
        value: The processed value.
        line: 1-based line number where the entry starts.
    """

    section: str
    key: str
    value: str
    line: int


class OpenSSLConfig:
    """A parsed configuration: sections of entries, in file order.

    Args:
        source: The file name to put in error messages.
        sections: Entries per section name (``default`` always present).
        headers: Line number of each section header (``default``: 0).
    """

    def __init__(self, source: str, sections: Dict[str, List[Entry]], headers: Dict[str, int]) -> None:
        self.source = source
        self.sections = sections
        self.headers = headers

    def error(self, message: str, line: Optional[int] = None) -> ConfigError:
        """A ConfigError naming this file and, if given, the line."""
        where = f"{self.source}:{line}" if line else self.source
        return ConfigError(f"{where}: {message}")

    def has_section(self, name: str) -> bool:
        return name in self.sections

    def section(self, name: str, referenced_by: Optional[Entry] = None) -> List[Entry]:
        """The entries of section ``name``.

        Args:
            name: Section name.
            referenced_by: The entry that named it, to cite in the error.

        Raises:
            ConfigError: No such section.
        """
        if name not in self.sections:
            known = ", ".join(sorted(s for s in self.sections if s != DEFAULT_SECTION)) or "none"
            how = f" (named by '{referenced_by.key}')" if referenced_by else ""
            raise self.error(
                f"section [{name}]{how} not found; sections: {known}", referenced_by.line if referenced_by else None
            )
        return self.sections[name]

    def get(self, section: str, key: str) -> Optional[Entry]:
        """The last ``key`` in ``section``, else in ``default`` (OpenSSL's look-up), else None."""
        for name in (section, DEFAULT_SECTION):
            for entry in reversed(self.sections.get(name, [])):
                if entry.key == key:
                    return entry
        return None

    def oids(self) -> Dict[str, ObjectIdentifier]:
        """Short names defined by the ``oid_section``, mapped to their OIDs ({} if none).

        Raises:
            ConfigError: The named section is missing or an entry is not an OID.
        """
        ref = self.get(DEFAULT_SECTION, "oid_section")
        if ref is None:
            return {}
        result: Dict[str, ObjectIdentifier] = {}
        for entry in self.section(ref.value, ref):
            dotted = entry.value.strip()
            if not _OID_RE.match(dotted):
                raise self.error(
                    f"'{entry.key}': {entry.value!r} is not a dotted OID such as 1.3.6.1.4.1.4843.1.3", entry.line
                )
            try:
                result[entry.key] = ObjectIdentifier(dotted)
            except ValueError:  # well formed, but not encodable (an arc too large, 2.x over 39...)
                raise self.error(f"'{entry.key}': {dotted!r} is not a valid OID", entry.line) from None
        return result


def _logical_lines(text: str):
    """Yield (first line number, text) with ``\\``-continued physical lines joined."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        stripped = raw.rstrip()
        trailing = len(stripped) - len(stripped.rstrip("\\"))
        if trailing % 2 == 1:  # an odd number of backslashes: the last one continues the line
            pending += stripped[:-1]
            continue
        yield start, pending + raw
        pending = ""
    if pending:
        yield start, pending


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment that is not quoted or escaped."""
    quote, i = "", 0
    while i < len(line):
        char = line[i]
        if char == "\\":
            i += 2
            continue
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:i]
        i += 1
    return line


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.sections: Dict[str, List[Entry]] = {DEFAULT_SECTION: []}
        self.headers: Dict[str, int] = {DEFAULT_SECTION: 0}
        self.current = DEFAULT_SECTION
        self.expanded = 0  # characters added by $variable expansion so far

    def fail(self, line: int, message: str) -> ConfigError:
        return ConfigError(f"{self.source}:{line}: {message}")

    def lookup(self, line: int, name: str) -> str:
        section, _, key = name.rpartition("::")
        if section == "ENV":
            if key not in os.environ:
                raise self.fail(line, f"${name}: environment variable {key} is not set")
            return os.environ[key]
        for candidate in [section] if section else [self.current, DEFAULT_SECTION]:
            for entry in reversed(self.sections.get(candidate, [])):
                if entry.key == key:
                    return entry.value
        raise self.fail(line, f"${name} has no value (define it earlier in the file)")

    def value(self, line: int, raw: str) -> str:
        out: List[str] = []
        length = 0  # characters in `out`, kept as the variables make it grow
        i, raw = 0, raw.strip()
        while i < len(raw):
            char = raw[i]
            if char in "\"'":
                i += 1
                while i < len(raw) and raw[i] != char:
                    if raw[i] == "\\" and i + 1 < len(raw):
                        i += 1  # inside quotes a backslash makes the next character literal
                    out.append(raw[i])
                    length += 1
                    i += 1
                if i >= len(raw):
                    raise self.fail(line, f"unterminated {char} quote")
                i += 1
            elif char == "\\":
                if i + 1 >= len(raw):
                    raise self.fail(line, "a lone backslash at the end of the value")
                out.append(_ESCAPES.get(raw[i + 1], raw[i + 1]))
                length += 1
                i += 2
            elif char == "$":
                match = _VAR_RE.match(raw, i)
                if not match:
                    raise self.fail(
                        line,
                        "'$' must start a variable such as $name or ${section::name} (write \\$ for a literal dollar)",
                    )
                expansion = self.lookup(line, next(g for g in match.groups() if g is not None))
                length += len(expansion)
                i = match.end()
                if length + len(raw) - i > MAX_VALUE_LENGTH:  # what OpenSSL's str_copy checks
                    limit = MAX_VALUE_LENGTH
                    raise self.fail(line, f"variable expansion too long (over {limit} characters, as OpenSSL)")
                self.expanded += len(expansion)
                if self.expanded > MAX_TOTAL_EXPANSION:  # many lines each just under the limit
                    raise self.fail(line, f"variable expansions add up to more than {MAX_TOTAL_EXPANSION} characters")
                out.append(expansion)
                continue
            else:
                out.append(char)
                length += 1
                i += 1
        return "".join(out)

    def feed(self, line: int, text: str) -> None:
        text = _strip_comment(text).strip()
        if not text:
            return
        if text.startswith("."):
            directive = text.split()[0].split("=")[0]
            raise self.fail(
                line, f"directive {directive} is not supported (only sections, key = value lines and comments are)"
            )
        if text.startswith("["):
            match = _SECTION_RE.match(text)
            if not match:
                raise self.fail(line, f"bad section header {text!r}; expected [ name ]")
            self.current = match.group(1)
            self.sections.setdefault(self.current, [])
            self.headers.setdefault(self.current, line)
            return
        match = _KEY_RE.match(text)
        if not match:
            raise self.fail(
                line, f"cannot parse {text[:40]!r}: expected 'key = value' (keys are letters, digits, '_', '.', '-')"
            )
        key = match.group(1)
        self.sections[self.current].append(Entry(self.current, key, self.value(line, match.group(2)), line))


def parse(text: str, source: str = "<config>") -> OpenSSLConfig:
    """Parse configuration text.

    Args:
        text: The file content.
        source: File name for error messages.

    Returns:
        The parsed configuration.

    Raises:
        ConfigError: Unsupported or malformed content; the message names source and line.
    """
    parser = _Parser(source)
    for line, logical in _logical_lines(text):
        parser.feed(line, logical)
    return OpenSSLConfig(source, parser.sections, parser.headers)


def load(path: Path) -> OpenSSLConfig:
    """Read and parse a configuration file.

    Raises:
        ConfigError: Unreadable (not UTF-8, missing, a folder, over 1 MiB) or unsupported
            content.
    """
    try:
        text = read_bounded(path, "OpenSSL configuration", MAX_FILE_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    return parse(text, str(path))
