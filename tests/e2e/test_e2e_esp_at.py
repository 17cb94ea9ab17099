"""End to end on the ESP-AT driver: the emulated module on a pty, the local DSS, real mutual TLS.

The device side is ``wss provision --hal esp_at`` (or :func:`wss.provision` with the same
driver); the module is :class:`wss.emulators.esp_at.EspAtEmulator`, whose radio is the e2e
home with a provisioner that hosts the device's encoded setup network; its TCP links reach
the local DSS on loopback. TLS runs on the host, over the module's AT socket (no kernel
socket on the device side). Every run passes the SSID rule (``e2e_world.check_ssids``).
The UART runs at a high rate (paced all the same); timing is the benchmark's business.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

from e2e_world import HOME_KEY, RecordedSleep, accounts, check_ssids, home_environment

from hal.esp_at import WifiDriverEspAt
from wss.cli import main
from wss.cloud import DSSServer
from wss.cloud.provisioner import Provisioner
from wss.emulators.esp_at import EspAtEmulator
from wss.platform.device_files import DeviceFiles
from wss.provisioning import provision
from wss.retry import FailureKind, RetryPolicy
from wss.store import ProvisioneeStore

BAUD = 2_000_000


def module_environment(pki: Any, server: DSSServer, environment: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The e2e home as the module's radio: the provisioner knows this device; the DSS is
    ``localhost`` with the server's setup port."""
    env = copy.deepcopy(environment if environment is not None else home_environment())
    chain = DeviceFiles.from_pki(pki.folder).device_chain
    env["provisioner"] = {"cloud_private_key": str(pki.cloud_private_key), "devices": [str(chain)]}
    env["internet"] = {"dss_host": "localhost", "dss_setup_port": server.setup_port}
    return env


def run_provision(pki: Any, tmp_path: Any, *, saved: Optional[Dict[str, Any]] = None, faults: Any = None) -> Any:
    """One provisioning through :func:`wss.provision` and the emulator; the SSID rule checked."""
    files = DeviceFiles.from_pki(pki.folder)
    sleep = RecordedSleep()
    captured: List[Any] = []
    with DSSServer(pki.folder, saved if saved is not None else accounts()) as server:
        env = module_environment(pki, server)
        with EspAtEmulator(env, baud=BAUD, faults=faults) as emulator:
            driver = WifiDriverEspAt(emulator.path, baud=BAUD)
            store = ProvisioneeStore.open(str(tmp_path / "provisionee.json"))
            outcome = provision(
                driver,
                files,
                store,
                dss_host="localhost",
                dss_port=server.port,
                setup_port=server.setup_port,
                retry_policy=RetryPolicy(sleep=sleep, jitter=lambda: 0.5),
                observe=captured.append,
            )
            restarts = emulator.restarts
        records = server.transcript.records()
    compat = captured[0]
    decoder = Provisioner.from_files(files.cloud_private_key, [files.device_chain])
    check_ssids(SimpleNamespace(compat=compat, environment=env, records=records, provisioner=decoder))
    return SimpleNamespace(outcome=outcome, compat=compat, records=records, restarts=restarts, sleeps=sleep.waits)


def codes(outcome: Any) -> List[tuple]:
    return [
        (a.ssid.decode("utf-8", "replace"), a.error_details.code if a.error_details else None) for a in outcome.attempts
    ]


def test_wss_provision_with_esp_at_reaches_done_through_the_emulator(pki, tmp_path, capsys):
    with DSSServer(pki.folder, accounts()) as server:
        with EspAtEmulator(module_environment(pki, server), baud=BAUD) as emulator:
            status = main(
                [
                    "provision",
                    "--hal",
                    "esp_at",
                    "--hal-option",
                    f"port={emulator.path}",
                    "--hal-option",
                    f"baud={BAUD}",
                    "--pki",
                    str(pki.folder),
                    "--dss",
                    f"localhost:{server.port}",
                    "--setup-port",
                    str(server.setup_port),
                    "--state-dir",
                    str(tmp_path / "state"),
                ]
            )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "[9/9] CONNECTED_TO_USER_NETWORK -> DONE" in out
    assert "result: DONE, joined the home network 'HomeNet'" in out


def test_mutual_tls_runs_on_the_host_over_the_at_socket_and_the_setup_network_is_the_encoded_one(pki, tmp_path):
    run = run_provision(pki, tmp_path)
    assert run.outcome.succeeded
    connections = run.compat.transport.connections
    assert connections and {via for _host, _port, via in connections} == {"callbacks"}
    setup_port = {port for _host, port, _via in connections}
    assert len(setup_port) == 2  # the setup network's DSS port, then the home network's
    files = DeviceFiles.from_pki(pki.folder)
    decoder = Provisioner.from_files(files.cloud_private_key, [files.device_chain])
    joined = [a.ssid for a in run.outcome.attempts if a.error_details is None]
    assert decoder.recognise(joined[0]) is not None, "the first network joined is the encoded setup network"
    assert joined[-1] == b"HomeNet"


def test_a_module_reset_during_the_tls_handshake_fails_the_attempt_and_the_retry_goes_through(pki, tmp_path):
    # The 2nd AT+CIPSEND is the client's second TLS flight on the setup network.
    run = run_provision(pki, tmp_path, faults=[{"type": "reset", "command": "AT+CIPSEND", "nth": 2}])
    assert run.restarts == 1
    retries = run.outcome.result.retries
    assert [(r.kind, r.detail) for r in retries] == [(FailureKind.NETWORK, "ConnectionReset")]
    assert run.sleeps == [2.0]  # the first network back-off of the retry policy
    assert run.outcome.succeeded


def test_a_wrong_password_is_3_2_0_1(pki, tmp_path):
    saved = accounts({"ssid": "HomeNet", "security": "WPA_PSK", "key": "not the home key"})
    run = run_provision(pki, tmp_path, saved=saved)
    assert ("HomeNet", "3:2:0:1") in codes(run.outcome)
    assert not run.outcome.succeeded


def test_an_absent_access_point_is_3_16_0_1(pki, tmp_path):
    # Heard in the scan, gone when the device joins it.
    run = run_provision(pki, tmp_path, faults=[{"type": "ap_vanishes", "ssid": "HomeNet", "on": "first_connect"}])
    assert ("HomeNet", "3:16:0:1") in codes(run.outcome)
    assert HOME_KEY  # the saved key was right: only the AP was missing
