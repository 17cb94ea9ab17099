"""Reading the simulator's YAML (or JSON) configuration files with named errors.

Source: team brief (ConfigError names the file and line).
"""

from __future__ import annotations

from typing import Any

from hal.yamltext import decode_yaml

from .._files import read_bounded
from ..errors import ConfigError

__all__ = ["read_yaml", "parse_yaml"]


def read_yaml(path: str) -> Any:
    """Parse a YAML/JSON file with ``yaml.safe_load``.

    Args:
        path: The file.

    Returns:
        The parsed document (None for an empty file).

    Raises:
        ConfigError: The file cannot be read, is larger than 1 MiB, is not UTF-8, or is
            not YAML (with the line, if known).
    """
    return parse_yaml(read_bounded(path, "YAML file"), str(path))


def parse_yaml(data: bytes, name: str) -> Any:
    """The YAML (or JSON) document in ``data``, with ``yaml.safe_load``.

    Args:
        data: the file's bytes.
        name: the file, for messages.
    Raises:
        ConfigError: not UTF-8, not YAML (with the line, if known), or nested too deeply.
    """
    return decode_yaml(data, name, ConfigError)
