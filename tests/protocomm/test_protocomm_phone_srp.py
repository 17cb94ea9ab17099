"""The phone's SRP-6a client sends A of exactly 384 bytes (wss.certify.esp_prov).

ESP-IDF devices, and ours, refuse a ``client_pubkey`` shorter than 384 bytes (docs/softap.md);
the esp_prov of esp-rainmaker-cli 1.14.1 sends A in its shortest form, so one security-2
session in 256 failed (seen in CI as a 400 on prov-session). ``draw_full_length_srp_a``
makes the phone draw again, as newer esp_prov does; the device's rule is unchanged.
"""

from __future__ import annotations

import secrets

import esp_prov_peer
import pytest
from test_protocomm_security import exchange, sec2_pair

from wss.certify.esp_prov import SRP_GROUP_BYTES, draw_full_length_srp_a
from wss.protocomm.errors import MalformedMessage


def _secret() -> int:
    return int.from_bytes(secrets.token_bytes(32), "big") | (1 << 255)


def _short_A_secret(srp6a) -> int:
    """A secret ``a`` whose ``A = g^a mod N`` has a leading zero byte (1 draw in 256)."""
    N, g = srp6a.get_ng(srp6a.NG_3072)
    while True:
        a = _secret()
        if pow(g, a, N).bit_length() <= 8 * (SRP_GROUP_BYTES - 1):
            return a


@pytest.fixture
def first_draw_short(monkeypatch):
    """esp_prov's RNG gives a short-A secret first, then an ordinary one."""
    esp = esp_prov_peer.load()
    draws = [_short_A_secret(esp.srp6a), _secret()]
    monkeypatch.setattr(esp.srp6a, "get_random_of_length", lambda nbytes: draws.pop(0))
    return esp, list(draws)


def test_esp_prov_s_own_client_keeps_a_short_A_and_the_device_refuses_it(first_draw_short, monkeypatch):
    esp, _ = first_draw_short
    session, client = sec2_pair()  # its SRP client is made at the first request
    monkeypatch.setattr(esp.security2, "Srp6a", esp.srp6a.Srp6a)  # the client as bundled
    with pytest.raises(MalformedMessage, match="383 bytes; it must be 384"):
        exchange(session, client)


def test_the_phone_draws_again_and_the_session_completes(first_draw_short):
    esp, (short, other) = first_draw_short
    draw_full_length_srp_a()
    draw_full_length_srp_a()  # idempotent: one subclass, not a chain
    assert esp.security2.Srp6a.__mro__[1] is esp.srp6a.Srp6a
    session, client = sec2_pair()
    exchange(session, client)
    assert session.established
    assert client.srp6a_ctx.a == other and len(esp.convenience.long_to_bytes(client.srp6a_ctx.A)) == SRP_GROUP_BYTES
