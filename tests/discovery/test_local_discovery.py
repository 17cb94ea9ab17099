"""Local discovery started by the setup (wss.local_discovery): the rule "joined but not
registered → announce" where it is decided, with an independent browser (python-zeroconf's
ServiceBrowser in another process, ``browse_peer.py``) and a plain UDP socket as the app;
(end to end: tests/e2e/test_e2e_discovery.py).

Source: integration guide, "Local Discovery"; docs/discovery.md ("Started by the setup").
"""

from __future__ import annotations

import dataclasses
import io
import json
import pathlib
import socket
import threading
import time

import pytest
from browsing import found_by, start_browser

from hal import NetworkConfig, Security
from hal.mock import WifiDriverMock
from wss.compat.types import RegistrationRequest
from wss.discovery import PROBE
from wss.errors import UsageError
from wss.local_discovery import DiscoveryOptions, announce_if_unregistered, decide
from wss.store import ProvisioneeStore

pytest.importorskip("zeroconf", reason="python-zeroconf (the discovery extra) is not installed: make install")

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HOME = {"ssid": "HomeNet", "bssid": "02:00:00:00:01:01", "channel": 6, "rssi": -40}
HOME.update(security="WPA2_PSK", passphrase="correct horse battery")
MAC = "02:00:00:c3:5d:12"  # PROV_C35D12: a name no other test announces


def _joined_driver(mac: str = MAC) -> WifiDriverMock:
    driver = WifiDriverMock({"access_points": [HOME]}, mac=mac)
    driver.open()
    driver.add_network(NetworkConfig(b"HomeNet", Security.WPA2_PSK, b"correct horse battery"))
    driver.connect(timeout_s=5.0)
    return driver


@pytest.fixture
def store(tmp_path):
    return ProvisioneeStore.open(str(tmp_path / "provisionee.json"))


def _announce(driver, store, options, stop, outcome: dict) -> None:
    outcome["done"] = announce_if_unregistered(driver, store, options, stop=stop)


# --------------------------------------------------------------- the decision --


def test_joined_and_unregistered_is_announced_and_found_by_an_independent_browser(store):
    driver = _joined_driver()
    stop = threading.Event()
    outcome = {}
    options = DiscoveryOptions(duration_s=20.0, port=0, product_index="Xy12")
    browser = start_browser(15)
    try:
        worker = threading.Thread(
            target=lambda: outcome.update(done=announce_if_unregistered(driver, store, options, stop=stop))
        )
        worker.start()
        found = found_by(browser, "PROV_C35D12")
        assert found["addresses"] == ["127.0.0.1"] and found["server"] == "prov-c35d12.local."
        assert found["txt"] == {"v": "1", "mac": MAC, "reg": "0", "pi": "Xy12"}
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as app:  # the UDP probe, same port as SRV
            app.settimeout(2.0)
            app.sendto(PROBE, ("127.0.0.1", found["port"]))
            assert json.loads(app.recv(1024))["name"] == "PROV_C35D12"
        stop.set()  # an early end: the records are withdrawn at once
        worker.join(5.0)
        assert not worker.is_alive()
    finally:
        browser.kill()
        browser.wait()
        driver.close()
    done = outcome["done"]
    assert done.announced and done.elapsed_s < 20.0 and done.record.name == "PROV_C35D12"


def test_the_announcement_ends_at_its_deadline(store):
    driver = _joined_driver("02:00:00:c3:5d:13")
    try:
        started = time.monotonic()
        outcome = announce_if_unregistered(driver, store, DiscoveryOptions(duration_s=0.5, port=0, mdns=False))
        assert outcome.announced and 0.5 <= time.monotonic() - started < 5.0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as app:  # withdrawn: nobody answers
            app.settimeout(0.3)
            app.sendto(PROBE, outcome.address)
            with pytest.raises((socket.timeout, ConnectionRefusedError)):
                app.recv(1024)
    finally:
        driver.close()


def test_a_registered_device_is_not_announced(store):
    store.set_registration(RegistrationRequest(b"\x01" * 16, 3600))
    driver = _joined_driver()
    try:
        assert decide(driver, store, DiscoveryOptions()) == "registered"
        assert announce_if_unregistered(driver, store, DiscoveryOptions(port=0)).reason == "registered"
    finally:
        driver.close()


def test_a_device_that_is_not_joined_or_has_discovery_off_is_not_announced(store):
    driver = WifiDriverMock({"access_points": [HOME]}, mac=MAC)
    assert decide(driver, store, DiscoveryOptions()) == "not joined"  # not even open
    driver.open()
    assert decide(driver, store, DiscoveryOptions()) == "not joined"
    driver.close()
    joined = _joined_driver()
    try:
        assert decide(joined, store, DiscoveryOptions(enabled=False)) == "disabled"
        assert decide(joined, store, DiscoveryOptions()) is None
    finally:
        joined.close()


def test_a_module_stack_or_an_unknown_address_is_said_and_not_announced(store):
    module = _joined_driver()
    try:
        module._caps = dataclasses.replace(module._caps, stream_fileno=False)  # as ESP-AT's
        out = io.StringIO()
        assert announce_if_unregistered(module, store, DiscoveryOptions(), out=out).reason == "no host stack"
        assert "network stack runs on the Wi-Fi module" in out.getvalue()
    finally:
        module.close()

    class NoAddress(WifiDriverMock):
        ip_address = None

    quiet = NoAddress({"access_points": [HOME]}, mac=MAC)
    quiet.open()
    quiet.add_network(NetworkConfig(b"HomeNet", Security.WPA2_PSK, b"correct horse battery"))
    quiet.connect(timeout_s=5.0)
    try:
        out = io.StringIO()
        assert announce_if_unregistered(quiet, store, DiscoveryOptions(), out=out).reason == "no address"
        assert "--discovery-address" in out.getvalue()
        assert decide(quiet, store, DiscoveryOptions(address="127.0.0.1")) is None  # given, it goes
    finally:
        quiet.close()


@pytest.mark.parametrize("kwargs", [{"duration_s": 0}, {"duration_s": -1}, {"port": 70000}])
def test_bad_options_are_usage_errors(kwargs):
    with pytest.raises(UsageError, match="discovery"):
        DiscoveryOptions(**kwargs)
