"""Espressif's esp_prov client code as a phone: the peer of certify's fallback check (and,
through ``tests/esp_prov_peer.py``, of the protocomm tests).

esp-rainmaker-cli (PyPI, by Espressif, Apache-2.0) bundles esp_prov's modules under
``rmaker_tools``: the flow functions (``rmaker_local_ctrl.esp_prov``), ``Transport_HTTP``,
``Security0/1/2`` and the generated protobuf messages. It is installed without its
dependencies (``pip install --no-deps esp-rainmaker-cli==1.14.1``, plus ``protobuf``;
``make test`` does it); wss imports it only here, only when asked.

Source: ESP-IDF's esp_prov tool (docs/softap.md, "Clients").
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
import threading
import time
from typing import Any, Coroutine, Iterator, List, Tuple

__all__ = ["MISSING", "EspProvUnavailable", "load_esp_prov", "EspProvClient", "quiet"]

log = logging.getLogger("wss.certify")
_quiet_lock = threading.Lock()
_quiet_users = 0

MISSING = (
    "esp-rainmaker-cli (Espressif's esp_prov client modules) is not installed: `make test` installs it "
    "(pip install --no-deps esp-rainmaker-cli==1.14.1, plus protobuf from the [test] extra)"
)


#: The SRP-6a group's size (RFC 5054's 3072-bit group), bytes: A must be this long.
SRP_GROUP_BYTES = 384


class EspProvUnavailable(ImportError):
    """esp-rainmaker-cli (or protobuf) is not installed; the message says how to get it."""


def load_esp_prov() -> Tuple[Any, Any]:
    """esp_prov's flow module and its HTTP transport module.

    Raises:
        EspProvUnavailable: esp-rainmaker-cli or protobuf is missing.
    """
    try:
        importlib.import_module("google.protobuf")
        esp_prov = importlib.import_module("rmaker_tools.rmaker_local_ctrl.esp_prov")
        transport_http = importlib.import_module("rmaker_tools.common.transport.transport_http")
    except ImportError:
        raise EspProvUnavailable(MISSING) from None
    draw_full_length_srp_a()
    return esp_prov, transport_http


def draw_full_length_srp_a() -> None:
    """Make esp_prov's SRP-6a client draw a new secret ``a`` until ``A = g^a mod N`` is 384
    bytes long, as newer esp_prov releases do.

    An ESP-IDF device (and ours, docs/softap.md) requires ``client_pubkey`` A of exactly
    384 bytes, but the esp_prov bundled in esp-rainmaker-cli 1.14.1 sends A in its shortest
    form, so about 1 security-2 session in 256 (A with a leading zero byte) was refused.
    The phone, not the device, is changed: idempotent; a no-op once patched.

    Raises:
        EspProvUnavailable: esp-rainmaker-cli is missing.
    """
    try:
        srp6a = importlib.import_module("rmaker_tools.common.security.srp6a")
        security2 = importlib.import_module("rmaker_tools.common.security.security2")
    except ImportError:
        raise EspProvUnavailable(MISSING) from None
    base = security2.Srp6a
    if getattr(base, "full_length_a", False):
        return

    class FullLengthA(base):  # type: ignore[misc, valid-type]
        full_length_a = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            A: int = self.__dict__["A"]
            while A.bit_length() <= 8 * (SRP_GROUP_BYTES - 1):
                self.a = srp6a.get_random_of_length(32)
                A = pow(self.g, self.a, self.N)
            self.__dict__["A"] = A

    setattr(security2, "Srp6a", FullLengthA)  # noqa: B010 (a module attribute mypy cannot see)


def _to_log(*values: Any, **_options: Any) -> None:
    log.debug("esp_prov: %s", " ".join(str(v) for v in values))


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """While inside, esp_prov's modules print to the debug log instead of standard
    output (certify's report goes there). Their module-level ``print`` is shadowed and
    restored on the way out; nesting and threads are counted."""
    global _quiet_users
    with _quiet_lock:
        _quiet_users += 1
        if _quiet_users == 1:
            for name, module in list(sys.modules.items()):
                if name.startswith("rmaker_tools.") and module is not None:
                    module.print = _to_log  # type: ignore[attr-defined]
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0:
                for name, module in list(sys.modules.items()):
                    if name.startswith("rmaker_tools.") and getattr(module, "print", None) is _to_log:
                        del module.print


class _AsyncTransport:
    """esp_prov's flow functions ``await tp.send_data(...)``; its HTTP transport is
    synchronous (esp-rainmaker-cli 1.14.1's esp_prov CLI fails on exactly this mismatch
    over HTTP). This shim lets the flow functions drive the real Transport_HTTP."""

    def __init__(self, http: Any) -> None:
        self.http = http

    async def send_data(self, endpoint: str, data: Any) -> Any:
        return self.http.send_data(endpoint, data)

    async def disconnect(self) -> None:
        self.http.conn.close()


class EspProvClient:
    """A provisioning client made of Espressif's own code: esp_prov's flow functions
    (version and capability checks, session establishment, custom data, scan, set/apply
    config, status, reset, reprov), its ``Transport_HTTP``, its ``Security0/1/2`` and its
    message helpers. Errors raise ``RuntimeError`` as esp_prov's do.

    Args:
        address: ``(host, port)`` of the device's provisioning HTTP server.
        timeout_s: each HTTP request's timeout, seconds.
    Raises:
        EspProvUnavailable: esp-rainmaker-cli is not installed.
    """

    def __init__(self, address: Tuple[str, int], timeout_s: float = 10.0) -> None:
        esp_prov, transport_http = load_esp_prov()
        esp_prov.config_throw_except = True
        host, port = address
        self.esp_prov = esp_prov
        self.http = transport_http.Transport_HTTP(f"{host}:{port}", timeout=timeout_s)
        self.tp = _AsyncTransport(self.http)
        self.security: Any = None

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
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

    def scan(self) -> List[Any]:
        return self._run(self.esp_prov.scan_wifi_APs("softap", self.tp, self.security))

    def set_config(self, ssid: str, passphrase: str) -> bool:
        return bool(self._run(self.esp_prov.send_wifi_config(self.tp, self.security, ssid, passphrase)))

    def apply_config(self) -> bool:
        return bool(self._run(self.esp_prov.apply_wifi_config(self.tp, self.security)))

    def status(self) -> str:
        return self._run(self.esp_prov.get_wifi_config(self.tp, self.security))

    def wait_status(self, timeout_s: float = 10.0) -> str:
        """Poll the status until it is no longer ``connecting`` or ``timeout_s`` passed
        (esp_prov's own wait sleeps 5 s between polls; this polls every 50 ms)."""
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
