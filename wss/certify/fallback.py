"""Certify's fallback check, exercised: after a run that did not provision, the device's
non-WSS setup flow (the SoftAP flow) is started and a phone sets the device up through it.

The certification guide checks that when WSS fails the product's own setup flow starts
and sets the device up. After such a run the store says SoftAP setup mode with WSS
disabled (checked as before, on the store as the run left it); then:

1. the SoftAP setup service starts on the run's driver (:class:`wss.softap.SoftAPService`:
   the SoftAP ``PROV_xxxxxx``, ESP-IDF Wi-Fi provisioning over HTTP, security 1 with a
   fresh proof of possession);
2. the phone — Espressif's esp_prov client code (:mod:`wss.certify.esp_prov`) — asks
   ``proto-ver``, opens a security 1 session and gives the customer's saved networks in
   the account's priority order (Set/Apply config, then the status; after a failure a
   ``prov-ctrl`` reset, as ESP-IDF requires before a new configuration) until one joins;
3. what the phone saw is the run's :class:`SoftAPEvidence`; a joined network is saved as
   the flow saves it, and the store must then say so.

Only on a driver whose SoftAP stations reach the host (a host network stack: the mock); a
driver without ``Capabilities.softap`` cannot start the flow at all (a finding). Elsewhere
— and without esp-rainmaker-cli, when only the server's ``proto-ver`` answer is checked —
the evidence says what was not exercised.

Source: provisionee certification guide (the non-WSS setup flow after a failure);
integration guide ("Device factory reset recommendation"); docs/certify.md.
"""

from __future__ import annotations

import http.client
import io
import logging
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Optional, Sequence, Tuple

__all__ = ["SoftAPEvidence", "exercise_softap", "can_exercise", "SOFTAP_TIMEOUT_S"]

log = logging.getLogger("wss.certify")

#: The longest the exercise keeps the SoftAP flow up, seconds.
SOFTAP_TIMEOUT_S = 30.0
#: How long the phone waits for one network's join, seconds.
_JOIN_WAIT_S = 15.0


@dataclass(frozen=True)
class SoftAPEvidence:
    """What the fallback's SoftAP flow did after a failed run (no secrets).

    Attributes:
        started: the SoftAP came up and its HTTP server answered ``proto-ver``.
        detail: one line: what happened, or why it was not exercised.
        exercised: the exercise ran (False: this driver or set-up cannot; ``detail`` says why).
        service: the SoftAP's SSID (``PROV_xxxxxx``).
        client: ``esp_prov`` when Espressif's client code provisioned through it, else "".
        tried: (SSID, status the phone read) per network it gave, in order.
        joined: the network the device joined through the flow ("" if none).
        saved: the store then held that network and left SoftAP setup mode.
        error: a protocol failure the phone met (the flow misbehaved), or None.
    """

    started: bool
    detail: str
    exercised: bool = True
    service: str = ""
    client: str = ""
    tried: Tuple[Tuple[str, str], ...] = field(default=())
    joined: str = ""
    saved: bool = False
    error: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        return {
            "exercised": self.exercised,
            "started": self.started,
            "detail": self.detail,
            "service": self.service,
            "client": self.client,
            "tried": [{"ssid": ssid, "status": status} for ssid, status in self.tried],
            "joined": self.joined,
            "saved": self.saved,
            "error": self.error,
        }


def can_exercise(driver: Any) -> Optional[str]:
    """Why the SoftAP flow cannot be exercised on ``driver`` from this host, or None."""
    try:
        caps = driver.capabilities()
    except Exception as exc:  # a driver that must be open to know: treated as unable
        return f"the driver's capabilities are unknown ({exc})"
    if not caps.softap:
        return f"{type(driver).__name__} has no SoftAP"
    if not caps.stream_fileno:
        return "the SoftAP's stations are on the Wi-Fi module's network: no phone on this host"
    return None


def exercise_softap(
    driver: Any, store_path: str, networks: Sequence[Tuple[str, str]], *, timeout_s: float = SOFTAP_TIMEOUT_S
) -> SoftAPEvidence:
    """Start the SoftAP flow on ``driver`` and have esp_prov's client set the device up.

    Args:
        driver: the run's HAL driver (closed; opened here and closed again).
        store_path: the run's store, in SoftAP setup mode.
        networks: the customer's saved networks, (SSID, passphrase), highest priority first.
        timeout_s: the flow's time limit, seconds.
    Returns:
        The evidence (never raises for what the flow or the phone did).
    """
    from ..crypto import random_bytes
    from ..errors import ConfigError
    from ..softap import SoftAPService, SoftAPSetup

    why = can_exercise(driver)
    if why is not None and why.endswith("has no SoftAP"):  # the fallback flow cannot exist
        return SoftAPEvidence(False, f"{why}: the SoftAP setup flow cannot start")
    if why is not None:
        return SoftAPEvidence(False, f"not exercised: {why}", exercised=False)
    pop = random_bytes(8).hex()
    setup = SoftAPSetup(1, pop=pop, http_port=0, show_qr=False, timeout_s=timeout_s, linger_s=1.0)
    service = SoftAPService(driver, setup, io.StringIO())
    try:
        service.start()
    except ConfigError as exc:
        driver.close()
        return SoftAPEvidence(False, f"the SoftAP setup flow did not start: {exc}")
    try:
        return _drive(service, store_path, pop, networks)
    finally:
        service.stop()
        driver.close()


def _drive(service: Any, store_path: str, pop: str, networks: Sequence[Tuple[str, str]]) -> SoftAPEvidence:
    """The phone's part, then the store's (the service and driver are closed by the caller)."""
    from ..softap.flow import save_joined_network
    from ..store import ProvisioneeStore
    from .esp_prov import EspProvUnavailable, load_esp_prov

    assert service.server is not None
    address = service.server.address
    try:
        load_esp_prov()
    except EspProvUnavailable as exc:
        return _server_answers(address, service.name, str(exc))
    seen = _Phone(address, pop, service.name).provision(networks)
    if not seen.joined:
        return seen
    service.wait(5.0)
    config = service.joined()
    if config is None:
        return replace(seen, joined="", error="the phone read Connected, but the station is not joined")
    store = ProvisioneeStore.open(store_path)
    save_joined_network(store, service.station.network_for(config))
    reread = ProvisioneeStore.open(store_path)
    saved = not reread.softap_mode and [n.ssid for n in reread.networks] == [config.ssid]
    return replace(seen, saved=saved)


def _server_answers(address: Tuple[str, int], name: str, missing: str) -> SoftAPEvidence:
    """Without esp_prov's client: the server's ``proto-ver`` answer (plain HTTP) only."""
    connection = http.client.HTTPConnection(address[0], address[1], timeout=5.0)
    try:
        connection.request(
            "POST", "/proto-ver", body=b"---", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        answer = connection.getresponse()
        ok = answer.status == 200 and b"prov" in answer.read()
    except OSError as exc:
        return SoftAPEvidence(False, f"the SoftAP's HTTP server did not answer proto-ver ({exc})", service=name)
    finally:
        connection.close()
    detail = f"started (proto-ver answered); no phone provisioned through it: {missing}"
    return SoftAPEvidence(ok, detail if ok else "the SoftAP's HTTP server gave no version", service=name)


class _Phone:
    """esp_prov's client, giving the customer's networks one after another."""

    def __init__(self, address: Tuple[str, int], pop: str, name: str) -> None:
        self.address, self.pop, self.name = address, pop, name

    def _seen(self, started: bool, detail: str, **more: Any) -> SoftAPEvidence:
        return SoftAPEvidence(started, detail, service=self.name, client="esp_prov", **more)

    def provision(self, networks: Sequence[Tuple[str, str]]) -> SoftAPEvidence:
        from .esp_prov import EspProvClient, quiet

        with quiet():  # esp_prov prints its progress: the report owns standard output
            return self._provision(EspProvClient(self.address), networks)

    def _provision(self, client: Any, networks: Sequence[Tuple[str, str]]) -> SoftAPEvidence:
        try:
            try:
                client.version()
                if not client.connect(1, pop=self.pop):
                    raise RuntimeError("the security 1 session was refused")
            except (RuntimeError, OSError, ValueError) as exc:
                return self._seen(False, f"started, but esp_prov got no session: {exc}", error=str(exc))
            return self._give(client, networks)
        finally:
            client.close()

    def _give(self, client: Any, networks: Sequence[Tuple[str, str]]) -> SoftAPEvidence:
        tried = []
        for ssid, key in networks:
            try:
                if not (client.set_config(ssid, key) and client.apply_config()):
                    raise RuntimeError("set/apply config refused")
                status = client.wait_status(_JOIN_WAIT_S)
            except (RuntimeError, OSError, ValueError) as exc:
                tried.append((ssid, "error"))
                return self._seen(True, f"esp_prov failed on {ssid!r}: {exc}", tried=tuple(tried), error=str(exc))
            tried.append((ssid, status))
            if status != "connected":
                try:  # a failed attempt: prov-ctrl reset before the next (ESP-IDF's rule)
                    client.reset()
                except (RuntimeError, OSError, ValueError) as exc:
                    return self._seen(
                        True, f"esp_prov could not reset after {ssid!r}: {exc}", tried=tuple(tried), error=str(exc)
                    )
                continue
            detail = f"{self.name}: esp_prov set the device up on {ssid!r} (security 1)"
            return self._seen(True, detail, tried=tuple(tried), joined=ssid)
        statuses = ", ".join(f"{s}: {st}" for s, st in tried) or "no saved network to give"
        return self._seen(True, f"{self.name}: started; no saved network joined ({statuses})", tried=tuple(tried))
