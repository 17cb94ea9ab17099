"""Espressif's esp_prov client code, the peer of the protocomm tests.

esp-rainmaker-cli (PyPI, by Espressif, Apache-2.0) bundles esp_prov's protocomm modules
under ``rmaker_tools.common``: ``security.srp6a`` (the SRP-6a client), ``security.security1``
and ``security.security2`` (the session state machines) and, through them, the generated
protobuf modules (``proto``). `make test` installs it without its dependencies
(``pip install --no-deps esp-rainmaker-cli==1.14.1``; ``protobuf`` comes with the [test]
extra and ``cryptography`` with [tools]). It is a test peer only: wss never imports it.
"""

from __future__ import annotations

import importlib
import sys
from types import SimpleNamespace

import pytest

MISSING = (
    "esp-rainmaker-cli (Espressif's esp_prov client modules) is not installed: `make test` installs it "
    "(pip install --no-deps esp-rainmaker-cli==1.14.1, plus protobuf from the [test] extra)"
)


def load() -> SimpleNamespace:
    """The esp_prov modules: ``srp6a``, ``security1``, ``security2``, ``proto``, ``convenience``.

    Skips the calling test, naming what is missing, when esp-rainmaker-cli is absent.
    """
    pytest.importorskip("google.protobuf", reason=MISSING)
    security = pytest.importorskip("rmaker_tools.common.security", reason=MISSING)
    # security1/2 put the folder of the bundled `proto` package on sys.path when imported.
    return SimpleNamespace(
        srp6a=importlib.import_module("rmaker_tools.common.security.srp6a"),
        security1=importlib.import_module("rmaker_tools.common.security.security1"),
        security2=importlib.import_module("rmaker_tools.common.security.security2"),
        convenience=importlib.import_module("rmaker_tools.common.utils.convenience"),
        proto=sys.modules["proto"],
        security=security,
    )


class _AsyncTransport:
    """esp_prov's flow functions ``await tp.send_data(...)``; its HTTP transport is
    synchronous (esp-rainmaker-cli 1.14.1's esp_prov CLI fails on exactly this mismatch
    over HTTP). This shim lets the flow functions drive the real Transport_HTTP."""

    def __init__(self, http) -> None:
        self.http = http

    async def send_data(self, endpoint: str, data):
        return self.http.send_data(endpoint, data)

    async def disconnect(self) -> None:
        self.http.conn.close()


class Client:
    """A provisioning client made of Espressif's own code: esp_prov's flow functions
    (``rmaker_tools.rmaker_local_ctrl.esp_prov``: version and capability checks, session
    establishment, custom data, scan, set/apply config, status, reset, reprov), its
    ``Transport_HTTP``, its ``Security0/1/2`` and its Wi-Fi prov/scan/ctrl and custom-data
    message helpers. Errors raise ``RuntimeError`` as esp_prov's do.

    Skips the calling test, naming what is missing, when esp-rainmaker-cli is absent.
    """

    def __init__(self, address, timeout_s: float = 10.0) -> None:
        load()
        esp_prov = pytest.importorskip("rmaker_tools.rmaker_local_ctrl.esp_prov", reason=MISSING)
        transport_http = importlib.import_module("rmaker_tools.common.transport.transport_http")
        esp_prov.config_throw_except = True
        host, port = address
        self.esp_prov = esp_prov
        self.http = transport_http.Transport_HTTP(f"{host}:{port}", timeout=timeout_s)
        self.tp = _AsyncTransport(self.http)
        self.security = None

    def _run(self, coroutine):
        import asyncio

        return asyncio.run(coroutine)

    def close(self) -> None:
        self.http.conn.close()

    def version(self) -> str:
        return self._run(self.esp_prov.get_version(self.tp))

    def has_capability(self, capability: str) -> bool:
        return self._run(self.esp_prov.has_capability(self.tp, capability))

    def connect(self, sec: int, pop: str = "", username: str = "", password: str = "") -> bool:
        """esp_prov's order: the patch level from proto-ver (security 2), then the session."""
        patch = self._run(self.esp_prov.get_sec_patch_ver(self.tp)) if sec == 2 else 0
        self.security = self.esp_prov.get_security(sec, patch, username, password, pop, False)
        return bool(self._run(self.esp_prov.establish_session(self.tp, self.security)))

    def custom_data(self, text: str) -> bool:
        return bool(self._run(self.esp_prov.custom_data(self.tp, self.security, text)))

    def scan(self):
        return self._run(self.esp_prov.scan_wifi_APs("softap", self.tp, self.security))

    def set_config(self, ssid: str, passphrase: str) -> bool:
        return bool(self._run(self.esp_prov.send_wifi_config(self.tp, self.security, ssid, passphrase)))

    def apply_config(self) -> bool:
        return bool(self._run(self.esp_prov.apply_wifi_config(self.tp, self.security)))

    def status(self) -> str:
        return self._run(self.esp_prov.get_wifi_config(self.tp, self.security))

    def wait_status(self, timeout_s: float = 10.0) -> str:
        """Poll the status until it is no longer ``connecting`` (esp_prov's own wait
        sleeps 5 s between polls; this polls every 50 ms)."""
        import time

        deadline = time.monotonic() + timeout_s
        while True:
            state = self.status()
            if state != "connecting" or time.monotonic() > deadline:
                return state
            time.sleep(0.05)

    def reset(self) -> None:
        self._run(self.esp_prov.reset_wifi(self.tp, self.security))

    def reprov(self) -> None:
        self._run(self.esp_prov.reprov_wifi(self.tp, self.security))
