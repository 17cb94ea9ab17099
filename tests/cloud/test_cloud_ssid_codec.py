"""The pure SSID codec of §7.1 (wss.setup_network.encoding) against §12.1 and §12.3."""

from __future__ import annotations

import hashlib

import pytest
from cloud_spec_vectors import SPEC_12_1, SPEC_12_3
from hypothesis import given
from hypothesis import strategies as st

from wss.setup_network.encoding import DecodedSSID, ami_of, decode_ssid, encode_ssid, passphrase_from_mac


def test_ami_is_the_last_nine_bytes_of_the_key_hash_12_1_and_12_3() -> None:
    for vector in (SPEC_12_1, SPEC_12_3):
        digest = hashlib.sha256(vector["device_spki"]).digest()
        assert digest == vector["device_spki_sha256"]
        assert ami_of(digest) == vector["ami"]


@pytest.mark.parametrize("pid_key, ssid_key", [("product_index_task", "ssid_task"), ("product_index_lnx", "ssid_lnx")])
def test_encode_matches_12_1(pid_key: str, ssid_key: str) -> None:
    ssid = encode_ssid(SPEC_12_1["ami"], SPEC_12_1[pid_key], SPEC_12_1["nonce"])
    assert ssid == SPEC_12_1[ssid_key]


def test_encode_matches_12_3_including_prefix_and_base85_input() -> None:
    v = SPEC_12_3
    ssid = encode_ssid(v["ami"], v["product_index"], v["nonce"])
    assert ssid == v["ssid"]
    assert len(ssid) == 32 and ssid[:2] == v["prefix"]
    assert v["ami"][1:] + v["product_index"] + v["nonce"] == v["base85_input"]


def test_decode_12_3_gives_back_the_fields() -> None:
    v = SPEC_12_3
    assert decode_ssid(v["ssid"]) == DecodedSSID(0, v["ami"], v["product_index"], v["nonce"])


def test_decode_12_1() -> None:
    decoded = decode_ssid(SPEC_12_1["ssid_lnx"])
    assert (decoded.ami, decoded.product_index, decoded.nonce) == (SPEC_12_1["ami"], b"Q9pp", SPEC_12_1["nonce"])


def test_passphrases_of_12_1_and_12_3() -> None:
    assert passphrase_from_mac(SPEC_12_3["hmac"]) == SPEC_12_3["passphrase"]
    assert passphrase_from_mac(SPEC_12_1["lnx_hmac"]) == SPEC_12_1["lnx_passphrase"]
    assert passphrase_from_mac(SPEC_12_1["device_spki_sha256"]) == SPEC_12_1["mock_passphrase"]


@given(
    ami=st.binary(min_size=9, max_size=9),
    pid=st.binary(min_size=4, max_size=4),
    nonce=st.binary(min_size=12, max_size=12),
    control=st.integers(0, 15),
)
def test_round_trip(ami: bytes, pid: bytes, nonce: bytes, control: int) -> None:
    ssid = encode_ssid(ami, pid, nonce, control)
    assert len(ssid) == 32 and ssid.isascii()
    assert decode_ssid(ssid) == DecodedSSID(control, ami, pid, nonce)


@pytest.mark.parametrize(
    "ssid, words",
    [
        ("HomeNet", "32 characters"),
        ("A" * 33, "32 characters"),
        ("~~" + SPEC_12_3["ssid"][2:], "prefix"),
        ("Be" + " " * 30, "base85"),
        ("Be" + "~" * 30, "base85"),  # valid characters, but a group overflows 32 bits
    ],
)
def test_decode_rejects_malformed_ssids_with_a_clear_message(ssid: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        decode_ssid(ssid)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"ami": b"\0" * 8}, "ami must be 9 bytes"),
        ({"product_index": b"ABC"}, "product_index must be 4 bytes"),
        ({"nonce": b"\0" * 11}, "nonce must be 12 bytes"),
        ({"control": 16}, "control"),
    ],
)
def test_encode_checks_its_inputs(kwargs: dict, words: str) -> None:
    args = {"ami": b"\0" * 9, "product_index": b"AbCd", "nonce": b"\0" * 12, **kwargs}
    with pytest.raises(ValueError, match=words):
        encode_ssid(**args)
