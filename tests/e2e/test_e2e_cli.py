"""The command line end to end: ``wss setup-network``, ``wss provision``, ``make demo``'s script."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from e2e_world import accounts, environment_file
from vector_files import load_json

from wss.cli import main
from wss.cloud import DSSServer
from wss.provisionee import dss_transcript

ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTOR = load_json("wss_protocol_vectors.json")["self_contained"]


def _pem_files(tmp_path):
    device = ec.derive_private_key(int(VECTOR["device_private_scalar"], 16), ec.SECP256R1())
    cloud = ec.derive_private_key(int(VECTOR["cloud_private_scalar"], 16), ec.SECP256R1())
    key, public = tmp_path / "device.pem", tmp_path / "cloud.pem"
    key.write_bytes(
        device.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public.write_bytes(
        cloud.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return key, public


def test_setup_network_prints_the_protocol_vector(tmp_path, capsys):
    """Protocol §12.3: the spec's device/cloud keys, product index and nonce."""
    key, public = _pem_files(tmp_path)
    status = main(
        [
            "setup-network",
            "--device-key",
            str(key),
            "--cloud-public-key",
            str(public),
            "--product-index",
            VECTOR["product_index"],
            "--nonce",
            VECTOR["nonce"],
        ]
    )
    assert status == 0
    assert json.loads(capsys.readouterr().out) == {
        "ssid": VECTOR["encoded_ssid"],
        "passphrase": VECTOR["passphrase"],
        "nonce": VECTOR["nonce"],
    }


def test_setup_network_draws_a_fresh_nonce_and_refuses_a_bad_one(tmp_path, capsys):
    key, public = _pem_files(tmp_path)
    args = [
        "setup-network",
        "--device-key",
        str(key),
        "--cloud-public-key",
        str(public),
        "--product-index",
        VECTOR["product_index"],
    ]
    assert main(args) == 0 and main(args) == 0
    first, second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert first["nonce"] != second["nonce"] and len(bytes.fromhex(first["nonce"])) == 12
    assert first["ssid"][:2] == second["ssid"][:2] == VECTOR["ssid_prefix"]
    with pytest.raises(SystemExit) as stop:  # a usage error, refused while parsing
        main(args + ["--nonce", "00ff"])
    assert stop.value.code == 2
    assert "12 bytes" in capsys.readouterr().err


#: The e2e home with a provisioner in range that holds the PKI's cloud key.
_environment_file = environment_file


def test_provision_command_ends_done_and_prints_its_progress(pki, tmp_path, capsys):
    with DSSServer(pki.folder, accounts()) as server:
        status = main(
            [
                "provision",
                "--hal",
                "mock",
                "--hal-option",
                f"environment={_environment_file(tmp_path, pki)}",
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
        records = server.transcript.records()
    out = capsys.readouterr().out
    assert status == 0
    assert "[9/9] CONNECTED_TO_USER_NETWORK -> DONE (reported, SUCCESS) in " in out
    assert "result: DONE, joined the home network 'HomeNet'" in out
    assert dss_transcript.exchanges(records)[-1].response["nextProvisioningState"] == "DONE"
    stored = json.loads((tmp_path / "state" / "provisionee.json").read_text())
    assert stored["softap_mode"] is False and stored["wss_enabled"] is True


def test_provision_command_falls_back_and_refuses_to_rerun_without_factory_reset(pki, tmp_path, capsys):
    environment = _environment_file(tmp_path, pki)
    args = [
        "provision",
        "--hal-option",
        f"environment={environment}",
        "--pki",
        str(pki.folder),
        "--dss",
        "localhost:9",
        "--state-dir",
        str(tmp_path / "state"),
    ]
    with DSSServer(pki.folder, {"customers": []}) as server:  # no customer owns the device
        args[-3] = f"localhost:{server.port}"
        status = main(args + ["--setup-port", str(server.setup_port)])
    out = capsys.readouterr().out
    assert status == 1 and "fallback: SoftAP setup mode with WSS disabled" in out
    assert main(args) == 1
    assert "run with --factory-reset" in capsys.readouterr().err


def test_an_out_of_tree_driver_with_its_own_option_needs_no_cli_change(pki, tmp_path, capsys):
    from out_of_tree_chip import WifiDriverOutOfTree

    WifiDriverOutOfTree.built.clear()
    with DSSServer(pki.folder, accounts()) as server:
        status = main(
            [
                "provision",
                "--hal",
                "out_of_tree_chip:WifiDriverOutOfTree",
                "--hal-option",
                f"environment={_environment_file(tmp_path, pki)}",
                "--hal-option",
                "tx_power_dbm=17",
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
    assert status == 0, capsys.readouterr()
    assert WifiDriverOutOfTree.built == [17]
    assert "result: DONE, joined the home network 'HomeNet'" in capsys.readouterr().out
    assert (
        main(
            [
                "provision",
                "--hal",
                "out_of_tree_chip:WifiDriverOutOfTree",
                "--hal-option",
                "environment=x.yaml",
                "--hal-option",
                "tx_power_dbm=max",
                "--pki",
                str(pki.folder),
            ]
        )
        == 2
    )
    assert "option 'tx_power_dbm' takes an integer, got 'max'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["--hal", "mock"], 2, "--hal mock needs --hal-option environment=VALUE"),
        (
            ["--hal", "mock", "--hal-option", "environment=x.yaml", "--hal-option", "speed=9"],
            2,
            "WifiDriverMock has no option 'speed'",
        ),
        (["--hal", "nl80211", "--hal-option", "iface=wlan-none"], 1, "--hal nl80211"),
    ],
)
def test_provision_command_explains_a_driver_it_cannot_use(pki, tmp_path, capsys, args, status, message):
    state = tmp_path / "state"
    assert main(["provision", *args, "--pki", str(pki.folder), "--state-dir", str(state)]) == status
    assert message in capsys.readouterr().err
    assert not (state / "provisionee.json").exists()  # a usage error persists nothing


def test_provision_command_needs_the_pki_or_every_file(tmp_path, capsys):
    key = tmp_path / "k.pem"
    key.write_text("")
    assert main(["provision", "--hal-option", "environment=x.yaml", "--device-key", str(key)]) == 2
    assert "--device-chain" in capsys.readouterr().err


def test_the_demo_script_provisions_examples_home(tmp_path):
    """``make demo``: dev PKI, ``wss cloud serve``, ``wss provision``, transcript summary."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "demo PASSED: DONE on the home network" in done.stdout
    assert "CONNECTED_TO_USER_NETWORK SUCCESS -> DONE" in done.stdout
    assert (tmp_path / "transcript.jsonl").stat().st_size > 0
