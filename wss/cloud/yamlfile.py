"""Reading the simulator's YAML (or JSON) configuration files with named errors.

Source: team brief (ConfigError names the file and line).
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError

__all__ = ["read_yaml"]


def read_yaml(path: str) -> Any:
    """Parse a YAML/JSON file with ``yaml.safe_load``.

    Args:
        path: The file.

    Returns:
        The parsed document (None for an empty file).

    Raises:
        ConfigError: The file cannot be read, or is not YAML (with the line, if known).
    """
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark is not None else ""
        raise ConfigError(f"{path}:{line} not valid YAML") from None
