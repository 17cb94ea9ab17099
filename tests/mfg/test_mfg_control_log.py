"""``wss mfg control-log``: the guide's public-key text, the barcode value, the CSV log."""

from __future__ import annotations

import base64
import hashlib

import pytest
from conftest import openssl, run_mfg, tree

from wss.errors import ConfigError
from wss.mfg.chain import load_chain
from wss.mfg.control_log import (
    COLUMNS,
    append_rows,
    barcode_value,
    control_log_row,
    public_key_der,
    public_key_text,
    read_rows,
)
from wss.mfg.dev_pki import create_dev_pki
from wss.mfg.files import OutputError


def _guide_pipeline(cert_path) -> str:
    """openssl x509 -pubkey -noout | openssl enc -base64 -d | openssl enc -base64"""
    pem = openssl("x509", "-in", str(cert_path), "-pubkey", "-noout").stdout
    der = openssl("enc", "-base64", "-d", input=pem).stdout
    return openssl("enc", "-base64", input=der).stdout.decode("ascii")


def _leaf(path):
    return load_chain(path.read_bytes(), str(path))[0]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return create_dev_pki(tmp_path_factory.mktemp("cl") / "pki", devices=2)


def test_public_key_text_equals_the_guide_pipeline(vectors, pki):
    for path in (vectors / "device-certificate.pem", pki.device.certificate, pki.devices[0].certificate):
        text = public_key_text(_leaf(path))
        assert text == _guide_pipeline(path)
        lines = text.splitlines()
        assert [len(line) for line in lines] == [64, 60] and text.endswith("\n")
        assert len(base64.b64decode("".join(lines))) == 91


def test_barcode_is_the_device_serial_when_present(pki):
    for device in (pki.device,) + pki.devices:
        assert barcode_value(_leaf(device.certificate)) == device.serial


def test_barcode_derived_from_public_key_otherwise(vectors):
    leaf = _leaf(vectors / "device-certificate.pem")
    value = barcode_value(leaf)
    assert len(value) == 16 and set(value) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    digest = hashlib.sha256(public_key_der(leaf)).digest()[:10]
    # decode the Crockford base32 back: the same 80 bits
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    number = 0
    for char in value:
        number = number * 32 + alphabet.index(char)
    assert number.to_bytes(10, "big") == digest
    assert barcode_value(_leaf(vectors / "certificate.pem")) == value  # stable


def test_row_fields(vectors):
    leaf = _leaf(vectors / "device-certificate.pem")
    row = control_log_row(leaf)
    assert tuple(row) == COLUMNS
    assert row["device_type_id"] == "A13HOHDXTVQYZO"
    assert int(row["certificate_serial"], 16) == leaf.serial_number
    assert row["not_after"] == "2026-08-11T23:05:57Z"
    assert row["dha_public_key"] == "".join(public_key_text(leaf).split())


def test_append_creates_then_adds_once(tmp_path, pki):
    log = tmp_path / "control-log.csv"
    first, second = (_leaf(d.certificate) for d in pki.devices)
    assert append_rows(log, [control_log_row(first)]) == 1
    assert log.read_text().splitlines()[0] == ",".join(COLUMNS)
    assert append_rows(log, [control_log_row(first)]) == 0  # idempotent
    assert append_rows(log, [control_log_row(second)]) == 1
    assert [r["barcode"] for r in read_rows(log)] == [pki.devices[0].serial, pki.devices[1].serial]
    assert tree(tmp_path) == ["control-log.csv"]


def test_barcode_collision_with_another_key_is_refused(tmp_path, pki):
    log = tmp_path / "log.csv"
    row = control_log_row(_leaf(pki.device.certificate))
    append_rows(log, [row])
    before = log.read_bytes()
    forged = dict(row, dha_public_key=control_log_row(_leaf(pki.devices[0].certificate))["dha_public_key"])
    with pytest.raises(ConfigError, match="already logged for another public key"):
        append_rows(log, [forged])
    assert log.read_bytes() == before


def test_foreign_csv_is_refused(tmp_path, pki):
    log = tmp_path / "log.csv"
    log.write_text("name,value\nx,y\n")
    with pytest.raises(ConfigError, match="log.csv:1: not a wss control log"):
        append_rows(log, [control_log_row(_leaf(pki.device.certificate))])
    assert log.read_text() == "name,value\nx,y\n"


def test_unwritable_log_location(tmp_path, pki):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError):
        append_rows(tmp_path / "file" / "log.csv", [control_log_row(_leaf(pki.device.certificate))])
    assert tree(tmp_path) == ["file"]


def test_cli_prints_key_and_barcode_and_appends(tmp_path, vectors, capsys):
    cert = vectors / "device-certificate.pem"
    log = tmp_path / "log.csv"
    keyfile = tmp_path / "dha-control-log-public-key.txt"
    assert run_mfg(["control-log", "--cert", str(cert), "--append", str(log), "--public-key-out", str(keyfile)]) == 0
    out = capsys.readouterr().out
    expected = _guide_pipeline(cert)
    assert out == expected + f"barcode: {barcode_value(_leaf(cert))}\n"
    assert keyfile.read_text() == expected
    assert len(read_rows(log)) == 1


def test_cli_refuses_a_non_certificate(tmp_path, capsys):
    (tmp_path / "x.pem").write_text("not a cert")
    assert run_mfg(["control-log", "--cert", str(tmp_path / "x.pem")]) == 1
    assert "no certificate found" in capsys.readouterr().out
