"""The BLE transport's rules (wss.ble.transport) with Espressif's client code as the peer.

esp_prov's flow functions and its Security1/Security2 talk to the transport through
:class:`AttClient`, which does what BlueZ's GATT client does with a value and an ATT MTU:
a value longer than MTU-3 bytes goes out as prepared writes (MTU-5 bytes each, at
increasing offsets), and a read continues with Read Blob requests while a response fills
MTU-1 bytes. The transport's refusals (offsets, lengths, a second client, a refused
handshake) are then checked one by one.

Source: ESP-IDF protocomm_ble (docs/ble.md, "Transport rules"); Bluetooth Core v5.3
Vol 3 Part F 3.4.4-3.4.6.
"""

from __future__ import annotations

import asyncio

import esp_prov_peer
import pytest

from wss.ble.transport import ATT_MAX_VALUE, BLETransport, GattError
from wss.crypto import srp_salt_and_verifier
from wss.protocomm import Protocomm, Security1, Security2, WifiProvisioning, version_json

POP, USER, PASSWORD = "abcd1234", "wifiprov", "abcd1234"
PHONE, OTHER = "/org/bluez/hci0/dev_00_AA_01_00_00_00", "/org/bluez/hci0/dev_00_AA_01_02_00_02"


class AttClient:
    """A GATT client's view of the transport: ``send_data`` as esp_prov's Transport_BLE
    (write with response, then read), cut to an ATT MTU as BlueZ cuts it."""

    def __init__(self, transport: BLETransport, client: str = PHONE, mtu: int = 23) -> None:
        self.transport, self.client, self.mtu = transport, client, mtu
        self.long_writes = 0  # values sent as prepared writes
        self.long_reads = 0  # values read with Read Blob requests

    def write(self, endpoint: str, value: bytes) -> None:
        step = self.mtu - 3 if len(value) <= self.mtu - 3 else self.mtu - 5
        self.long_writes += len(value) > self.mtu - 3
        for offset in range(0, max(len(value), 1), step):
            self.transport.write(self.client, endpoint, offset, value[offset : offset + step])

    def read(self, endpoint: str) -> bytes:
        value = b""
        while True:
            part = self.transport.read(self.client, endpoint, len(value))[: self.mtu - 1]
            self.long_reads += bool(value)
            value += part
            if len(part) < self.mtu - 1:
                return value

    async def send_data(self, endpoint: str, data):
        raw = data.encode("latin-1") if isinstance(data, str) else bytes(data)
        self.write(endpoint, raw)
        return self.read(endpoint).decode("latin-1")


RECEIVED = []


def _core(security: int) -> Protocomm:
    scheme = Security1(POP) if security == 1 else Security2(*srp_salt_and_verifier(USER, PASSWORD))
    core = Protocomm(scheme, version_json(scheme, WifiProvisioning.capabilities))
    core.add_endpoint("custom-data", lambda _sid, data: RECEIVED.append(data) or b"SUCCESS\x00")
    return core


def _esp_prov():
    esp_prov_peer.load()
    esp_prov = pytest.importorskip("rmaker_tools.rmaker_local_ctrl.esp_prov", reason=esp_prov_peer.MISSING)
    esp_prov.config_throw_except = True
    return esp_prov


def _session(esp_prov, att: AttClient, security: int, pop: str = POP, password: str = PASSWORD):
    patch = asyncio.run(esp_prov.get_sec_patch_ver(att)) if security == 2 else 0
    sec = esp_prov.get_security(security, patch, USER, password, pop, False)
    return sec, asyncio.run(esp_prov.establish_session(att, sec))


@pytest.mark.parametrize("security", [1, 2])
@pytest.mark.parametrize("mtu", [23, 185, 517])
def test_espressifs_client_over_long_writes_and_reads(security, mtu):
    esp_prov = _esp_prov()
    transport = BLETransport(_core(security))
    att = AttClient(transport, mtu=mtu)
    sec, ok = _session(esp_prov, att, security)
    assert ok and transport.owner == PHONE
    # the handshake's messages (41 bytes for security 1, ~400 for security 2) need long
    # writes and reads at the smallest MTU and fit one PDU at the largest
    if mtu == 23:
        assert att.long_writes > 0 and att.long_reads > 0
    if mtu == 517:
        assert att.long_writes == 0 and att.long_reads == 0
    # the longest request an ATT value holds: 512 bytes on the wire (security 2's AES-GCM
    # adds a 16-byte tag); prepared writes below MTU 517, one Write Request at 517
    long = "x" * (ATT_MAX_VALUE - (16 if security == 2 else 0))
    writes = att.long_writes
    assert asyncio.run(esp_prov.custom_data(att, sec, long))
    assert RECEIVED[-1] == long.encode() and (att.long_writes > writes) == (mtu < 517)


def test_a_request_or_an_answer_past_the_att_cap_is_refused():
    """512 bytes is the most an attribute value holds (Core v5.3 Vol 3 Part F 3.2.9): a
    request growing past it is refused; an answer past it is refused at its read (a client
    could only read its first 512 bytes) and the session ends."""
    transport = BLETransport(_core(1))
    assert transport.max_message == ATT_MAX_VALUE
    transport.write(PHONE, "custom-data", 0, b"a" * 500)
    with pytest.raises(GattError, match="more than 512 bytes") as big:
        transport.write(PHONE, "custom-data", 500, b"b" * 13)
    assert big.value.name == "org.bluez.Error.InvalidValueLength"
    with pytest.raises(ValueError, match="1..512"):
        BLETransport(_core(1), max_message=513)
    core = _core(1)
    core.add_endpoint("big", lambda _sid, data: data * 2)  # an answer twice the request
    transport = BLETransport(core)
    sec, ok = _session(_esp_prov(), AttClient(transport, mtu=517), 1)
    assert ok
    transport.write(PHONE, "big", 0, sec.encrypt_data(b"z" * 256))
    assert sec.decrypt_data(transport.read(PHONE, "big", 0)) == b"z" * 512  # at the cap: served whole
    transport.write(PHONE, "big", 0, sec.encrypt_data(b"z" * 257))
    with pytest.raises(GattError, match="514-byte answer exceeds the 512-byte ATT value cap") as over:
        transport.read(PHONE, "big", 0)
    assert over.value.name == "org.bluez.Error.Failed" and transport.owner is None


def test_a_write_must_continue_the_request_and_stay_under_the_limit():
    transport = BLETransport(_core(1), max_message=64)
    transport.write(PHONE, "proto-ver", 0, b"abc")
    with pytest.raises(GattError, match="offset 5 does not continue the 3 bytes") as bad:
        transport.write(PHONE, "proto-ver", 5, b"x")
    assert bad.value.name == "org.bluez.Error.InvalidOffset"
    with pytest.raises(GattError, match="offset 3 does not continue"):  # no request under way
        BLETransport(_core(1)).write(PHONE, "proto-ver", 3, b"x")
    transport.write(PHONE, "proto-ver", 0, b"a" * 60)
    with pytest.raises(GattError, match="more than 64 bytes") as big:
        transport.write(PHONE, "proto-ver", 60, b"b" * 5)
    assert big.value.name == "org.bluez.Error.InvalidValueLength"
    # the half-written request is dropped: a read returns the last answer (none)
    assert transport.read(PHONE, "proto-ver", 0) == b""
    with pytest.raises(GattError) as past:
        transport.read(PHONE, "proto-ver", 1)
    assert past.value.name == "org.bluez.Error.InvalidOffset"


def test_a_truncated_request_is_refused_and_the_session_ends():
    """A request cut at the MTU (a client writing more than fits without a long write)
    reaches the core incomplete: refused, the session is closed, a new one starts."""
    esp_prov = _esp_prov()
    core = _core(2)
    transport = BLETransport(core)
    att = AttClient(transport)
    sec, ok = _session(esp_prov, att, 2)
    assert ok
    first = core.session_id
    transport.write(PHONE, "custom-data", 0, bytes(range(20)))  # 20 bytes of a longer message
    with pytest.raises(GattError, match="the session is closed") as refused:
        transport.read(PHONE, "custom-data", 0)
    assert refused.value.name == "org.bluez.Error.Failed"
    assert core.session_id is None and transport.owner is None
    sec, ok = _session(esp_prov, att, 2)
    assert ok and core.session_id not in (None, first)


def test_one_client_at_a_time_until_it_disconnects():
    esp_prov = _esp_prov()
    core = _core(1)
    transport = BLETransport(core)
    phone, other = AttClient(transport, PHONE), AttClient(transport, OTHER)
    sec, ok = _session(esp_prov, phone, 1)
    assert ok
    with pytest.raises(GattError, match="one client at a time") as busy:
        other.write("proto-ver", b"---")
    assert busy.value.name == "org.bluez.Error.NotPermitted" and transport.refused_clients == 1
    with pytest.raises(GattError):
        other.read("proto-ver")
    assert asyncio.run(esp_prov.custom_data(phone, sec, "still mine"))
    transport.disconnected(OTHER)  # not the owner: nothing changes
    assert transport.owner == PHONE
    transport.disconnected(PHONE)  # the owner leaves in mid-session: its session ends
    assert transport.owner is None and core.session_id is None
    _, ok = _session(esp_prov, other, 1)
    assert ok and transport.owner == OTHER


def test_a_client_of_another_transport_holds_the_core():
    core = _core(1)
    core.open_session(7)  # e.g. the SoftAP's HTTP client
    transport = BLETransport(core)
    with pytest.raises(GattError, match="one session at a time") as busy:
        transport.write(PHONE, "proto-ver", 0, b"---")
    assert busy.value.name == "org.bluez.Error.NotPermitted"


def test_a_wrong_pop_is_refused():
    esp_prov = _esp_prov()
    core = _core(1)
    transport = BLETransport(core)
    att = AttClient(transport)
    with pytest.raises(GattError, match="the session is closed") as refused:  # the read of Resp1 fails
        _session(esp_prov, att, 1, pop="wrong-pop")
    assert refused.value.name == "org.bluez.Error.Failed"
    assert core.session_id is None and transport.owner is None


def test_unknown_endpoints_and_bad_settings():
    transport = BLETransport(_core(1))
    with pytest.raises(GattError, match="no endpoint") as unknown:
        transport.write(PHONE, "nope", 0, b"x")
    assert unknown.value.name == "org.bluez.Error.NotSupported"
    with pytest.raises(ValueError, match="max_message"):
        BLETransport(_core(1), max_message=0)
