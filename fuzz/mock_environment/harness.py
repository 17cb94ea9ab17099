"""The mock radio's YAML environment loader: a file is loaded or refused with one
EnvironmentConfigError naming the entry (never another exception)."""

from __future__ import annotations

from hal.mock.environment import EnvironmentConfigError, decode_yaml, load_environment


def test_one_input(data: bytes) -> None:
    try:
        document = decode_yaml(data, "fuzz.yaml")
        load_environment(document if isinstance(document, dict) else {"access_points": document})
    except EnvironmentConfigError:
        pass
