"""The accounts file: format, validation messages, device-to-customer matching."""

from __future__ import annotations

import hashlib

import pytest

from wss.cloud import load_accounts
from wss.cloud.identity import ClientIdentity
from wss.errors import ConfigError


def _identity(serial: str, key: bytes = b"k") -> ClientIdentity:
    return ClientIdentity(
        device_type="T",
        serial=serial,
        public_key_der=key,
        public_key_sha256=hashlib.sha256(key).hexdigest(),
        subject="",
    )


ISSUE_EXAMPLE = """
customers:
  - id: alice
    devices: "*"            # or a list of {serial: …} / {public_key_sha256: …}
    networks:
      - {ssid: HomeNet, security: WPA_PSK, key: "correct horse", priority: 0}
"""


def test_the_issue_example_loads(tmp_path) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text(ISSUE_EXAMPLE)
    accounts = load_accounts(str(path))
    customer, pin = accounts.customer_for(_identity("any"))
    assert customer.id == "alice" and pin is None
    network = customer.networks[0]
    assert (network.ssid, network.security, network.key, network.priority) == ("HomeNet", "WPA_PSK", "correct horse", 0)
    assert "correct horse" not in repr(accounts) + repr(customer) + repr(network)


def test_matching_by_serial_and_key_before_wildcard() -> None:
    key_hash = hashlib.sha256(b"K2").hexdigest()
    accounts = load_accounts(
        {
            "customers": [
                {"id": "all", "devices": "*", "pin": "1111"},
                {"id": "by-serial", "devices": [{"serial": "S1", "pin": "2222"}]},
                {"id": "by-key", "devices": [{"public_key_sha256": key_hash.upper()}]},
            ]
        }
    )
    assert [
        (c.id, p)
        for c, p in [
            accounts.customer_for(_identity("S1")),
            accounts.customer_for(_identity("S9", b"K2")),
            accounts.customer_for(_identity("S9")),
        ]
    ] == [("by-serial", "2222"), ("by-key", None), ("all", "1111")]


def test_no_customer() -> None:
    accounts = load_accounts({"customers": [{"id": "a", "devices": [{"serial": "S1"}]}]})
    assert accounts.customer_for(_identity("S2")) == (None, None)


@pytest.mark.parametrize(
    "customers, words",
    [
        ([{"id": "a", "networks": [{"ssid": "x" * 33}]}], "networks[0].ssid: must be 1..32 octets"),
        ([{"id": "a", "networks": [{"ssid": "N", "security": "WPA3", "key": "12345678"}]}], "security"),
        ([{"id": "a", "networks": [{"ssid": "N", "security": "WEP", "key": "123"}]}], "WEP key"),
        ([{"id": "a", "networks": [{"ssid": "N", "security": "OPEN", "key": "12345678"}]}], "takes no key"),
        ([{"id": "a", "networks": [{"ssid": "N", "security": "OPEN", "priority": "high"}]}], "priority"),
        ([{"id": "a", "devices": [{"serial": "S", "public_key_sha256": "0" * 64}]}], "exactly one"),
        ([{"id": "a", "devices": [{"public_key_sha256": "abc"}]}], "64 hex digits"),
        ([{"id": "a", "devices": "all"}], 'must be "*" or a list'),
        ([{"id": "a", "configuration": {"k": 5}}], "strings or booleans"),
        ([{"id": "a"}, {"id": "a"}], "unique"),
    ],
)
def test_invalid_entries_are_named(customers, words) -> None:
    with pytest.raises(
        ConfigError, match=words.replace("[", r"\[").replace("]", r"\]").replace("*", r"\*").replace(".", r"\.")
    ):
        load_accounts({"customers": customers})


def test_unreadable_and_invalid_yaml(tmp_path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_accounts(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("customers:\n  - id: [unclosed\n")
    with pytest.raises(ConfigError, match="line"):
        load_accounts(str(bad))
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="customers"):
        load_accounts(str(empty))


def test_an_unknown_network_field_that_is_not_text_is_named() -> None:
    """The fuzzing finding of the faults file, in the accounts file: a ``null`` key."""
    network = {"ssid": "Home", "security": "OPEN", None: 1, "extra": 2}
    with pytest.raises(ConfigError, match=r"unknown fields \['extra', None\]"):
        load_accounts({"customers": [{"id": "a", "devices": "*", "networks": [network]}]})
