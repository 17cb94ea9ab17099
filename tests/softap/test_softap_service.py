"""The service name, the QR payload (decoded by zbar from segno's image) and the
salt and verifier file."""

from __future__ import annotations

import io
import json

import pytest

from wss.crypto import srp_salt_and_verifier
from wss.errors import ConfigError
from wss.softap import dump_salt_verifier, load_salt_verifier, qr_payload, service_name
from wss.softap.qr import draw_qr


def test_the_service_name_is_the_last_three_mac_octets():
    assert service_name(bytes.fromhex("24 6f 28 26 1f cc")) == "PROV_261FCC"
    with pytest.raises(ValueError):
        service_name(b"\x01\x02")


def test_the_qr_payloads_of_each_scheme():
    assert qr_payload("PROV_261FCC", pop="abcd1234") == (
        '{"ver":"v1","name":"PROV_261FCC","pop":"abcd1234","transport":"softap"}'
    )
    assert qr_payload("PROV_261FCC", pop="abcd1234", username="wifiprov") == (
        '{"ver":"v1","name":"PROV_261FCC","username":"wifiprov","pop":"abcd1234","transport":"softap"}'
    )
    assert qr_payload("PROV_261FCC") == '{"ver":"v1","name":"PROV_261FCC","transport":"softap"}'


def test_the_qr_code_decodes_to_the_payload():
    """segno draws it; zbar (through pyzbar, the certify extra's decoder) reads it back."""
    segno = pytest.importorskip("segno", reason="segno (the softap extra) is not installed")
    pyzbar = pytest.importorskip("pyzbar.pyzbar", reason="pyzbar (the certify extra) is not installed")
    from PIL import Image

    payload = qr_payload("PROV_EA69FC", pop="abcd1234")
    image = io.BytesIO()
    segno.make(payload, error="l", boost_error=False).save(image, kind="png", scale=6)
    image.seek(0)
    assert [found.data.decode() for found in pyzbar.decode(Image.open(image))] == [payload]
    terminal = io.StringIO()
    assert draw_qr(payload, terminal)
    lines = terminal.getvalue().splitlines()
    assert len(lines) > 10 and all(len(line) == len(lines[0]) for line in lines[:-1])


def test_the_salt_and_verifier_file_round_trips(tmp_path):
    salt, verifier = srp_salt_and_verifier("wifiprov", "abcd1234")
    path = tmp_path / "sec2.json"
    path.write_text(dump_salt_verifier("wifiprov", salt, verifier))
    assert load_salt_verifier(path) == (salt, verifier)
    assert json.loads(path.read_text())["username"] == "wifiprov"


@pytest.mark.parametrize(
    "content,words",
    [
        ("", "neither JSON"),
        ("{not json", "not a salt and verifier JSON"),
        ('{"salt": "00"}', "not a salt and verifier JSON"),
        ('{"salt": "0011", "verifier": "aa"}', "salt is 2 bytes"),
        ('{"salt": "' + "11" * 16 + '", "verifier": ""}', "verifier is 0 bytes"),
        ("static const char sec2_salt[] = {0x01};", "neither JSON"),
    ],
)
def test_an_unusable_salt_and_verifier_file_is_named(tmp_path, content, words):
    path = tmp_path / "sec2.txt"
    path.write_text(content)
    with pytest.raises(ConfigError, match=words) as refused:
        load_salt_verifier(path)
    assert str(path) in str(refused.value)
