"""The persistent store: round trip, modes, secrets, corruption, atomicity under kill -9."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time

import pytest

from wss import error_details
from wss.compat import (
    ConnectionDetails,
    ConnectionState,
    ProvisioneeState,
    RegistrationRequest,
    SecurityProtocol,
    WifiConfiguration,
)
from wss.errors import StoreError
from wss.store import ProvisioneeStore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOME = WifiConfiguration(
    b"HomeNet", SecurityProtocol.WPA_PSK, b"correct horse battery", is_hidden=True, network_priority=3
)
ATTEMPT = ConnectionDetails(b"HomeNet", SecurityProtocol.WPA_PSK, ConnectionState.FAILED, error_details.BAD_PSK)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "provisionee.json")


def test_missing_file_gives_factory_defaults_without_writing(path):
    store = ProvisioneeStore.open(path)
    assert store.state is ProvisioneeState.NOT_PROVISIONED and store.wss_enabled and store.softap_mode
    assert store.networks == () and store.registration is None and not os.path.exists(path)


def test_round_trip_of_every_field(path):
    store = ProvisioneeStore.open(path)
    store.set_state(ProvisioneeState.GET_WIFI_LIST)
    store.set_registration(RegistrationRequest(b"Test Registration Token", 1000))
    store.add_network(HOME)
    store.add_network(WifiConfiguration(b"Cafe", SecurityProtocol.NONE))
    store.add_connection_attempt(ATTEMPT)
    for key, value in (("s", "en_US"), ("b", True), ("i", -7), ("y", b"\x00\xff")):
        store.set_configuration_value(key, value)
    again = ProvisioneeStore.open(path)
    assert again.state is ProvisioneeState.GET_WIFI_LIST
    assert again.registration == RegistrationRequest(b"Test Registration Token", 1000)
    assert again.networks == (HOME, WifiConfiguration(b"Cafe", SecurityProtocol.NONE))
    assert again.connection_attempts == (ATTEMPT,)
    assert [again.get_configuration_value(k) for k in "sbiy"] == ["en_US", True, -7, b"\x00\xff"]
    assert again.pop_connection_attempt() == ATTEMPT and ProvisioneeStore.open(path).connection_attempts == ()
    assert again.remove_networks(b"HomeNet") == 1 and ProvisioneeStore.open(path).networks[0].ssid == b"Cafe"


def test_file_mode_is_0600_and_secrets_stay_out_of_repr(path):
    store = ProvisioneeStore.open(path)
    store.add_network(HOME)
    store.set_registration(RegistrationRequest(b"Test Registration Token", 1000))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "correct horse" not in repr(store) and "Registration Token" not in repr(store)


def test_modes(path):
    store = ProvisioneeStore.open(path)
    store.add_network(HOME)
    store.fall_back_to_softap()
    assert (store.wss_enabled, store.softap_mode, len(store.networks)) == (False, True, 1)
    store.factory_reset()
    again = ProvisioneeStore.open(path)
    assert (again.wss_enabled, again.softap_mode, again.networks) == (True, True, ())
    again.add_network(HOME)
    again.set_state(ProvisioneeState.DONE)
    again.mark_provisioned()
    assert not ProvisioneeStore.open(path).softap_mode
    again.clear_setup()
    cleared = ProvisioneeStore.open(path)
    assert (cleared.wss_enabled, cleared.softap_mode, cleared.networks, cleared.state) == (
        False,
        True,
        (),
        ProvisioneeState.NOT_PROVISIONED,
    )


def test_batch_writes_once(path, monkeypatch):
    store = ProvisioneeStore.open(path)
    writes = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (writes.append(b), real(a, b)))
    with store.batch():
        store.add_network(HOME)
        store.set_state(ProvisioneeState.DONE)
        store.add_connection_attempt(ATTEMPT)
    assert len(writes) == 1 and ProvisioneeStore.open(path).state is ProvisioneeState.DONE


def test_a_batch_held_open_across_calls_writes_once_when_the_outermost_ends(path, monkeypatch):
    store = ProvisioneeStore.open(path)
    writes = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (writes.append(b), real(a, b)))
    store.begin_batch()
    store.add_network(HOME)
    with store.batch():
        store.set_state(ProvisioneeState.DONE)
    assert writes == [] and not os.path.exists(path)
    store.end_batch()
    assert len(writes) == 1 and ProvisioneeStore.open(path).networks == (HOME,)
    store.begin_batch()
    store.end_batch()  # nothing changed: no write
    assert len(writes) == 1
    with pytest.raises(RuntimeError):
        store.end_batch()


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"[]",
        b"\xff\xfe",
        json.dumps({"version": 99}).encode(),
        b"[" * 100000,
    ],
)
def test_corrupt_file_names_the_file(path, content):
    with open(path, "wb") as handle:
        handle.write(content)
    with pytest.raises(StoreError, match=path.replace("/", ".")):
        ProvisioneeStore.open(path)


def _valid_document(path):
    store = ProvisioneeStore.open(path)
    store.add_network(HOME)
    store.add_connection_attempt(ATTEMPT)
    return json.loads(open(path).read())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(state="SOMEWHERE"),
        lambda d: d["networks"][0].update(key="zz"),
        lambda d: d["networks"][0].update(security=7),
        lambda d: d.update(wss_enabled="yes"),
        lambda d: d.pop("attempts"),
        lambda d: d["attempts"][0].update(error="3:2:0:1"),
        lambda d: d.update(configuration={"k": {"type": "INTEGER", "value": "1"}}),
    ],
)
def test_damaged_content_is_a_store_error_without_secrets(path, mutate):
    document = _valid_document(path)
    mutate(document)
    with open(path, "w") as handle:
        json.dump(document, handle)
    with pytest.raises(StoreError, match="corrupt store") as info:
        ProvisioneeStore.open(path)
    assert "correct horse" not in str(info.value) and path in str(info.value)


def test_unwritable_location_is_a_store_error(tmp_path):
    store = ProvisioneeStore(str(tmp_path / "missing-dir" / "store.json"))
    with pytest.raises(StoreError, match="missing-dir"):
        store.set_state(ProvisioneeState.DONE)


def test_stale_temporaries_are_removed_on_open(path):
    ProvisioneeStore.open(path).add_network(HOME)
    stale = os.path.join(os.path.dirname(path), ".provisionee.json.abc123.tmp")
    open(stale, "w").write("{half")
    assert ProvisioneeStore.open(path).networks == (HOME,) and not os.path.exists(stale)


WRITER = r"""
import sys
from wss.store import ProvisioneeStore
store = ProvisioneeStore.open(sys.argv[1])
count = store.get_configuration_value("count") or 0
print("ready", flush=True)
while True:
    count += 1
    with store.batch():
        store.set_configuration_value("count", count)
        store.set_configuration_value("payload", bytes([count % 256]) * (1000 + 37 * (count % 300)))
"""


def _check_consistent(path) -> int:
    store = ProvisioneeStore.open(path)
    count = store.get_configuration_value("count") or 0
    if count:
        payload = store.get_configuration_value("payload")
        assert payload == bytes([count % 256]) * (1000 + 37 * (count % 300))
    assert not [name for name in os.listdir(os.path.dirname(path)) if name.endswith(".tmp")]
    return count


def test_kill_9_during_writes_always_leaves_a_valid_store(path):
    """A writer is SIGKILLed at random instants, again and again; every reopen is whole."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    rng = random.Random(1234)
    counts, started = [0], time.monotonic()
    for _ in range(30):
        if time.monotonic() - started > 5.0:
            break
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, path], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert writer.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.04))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert writer.returncode == -signal.SIGKILL
        counts.append(_check_consistent(path))
    assert len(counts) > 5
    assert counts == sorted(counts) and counts[-1] > 0  # progress kept, never rolled back
