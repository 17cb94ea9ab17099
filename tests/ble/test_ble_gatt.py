"""The GATT layout of the BLE transport: UUIDs, ids and 0x2901 names as ESP-IDF's
protocomm_ble defines them, checked against what Espressif's client derives.

Source: ESP-IDF protocomm_ble / wifi_prov_scheme_ble (docs/ble.md, "GATT layout").
"""

from __future__ import annotations

import importlib

import pytest

from wss.ble.gatt import DEFAULT_SERVICE_UUID, characteristic_uuid, gatt_layout, normalise_uuid


def test_the_standard_endpoints_have_espressifs_ids_and_uuids():
    layout = gatt_layout(["custom-data", "app-info"])
    by_name = layout.by_endpoint()
    assert layout.service_uuid == "021a9004-0382-4aea-bff4-6b3f1c5adfb4"
    assert {name: c.endpoint_id for name, c in by_name.items()} == {
        "prov-ctrl": 0xFF4F,
        "prov-scan": 0xFF50,
        "prov-session": 0xFF51,
        "prov-config": 0xFF52,
        "proto-ver": 0xFF53,
        "custom-data": 0xFF54,
        "app-info": 0xFF55,
    }
    assert by_name["prov-session"].uuid == "021aff51-0382-4aea-bff4-6b3f1c5adfb4"
    assert by_name["custom-data"].user_description == b"custom-data"
    assert set(layout.by_uuid()) == {c.uuid for c in layout.characteristics}


@pytest.mark.parametrize("service", [DEFAULT_SERVICE_UUID, "12345678-90AB-cdef-0123-456789abcdef"])
def test_the_uuids_are_those_espressifs_client_falls_back_to(service):
    """esp_prov's Transport_BLE derives ``service[:4] + id + service[8:]`` when a device
    has no 0x2901 names: the same 16 bits (bytes 12-13 little-endian) we replace."""
    transport_ble = pytest.importorskip("rmaker_tools.common.transport.transport_ble", reason="esp-rainmaker-cli")
    importlib.import_module("rmaker_tools.common.transport.ble_cli")
    ids = {"prov-session": "ff51", "prov-config": "ff52", "proto-ver": "ff53", "custom-data": "ff54"}
    theirs = transport_ble.Transport_BLE(normalise_uuid(service), ids).fallback_lookup
    ours = gatt_layout(["custom-data"], service).by_endpoint()
    for name in ids:
        assert ours[name].uuid == theirs[name]


def test_bad_layouts_are_refused_with_one_line():
    with pytest.raises(ValueError, match="not a 128-bit UUID"):
        gatt_layout([], "021a9004")
    with pytest.raises(ValueError, match="appears twice"):
        gatt_layout(["custom-data", "custom-data"])
    with pytest.raises(ValueError, match="appears twice"):
        gatt_layout(["prov-session"])
    with pytest.raises(ValueError, match="printable ASCII"):
        gatt_layout(["has space"])
    with pytest.raises(ValueError, match="at most 172"):
        gatt_layout([f"ep{i}" for i in range(173)])
    with pytest.raises(ValueError, match="16 bits"):
        characteristic_uuid(DEFAULT_SERVICE_UUID, 0x10000)
