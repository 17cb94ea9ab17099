"""The proto-ver JSON: the scheme, its patch level and the capabilities esp_prov reads."""

from __future__ import annotations

import json

import pytest

from wss.crypto import srp_salt_and_verifier
from wss.protocomm import Security0, Security1, Security2, version_json


@pytest.mark.parametrize(
    "scheme,sec_ver,patch,cap",
    [
        (Security0(), 0, 0, ["no_sec", "wifi_scan"]),
        (Security1(""), 1, 0, ["no_pop", "wifi_scan"]),
        (Security1("abcd1234"), 1, 0, ["wifi_scan"]),
        (Security2(*srp_salt_and_verifier("u", "p")), 2, 1, ["wifi_scan"]),
        (Security2(*srp_salt_and_verifier("u", "p"), patch_version=0), 2, 0, ["wifi_scan"]),
    ],
)
def test_the_version_document(scheme, sec_ver, patch, cap):
    text = version_json(scheme)
    assert json.loads(text) == {"prov": {"ver": "v1.1", "sec_ver": sec_ver, "sec_patch_ver": patch, "cap": cap}}
    assert b"\n\t" in text  # pretty-printed with tabs


def test_application_objects_beside_prov():
    text = version_json(Security0(), app_info={"myapp": ("2.0", ["ota"])})
    assert json.loads(text)["myapp"] == {"ver": "2.0", "cap": ["ota"]}
    with pytest.raises(ValueError):
        version_json(Security0(), app_info={"prov": ("x", [])})
