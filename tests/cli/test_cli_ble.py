"""``wss softap --transport ble`` and ``wss provision --fallback ble`` on the command line:
choices, one-line start-up errors (exit status 1, the store left in setup mode), the QR
payload's transport.

Source: docs/ble.md ("Command line", "Start-up errors").
"""

from __future__ import annotations

import pytest
import test_cli_softap
from test_cli_softap import run, softap_args

from wss.softap import SoftAPSetup
from wss.store import ProvisioneeStore

#: the mock radio's home world, as ``wss softap``'s own tests use it
environment = test_cli_softap.environment


def test_no_system_bus_is_one_line_and_exit_1(tmp_path, environment, capsys, monkeypatch):
    pytest.importorskip("dbus_fast", reason="dbus-fast (the [ble] extra)")
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus.sock")
    state = tmp_path / "state"
    status = run(softap_args(environment, state, "--transport", "ble", "--sec", "1", "--pop", "abcd1234"))
    err = capsys.readouterr().err.strip()
    assert status == 1 and len(err.splitlines()) == 1, err
    assert "BLE: cannot reach the system bus" in err and "is dbus-daemon running?" in err, err
    store = ProvisioneeStore(str(state / "provisionee.json"))
    assert store.softap_mode and not store.networks


@pytest.mark.parametrize(
    "args,words",
    [
        (["softap", "--transport", "nfc", "--sec", "0"], "invalid choice: 'nfc'"),
        (["provision", "--hal", "mock", "--fallback", "bluetooth"], "invalid choice: 'bluetooth'"),
    ],
)
def test_unknown_transports_are_usage_errors(args, words, capsys):
    assert run(args) == 2
    assert words in capsys.readouterr().err


def test_the_qr_payload_names_the_transport():
    setup = SoftAPSetup(1, pop="abcd1234", ap_passphrase=b"ap-secret-1")
    assert setup.qr_text("PROV_EA69FC", transport="ble") == (
        '{"ver":"v1","name":"PROV_EA69FC","pop":"abcd1234","transport":"ble"}'
    )
    assert '"password":"ap-secret-1","transport":"softap"' in setup.qr_text("PROV_EA69FC")
