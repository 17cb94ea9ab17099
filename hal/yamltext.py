"""The YAML (or JSON) document in a file's bytes, with one clear error per way it can be bad.

Shared by the mock radio's environment files and wss's configuration files (accounts,
faults, certification profiles); each caller names its own error class.

Source: PyYAML ``yaml.safe_load`` (no object construction from tags).
"""

from __future__ import annotations

from typing import Any, Type

__all__ = ["decode_yaml"]


def decode_yaml(data: bytes, name: str, error: Type[Exception]) -> Any:
    """The document in ``data``, parsed with ``yaml.safe_load`` (None for an empty one).

    Args:
        data: the file's bytes.
        name: the file, for messages.
        error: the exception class raised, with a one-line message naming ``name``.
    Raises:
        error: not UTF-8 (with the byte offset), not YAML (with the line, if known), or
            nested too deeply for the parser.
        ImportError: PyYAML is not installed.
    """
    import yaml  # imported only when a file is read: PyYAML is an optional dependency of hal

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{name}: not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise error(f"{name}: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise error(f"{name}:{where} not valid YAML") from None
