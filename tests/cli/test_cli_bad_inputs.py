"""Every subcommand, every option, bad values: one line naming what is wrong, no traceback.

For each case the command runs in-process (``wss.cli.main``); the test fails if any
exception escapes. It asserts the exit status — 2 for a usage error (a malformed value,
a value out of range, a path that does not exist or is of the wrong kind), 1 for a file
whose content is unusable — that standard error holds exactly one line, which contains
the expected words, and that ``wss provision`` stored nothing.

The bad files: empty, binary (not UTF-8), a folder, an Ed25519 key, an RSA key, a P-384
key, a certificate where a key is expected and the other way round.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from wss.cli import main
from wss.mfg.dev_pki import create_dev_pki

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "examples" / "home.yaml"
VECTORS = ROOT / "tests" / "vectors" / "amazon-dha"
#: The `wss` command, in a fresh interpreter.
MAIN = "import sys; from wss.cli import main; sys.exit(main())"


def _private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _public_pem(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A dev PKI and a folder of bad files (paths by name)."""
    root = tmp_path_factory.mktemp("bad-inputs")
    pki = create_dev_pki(root / "pki", product_index="AbCd")
    bad = root / "bad"
    bad.mkdir()
    (bad / "folder").mkdir()
    files = {
        "empty": b"",
        "binary": b"\xff\xfe\x00\x01 not text",
        "ed25519.pem": _private_pem(ed25519.Ed25519PrivateKey.generate()),
        "ed25519.pub": _public_pem(ed25519.Ed25519PrivateKey.generate()),
        "rsa.pem": _private_pem(rsa.generate_private_key(65537, 1024)),
        "p384.pem": _private_pem(ec.generate_private_key(ec.SECP384R1())),
        "other.pem": _private_pem(ec.generate_private_key(ec.SECP256R1())),
        "p384.pub": _public_pem(ec.generate_private_key(ec.SECP384R1())),
        "bomb.conf": (
            "\n".join(["a0 = xx"] + [f"a{i} = $a{i - 1}$a{i - 1}" for i in range(1, 40)]) + "\n[req]\nprompt = no\n"
        ).encode(),
    }
    for name, data in files.items():
        (bad / name).write_bytes(data)
    paths = {name: str(bad / name) for name in files}
    paths.update(
        folder=str(bad / "folder"),
        missing=str(bad / "no-such-file"),
        cert=str(pki.device.certificate),
        key=str(pki.device.private_key),
        pki=str(pki.folder),
        root=str(root),
    )
    return paths


def _provision(w, *extra: str) -> List[str]:
    return [
        "provision",
        "--hal",
        "mock",
        "--hal-option",
        f"environment={HOME}",
        "--pki",
        w["pki"],
        "--dss",
        "localhost:9",
        "--state-dir",
        f"{w['root']}/state",
        *extra,
    ]


def _serve(w, *extra: str) -> List[str]:
    return ["cloud", "serve", "--pki", w["pki"], "--accounts", str(HOME), "--port", "0", "--setup-port", "0", *extra]


def _sign(w, *extra: str) -> List[str]:
    return [
        "mfg",
        "sign",
        "--csr",
        w["cert"],
        "--config",
        f"{w['pki']}/ca/device.conf",
        "--ca",
        f"{w['pki']}/ca/dak-certificate.pem",
        "--ca-key",
        f"{w['pki']}/ca/dak_private_key.pem",
        "--out",
        f"{w['root']}/signed",
        *extra,
    ]


def _batch(w, *extra: str) -> List[str]:
    return [
        "mfg",
        "batch",
        "--count",
        "1",
        "--config",
        f"{w['pki']}/ca/device.conf",
        "--ca",
        f"{w['pki']}/ca/dak-certificate.pem",
        "--ca-key",
        f"{w['pki']}/ca/dak_private_key.pem",
        "--out",
        f"{w['root']}/batch",
        *extra,
    ]


def _setup(w, *extra: str) -> List[str]:
    return [
        "setup-network",
        "--device-key",
        w["key"],
        "--cloud-public-key",
        f"{w['pki']}/cloud/public_key.pem",
        "--product-index",
        "AbCd",
        *extra,
    ]


def w_name(name: str) -> str:
    """Words the line must hold: the bad file's name."""
    return f"/bad/{name}"


# (build argv from the bad-file paths, exit status, words the one line must hold)
CASES: List[Tuple[str, object, int, str]] = [
    # --- wss provision: option values ---
    ("setup-port 0", lambda w: _provision(w, "--setup-port", "0"), 2, "--setup-port: 0 is out of range"),
    ("setup-port -5", lambda w: _provision(w, "--setup-port", "-5"), 2, "--setup-port: -5 is out of range"),
    ("setup-port 70000", lambda w: _provision(w, "--setup-port", "70000"), 2, "--setup-port: 70000 is out of range"),
    ("setup-port text", lambda w: _provision(w, "--setup-port", "x"), 2, "'x' is not a TCP port"),
    ("dss no port", lambda w: _provision(w, "--dss", "host"), 2, "--dss: 'host' is not HOST:PORT"),
    ("dss port 0", lambda w: _provision(w, "--dss", "host:0"), 2, "--dss: 0 is out of range"),
    ("dss bare ipv6", lambda w: _provision(w, "--dss", "::1:8443"), 2, "write an IPv6 address in brackets"),
    ("dss bad host", lambda w: _provision(w, "--dss", "a b:1"), 2, "is not a host name"),
    ("fallback ssid long", lambda w: _provision(w, "--fallback-ssid", "x" * 33), 2, "--fallback-ssid: an SSID is 1"),
    ("fallback key short", lambda w: _provision(w, "--fallback-ssid", "s", "--fallback-key", "short"), 2, "WPA"),
    ("fallback key alone", lambda w: _provision(w, "--fallback-key", "long enough"), 2, "needs --fallback-ssid"),
    ("max-run-s 0", lambda w: _provision(w, "--max-run-s", "0"), 2, "--max-run-s: 0 is out of range"),
    ("max-run-s nan", lambda w: _provision(w, "--max-run-s", "nan"), 2, "--max-run-s: nan is out of range"),
    ("max-transitions 0", lambda w: _provision(w, "--max-transitions", "0"), 2, "--max-transitions: 0 is out"),
    ("deadline inf", lambda w: _provision(w, "--dss-response-deadline-s", "inf"), 2, "--dss-response-deadline-s"),
    ("op deadline -1", lambda w: _provision(w, "--dss-operation-deadline-s", "-1"), 2, "--dss-operation-deadline-s"),
    ("tls timeout 0", lambda w: _provision(w, "--tls-timeout-s", "0"), 2, "--tls-timeout-s"),
    ("product index", lambda w: _provision(w, "--product-index", "abcde"), 2, "neither a product index"),
    ("unknown option", lambda w: _provision(w, "--frobnicate"), 2, "unrecognized arguments: --frobnicate"),
    # --- wss provision: paths and files ---
    ("pki missing", lambda w: _provision(w, "--pki", w["missing"]), 2, "--pki: "),
    ("pki is a file", lambda w: _provision(w, "--pki", w["empty"]), 2, "is not a folder"),
    ("state-dir is a file", lambda w: _provision(w, "--state-dir", w["empty"]), 2, "exists and is not a folder"),
    ("chain is a folder", lambda w: _provision(w, "--device-chain", w["folder"]), 2, "is a folder, not a file"),
    ("chain missing", lambda w: _provision(w, "--device-chain", w["missing"]), 2, "no such file"),
    ("chain empty", lambda w: _provision(w, "--device-chain", w["empty"]), 1, "holds no PEM certificate"),
    ("chain is a key", lambda w: _provision(w, "--device-chain", w["key"]), 1, "holds no PEM certificate"),
    ("dss-ca binary", lambda w: _provision(w, "--dss-ca", w["binary"]), 1, "DSS trust anchors holds no PEM"),
    ("key empty", lambda w: _provision(w, "--device-key", w["empty"]), 1, "not a usable device private key"),
    ("key ed25519", lambda w: _provision(w, "--device-key", w["ed25519.pem"]), 1, "only P-256 EC keys"),
    ("key rsa", lambda w: _provision(w, "--device-key", w["rsa.pem"]), 1, "not an EC key on P-256"),
    ("key p384", lambda w: _provision(w, "--device-key", w["p384.pem"]), 1, "not an EC key on P-256"),
    ("key is a cert", lambda w: _provision(w, "--device-key", w["cert"]), 1, "holds a CERTIFICATE"),
    (
        "key of another device",
        lambda w: _provision(w, "--device-key", w["other.pem"]),
        1,
        "does not belong to the first certificate",
    ),
    ("cloud key private", lambda w: _provision(w, "--cloud-public-key", w["key"]), 1, "holds a private key"),
    ("cloud key ed25519", lambda w: _provision(w, "--cloud-public-key", w["ed25519.pub"]), 1, "only P-256 EC keys"),
    ("cloud private key bad", lambda w: _provision(w, "--cloud-private-key", w["binary"]), 1, "cloud private key"),
    ("product index file", lambda w: _provision(w, "--product-index", w["ed25519.pem"]), 1, "holds no product index"),
    (
        "environment binary",
        lambda w: _replace(_provision(w), f"environment={HOME}", f"environment={w['binary']}"),
        1,
        "not UTF-8",
    ),
    (
        "environment folder",
        lambda w: _replace(_provision(w), f"environment={HOME}", f"environment={w['folder']}"),
        1,
        "--hal mock",
    ),
    # --- wss scan ---
    ("scan timeout 0", lambda w: ["scan", "--hal", "mock", "--timeout", "0"], 2, "--timeout: 0 is out of range"),
    ("scan timeout nan", lambda w: ["scan", "--hal", "mock", "--timeout", "nan"], 2, "--timeout: nan"),
    ("scan ssid long", lambda w: ["scan", "--hal", "mock", "--ssid", "x" * 33], 2, "an SSID is 1 to 32 bytes"),
    (
        "scan environment binary",
        lambda w: ["scan", "--hal", "mock", "--hal-option", f"environment={w['binary']}"],
        1,
        "not UTF-8",
    ),
    # --- wss setup-network ---
    ("setup nonce short", lambda w: _setup(w, "--nonce", "00ff"), 2, "--nonce: must be 12 bytes"),
    ("setup nonce not hex", lambda w: _setup(w, "--nonce", "zz"), 2, "--nonce: 'zz' is not hexadecimal"),
    ("setup product index", lambda w: _replace(_setup(w), "AbCd", "abc"), 2, "is not a product index"),
    ("setup key folder", lambda w: _replace(_setup(w), w["key"], w["folder"]), 2, "is a folder, not a file"),
    ("setup key ed25519", lambda w: _replace(_setup(w), w["key"], w["ed25519.pem"]), 1, "only P-256 EC keys"),
    # --- wss mfg ---
    ("csr config missing", lambda w: ["mfg", "dak-csr", "--config", w["missing"], "--out", w["root"]], 2, "--config: "),
    (
        "csr config binary",
        lambda w: ["mfg", "dak-csr", "--config", w["binary"], "--out", f"{w['root']}/o"],
        1,
        "not UTF-8",
    ),
    (
        "csr config bomb",
        lambda w: ["mfg", "device-csr", "--config", w["bomb.conf"], "--out", f"{w['root']}/o"],
        1,
        "variable expansion too long",
    ),
    (
        "csr out is a file",
        lambda w: ["mfg", "dak-csr", "--config", str(VECTORS / "dak.conf"), "--out", w["empty"]],
        2,
        "exists and is not a folder",
    ),
    ("sign days 0", lambda w: _sign(w, "--days", "0"), 2, "--days: 0 is out of range"),
    ("sign days huge", lambda w: _sign(w, "--days", "99999999"), 2, "--days: 99999999 is out of range"),
    ("sign extensions", lambda w: _sign(w, "--extensions", "a b"), 2, "not a configuration section name"),
    (
        "sign ca-key ed25519",
        lambda w: _replace(_sign(w), f"{w['pki']}/ca/dak_private_key.pem", w["ed25519.pem"]),
        1,
        w_name("ed25519.pem"),
    ),
    ("sign csr binary", lambda w: _replace(_sign(w), w["cert"], w["binary"]), 1, w_name("binary")),
    ("control-log cert binary", lambda w: ["mfg", "control-log", "--cert", w["binary"]], 1, w_name("binary")),
    (
        "control-log append folder",
        lambda w: ["mfg", "control-log", "--cert", w["cert"], "--append", w["folder"]],
        2,
        "is a folder, not a file",
    ),
    (
        "control-log key-out nowhere",
        lambda w: ["mfg", "control-log", "--cert", w["cert"], "--public-key-out", f"{w['missing']}/x.txt"],
        2,
        "does not exist",
    ),
    ("batch count 0", lambda w: _replace(_batch(w), "--count", "--count", after="0"), 2, "--count: 0 is out"),
    ("batch count huge", lambda w: _replace(_batch(w), "--count", "--count", after="10000000"), 2, "--count"),
    (
        "dev-pki devices -1",
        lambda w: ["mfg", "dev-pki", "--out", f"{w['root']}/d", "--devices", "-1"],
        2,
        "--devices: -1 is out of range",
    ),
    (
        "dev-pki product index",
        lambda w: ["mfg", "dev-pki", "--out", f"{w['root']}/d", "--product-index", "a"],
        2,
        "is not a product index",
    ),
    (
        "dev-pki device type",
        lambda w: ["mfg", "dev-pki", "--out", f"{w['root']}/d", "--device-type", "a b"],
        2,
        "is not a device type id",
    ),
    # --- wss cloud serve ---
    ("serve port 70000", lambda w: _serve(w, "--port", "70000"), 2, "--port: 70000 is out of range"),
    ("serve setup-port -5", lambda w: _serve(w, "--setup-port", "-5"), 2, "--setup-port: -5 is out of range"),
    ("serve page size 0", lambda w: _serve(w, "--credentials-page-size", "0"), 2, "--credentials-page-size: 0"),
    ("serve retries -1", lambda w: _serve(w, "--max-state-retries", "-1"), 2, "--max-state-retries: -1"),
    ("serve transcript nowhere", lambda w: _serve(w, "--transcript", f"{w['missing']}/t.jsonl"), 2, "does not exist"),
    ("serve transcript folder", lambda w: _serve(w, "--transcript", w["folder"]), 2, "is a folder"),
    ("serve db nowhere", lambda w: _serve(w, "--db", f"{w['missing']}/x.db"), 2, "does not exist"),
    ("serve host", lambda w: _serve(w, "--host", "not a host"), 2, "is not a host name"),
    ("serve accounts binary", lambda w: _replace(_serve(w), str(HOME), w["binary"]), 1, "not UTF-8"),
    ("serve accounts folder", lambda w: _replace(_serve(w), str(HOME), w["folder"]), 2, "is a folder"),
    ("serve faults binary", lambda w: _serve(w, "--faults", w["binary"]), 1, "not UTF-8"),
    ("serve pki file", lambda w: _replace(_serve(w), w["pki"], w["empty"]), 2, "is not a folder"),
    # --- the top level ---
    ("no command", lambda w: [], 2, "the following arguments are required: COMMAND"),
    ("unknown command", lambda w: ["frobnicate"], 2, "invalid choice: 'frobnicate'"),
]


def _replace(argv: List[str], old: str, new: str, after: str = "") -> List[str]:
    """``argv`` with ``old`` replaced by ``new`` (and, with ``after``, the value after it)."""
    out = list(argv)
    index = out.index(old)
    out[index] = new
    if after:
        out[index + 1] = after
    return out


@pytest.mark.parametrize("name, build, status, words", CASES, ids=[case[0] for case in CASES])
def test_a_bad_value_is_one_line_and_the_right_exit_status(world, capsys, name, build, status, words):
    argv = build(world)
    try:
        got = main(argv)
    except SystemExit as stop:  # argparse: refused while parsing
        got = stop.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert got == status, f"{name}: exit status {got}, expected {status}; stderr: {err!r}"
    assert len(lines) == 1, f"{name}: expected one line on stderr, got {lines!r}"
    assert "Traceback" not in err
    assert words in lines[0], f"{name}: {words!r} not in {lines[0]!r}"
    assert not (Path(world["root"]) / "state" / "provisionee.json").exists(), "a bad input persisted state"


def test_no_secret_of_a_bad_file_is_echoed(world, capsys):
    """A key given where a product index file is expected: the message names the file but
    never quotes its content."""
    key = Path(world["key"]).read_text()
    body = "".join(key.splitlines()[1:-1])
    try:
        main(_provision(world, "--product-index", world["key"]))
    except SystemExit:
        pass
    err = capsys.readouterr().err
    assert world["key"] in err and body[:16] not in err and "PRIVATE" not in err


def test_a_broken_pipe_is_not_a_traceback(tmp_path):
    """``wss scan --json | head -1``: the reader goes away; the command stops quietly. The
    place has 1500 access points, so the output outgrows the pipe and the write fails."""
    crowded = tmp_path / "crowded.json"  # YAML is a superset of JSON
    points = [
        {
            "ssid": f"net-{i}",
            "bssid": f"02:00:00:00:{i // 256:02x}:{i % 256:02x}",
            "channel": 1 + i % 11,
            "rssi": -40 - i % 50,
            "security": "WPA2_PSK",
            "passphrase": "long enough",
        }
        for i in range(1500)
    ]
    crowded.write_text(json.dumps({"access_points": points}))
    scan = subprocess.Popen(
        [sys.executable, "-c", MAIN, "scan", "--hal", "mock", "--hal-option", f"environment={crowded}", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert scan.stdout is not None and scan.stderr is not None
    scan.stdout.readline()
    scan.stdout.close()  # what `head -1` does after its first line
    err = scan.stderr.read().decode()
    assert scan.wait(timeout=30) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_the_command_line_bounds_match_the_libraries():
    """wss.cli.mfg keeps its own copies (so `wss --help` does not import cryptography)."""
    from wss.cli import mfg as cli_mfg
    from wss.mfg import batch, sign

    assert cli_mfg.MAX_DAYS == sign.MAX_DAYS and cli_mfg.MAX_COUNT == batch.MAX_COUNT


def test_help_of_every_command_still_works(capsys):
    for argv in (["provision"], ["scan"], ["cloud", "serve"], ["mfg", "batch"], ["setup-network"]):
        with pytest.raises(SystemExit) as stop:
            main([*argv, "--help"])
        assert stop.value.code == 0
    assert "--max-run-s" in capsys.readouterr().out


def test_the_table_walks_every_subcommand(world):
    commands = set()
    for _, build, _, _ in CASES:
        argv = build(world)
        commands.add(tuple(argv[:2]) if argv and argv[0] in ("mfg", "cloud") else tuple(argv[:1]))
    expected = {
        ("provision",),
        ("scan",),
        ("setup-network",),
        ("mfg", "dak-csr"),
        ("mfg", "device-csr"),
        ("mfg", "sign"),
        ("mfg", "control-log"),
        ("mfg", "batch"),
        ("mfg", "dev-pki"),
        ("cloud", "serve"),
    }
    assert expected <= commands  # selfcheck takes no option
