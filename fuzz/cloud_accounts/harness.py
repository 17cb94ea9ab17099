"""The local DSS's accounts and faults files (YAML): loaded or refused with one
ConfigError naming the entry (never another exception, never a key in the message)."""

from __future__ import annotations

from wss.cloud.accounts import load_accounts
from wss.cloud.faults import load_faults
from wss.cloud.yamlfile import parse_yaml
from wss.errors import ConfigError


def test_one_input(data: bytes) -> None:
    try:
        document = parse_yaml(data, "fuzz.yaml")
    except ConfigError:
        return
    for loader in (load_accounts, load_faults):
        try:
            loader(document if isinstance(document, dict) else {"customers": document, "faults": document})
        except ConfigError:
            pass
