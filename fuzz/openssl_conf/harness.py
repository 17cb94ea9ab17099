"""The OpenSSL-configuration reader (dak.conf, device.conf): parse, OID section, the
[ req ] section. Anything is parsed or refused with a ConfigError; expansion is bounded
(libFuzzer's memory and time limits make a variable bomb a finding)."""

from __future__ import annotations

from wss.errors import ConfigError
from wss.mfg.csr import request_spec
from wss.mfg.opensslconf import MAX_VALUE_LENGTH, parse


def test_one_input(data: bytes) -> None:
    try:
        config = parse(data.decode("utf-8", "replace"), "fuzz.conf")
    except ConfigError:
        return
    for entries in config.sections.values():
        for entry in entries:
            assert len(entry.value) <= max(MAX_VALUE_LENGTH, len(data))
    try:
        config.oids()
        request_spec(config)
    except ConfigError:
        pass
