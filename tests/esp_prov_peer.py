"""Espressif's esp_prov client code, the peer of the protocomm tests.

esp-rainmaker-cli (PyPI, by Espressif, Apache-2.0) bundles esp_prov's protocomm modules
under ``rmaker_tools.common``: ``security.srp6a`` (the SRP-6a client), ``security.security1``
and ``security.security2`` (the session state machines) and, through them, the generated
protobuf modules (``proto``). `make test` installs it without its dependencies
(``pip install --no-deps esp-rainmaker-cli==1.14.1``; ``protobuf`` comes with the [test]
extra and ``cryptography`` with [tools]). The device never imports it; the client class
lives in :mod:`wss.certify.esp_prov` (certify's fallback check drives it as a phone too).
"""

from __future__ import annotations

import importlib
import sys
from types import SimpleNamespace

import pytest

from wss.certify.esp_prov import MISSING, EspProvClient, draw_full_length_srp_a


def load() -> SimpleNamespace:
    """The esp_prov modules: ``srp6a``, ``security1``, ``security2``, ``proto``, ``convenience``.

    Skips the calling test, naming what is missing, when esp-rainmaker-cli is absent.
    """
    pytest.importorskip("google.protobuf", reason=MISSING)
    security = pytest.importorskip("rmaker_tools.common.security", reason=MISSING)
    # security1/2 put the folder of the bundled `proto` package on sys.path when imported.
    draw_full_length_srp_a()  # as newer esp_prov does (1 session in 256 failed without it)
    return SimpleNamespace(
        srp6a=importlib.import_module("rmaker_tools.common.security.srp6a"),
        security1=importlib.import_module("rmaker_tools.common.security.security1"),
        security2=importlib.import_module("rmaker_tools.common.security.security2"),
        convenience=importlib.import_module("rmaker_tools.common.utils.convenience"),
        proto=sys.modules["proto"],
        security=security,
    )


class Client(EspProvClient):
    """The esp_prov client of :mod:`wss.certify.esp_prov` (Espressif's flow functions,
    ``Transport_HTTP``, ``Security0/1/2`` and message helpers, driven as a phone), made
    in a test: skips the calling test, naming what is missing, when esp-rainmaker-cli is
    absent. Errors raise ``RuntimeError`` as esp_prov's do."""

    def __init__(self, address, timeout_s: float = 10.0) -> None:
        require_client()
        super().__init__(address, timeout_s)


def require_client() -> None:
    """Skip the calling test, naming what is missing, unless the esp_prov client can be
    made. Call it on the test's own thread before a client is made on another: a skip
    raised on another thread is lost (the test would fail later instead)."""
    load()
    pytest.importorskip("rmaker_tools.rmaker_local_ctrl.esp_prov", reason=MISSING)
