"""``wss softap`` and ``wss provision --fallback softap`` on the command line.

Usage errors exit with status 2 on one line and store nothing; an unusable salt and
verifier file exits with 1; a whole run in a fresh interpreter is set up by esp_prov's
client code and exits 0 with the store saying so; a restart keeps it; the time limit
exits 1 with a clear line; ``--factory-reset`` turns WSS and SoftAP back on;
``--clear-setup`` forgets a set-up device's network, token and state, disables WSS and
opens the SoftAP again (integration guide, "Device factory reset recommendation").
"""

from __future__ import annotations

import json
import pathlib
import sys

import esp_prov_peer
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "softap"))
from softap_world import HOME_KEY, HOME_SSID, PASSWORD, USERNAME, RunningCommand, home

from wss.cli import main
from wss.compat import ProvisioneeState, RegistrationRequest, SecurityProtocol, WifiConfiguration
from wss.store import ProvisioneeStore

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(args) -> int:
    """``wss`` in-process; a parsing error's SystemExit becomes its status."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code)


@pytest.fixture
def environment(tmp_path):
    path = tmp_path / "home.yaml"
    path.write_text(json.dumps(home()))  # JSON is YAML
    return path


def softap_args(environment, state, *extra):
    """``wss softap`` on the mock (``--no-discovery``: local discovery is tested on its own)."""
    base = ["softap", "--hal", "mock", "--hal-option", f"environment={environment}", "--state-dir", str(state)]
    return [*base, "--no-discovery", *extra]


@pytest.mark.parametrize(
    "extra,words",
    [
        ([], "--sec: the SoftAP setup needs a security scheme"),
        (["--sec", "3"], "invalid choice"),
        (["--sec", "2", "--pop", "abcd"], "--pop: only with --sec 1"),
        (["--sec", "1", "--sec2-username", "u"], "--sec2-username: only with --sec 2"),
        (["--sec", "2", "--sec2-password", "p"], "--sec 2 needs a username"),
        (["--sec", "2", "--sec2-username", "u"], "needs a salt and verifier file"),
        (
            ["--sec", "2", "--sec2-username", "u", "--sec2-password", "p", "--sec2-salt-verifier", __file__],
            "not allowed",
        ),
        (["--sec", "2", "--sec2-username", "us\u00e9r", "--sec2-password", "p"], "printable ASCII"),
        (["--sec", "1", "--http-port", "70000"], "out of range"),
        (["--sec", "1", "--timeout", "0"], "out of range"),
        (["--sec", "1", "--ap-passphrase", "short"], "8 to 63"),
        (["--sec", "1", "--ap-channel", "14"], "out of range"),
        (["--sec", "2", "--sec2-username", "u", "--sec2-salt-verifier", "/no/such/file"], "no such file"),
        (["--sec", "0", "--factory-reset", "--clear-setup"], "--clear-setup: not allowed with argument"),
    ],
)
def test_usage_errors_exit_2_on_one_line_and_store_nothing(tmp_path, environment, capsys, extra, words):
    state = tmp_path / "state"
    status = run(softap_args(environment, state, *extra))
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and words in err, err
    assert not state.exists()


def test_softap_options_need_fallback_softap_on_provision(tmp_path, capsys):
    status = run(
        ["provision", "--hal", "mock", "--state-dir", str(tmp_path / "s"), "--pki", str(tmp_path), "--sec", "1"]
    )
    err = capsys.readouterr().err
    assert status == 2 and "--sec: only with --fallback softap" in err


@pytest.mark.parametrize(
    "extra,words",
    [
        (["--clear-setup"], "--clear-setup: it disables WSS, so only with --fallback softap"),
        (["--fallback", "softap", "--sec", "0", "--factory-reset", "--clear-setup"], "not allowed with argument"),
    ],
)
def test_clear_setup_on_provision_needs_a_fallback_and_excludes_factory_reset(tmp_path, capsys, extra, words):
    state = tmp_path / "s"
    status = run(["provision", "--hal", "mock", "--state-dir", str(state), "--pki", str(tmp_path), *extra])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and words in err, err
    assert not state.exists()


def set_up_device(store_path: pathlib.Path) -> None:
    """A store as WSS leaves a device joined to HomeNet: DONE, a token, out of SoftAP mode."""
    store = ProvisioneeStore.open(str(store_path))
    store.add_network(WifiConfiguration(HOME_SSID.encode(), SecurityProtocol.WPA_PSK, HOME_KEY.encode()))
    store.set_registration(RegistrationRequest(b"token", 3600))
    store.set_state(ProvisioneeState.DONE)
    store.mark_provisioned()


def test_clear_setup_forgets_the_setup_and_opens_the_softap_with_wss_disabled(tmp_path, environment):
    state = tmp_path / "state"
    state.mkdir()
    set_up_device(state / "provisionee.json")
    args = softap_args(environment, state, "--sec", "0", "--http-port", "0", "--timeout", "0.5")
    joined = RunningCommand(args, ROOT)  # without the flag: the saved network, no SoftAP
    assert joined.finish() == 0, joined.stderr
    assert any("already set up; joined the saved network 'HomeNet'" in line for line in joined.lines)

    cleared = RunningCommand([*args, "--clear-setup"], ROOT)
    assert cleared.finish() == 1, cleared.stderr
    assert any("SoftAP setup: starting (WSS disabled: True)" in line for line in cleared.lines)
    assert any("HTTP on" in line for line in cleared.lines)  # the SoftAP opened again
    assert any("no client set the device up within 0.5 s" in line for line in cleared.lines)
    store = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert (store.wss_enabled, store.softap_mode, store.networks) == (False, True, ())
    assert store.state is ProvisioneeState.NOT_PROVISIONED and store.registration is None


def test_an_unusable_salt_and_verifier_file_exits_1(tmp_path, environment, capsys):
    bad = tmp_path / "sec2.json"
    bad.write_text('{"salt": "00", "verifier": "11"}')
    state = tmp_path / "state"
    status = run(
        softap_args(environment, state, "--sec", "2", "--sec2-username", "u", "--sec2-salt-verifier", str(bad))
    )
    err = capsys.readouterr().err
    assert status == 1 and "salt is 1 bytes" in err and str(bad) in err and not state.exists()


def test_a_whole_run_a_restart_and_a_factory_reset(tmp_path, environment):
    state = tmp_path / "state"
    sec2 = [
        "--sec",
        "2",
        "--sec2-username",
        USERNAME,
        "--sec2-password",
        PASSWORD,
        "--http-port",
        "0",
        "--timeout",
        "60",
    ]
    command = RunningCommand(softap_args(environment, state, *sec2), ROOT)
    address = command.address()
    payload = command.wait_for("QR payload")
    assert f'"username":"{USERNAME}","pop":"{PASSWORD}"' in payload
    client = esp_prov_peer.Client(address)
    assert client.connect(2, username=USERNAME, password=PASSWORD)
    assert client.custom_data("from the phone")
    assert client.set_config(HOME_SSID, HOME_KEY) and client.apply_config()
    assert client.wait_status() == "connected"
    assert command.finish() == 0, command.stderr
    assert any("custom-data: 14 bytes received" in line for line in command.lines)
    assert any(f"joined the home network '{HOME_SSID}'" in line for line in command.lines)
    store = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert not store.softap_mode and store.networks[0].ssid == b"HomeNet"

    restart = RunningCommand(softap_args(environment, state, *sec2), ROOT)
    assert restart.finish() == 0
    assert any("already set up; joined the saved network 'HomeNet'" in line for line in restart.lines)
    assert not any("HTTP on" in line for line in restart.lines)  # no SoftAP this time

    reset = RunningCommand(
        softap_args(environment, state, "--sec", "0", "--http-port", "0", "--timeout", "0.5", "--factory-reset"), ROOT
    )
    assert reset.finish() == 1
    assert any("no client set the device up within 0.5 s" in line for line in reset.lines)
    store = ProvisioneeStore.open(str(state / "provisionee.json"))
    assert store.wss_enabled and store.softap_mode and store.networks == ()
