"""The C core's certificate entry points: a subject attribute of a chain's first
certificate (DER or a PEM bundle), and a TLS configuration from a client chain and a
trust bundle (wss.tls.TLSConfig). Each works or raises its documented errors (InvalidKey;
ValueError, TLSError); never a crash of the core.

The first byte picks the entry point; seeds hold real chains (dev PKI shapes)."""

from __future__ import annotations

from wss.crypto import PrivateKey, certificate_subject_attribute
from wss.errors import InvalidKey, TLSError
from wss.tls import TLSConfig

KEY = PrivateKey.generate()
OIDS = ("2.5.4.3", "1.3.6.1.4.1.4843.1.1", "2.5.4.10")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    selector, body = data[0] % 4, data[1:]
    try:
        if selector < 3:
            value = certificate_subject_attribute(body, OIDS[selector])
            assert value is None or isinstance(value, str)
        else:
            TLSConfig(body, KEY, body)
    except (InvalidKey, TLSError, ValueError):
        pass
