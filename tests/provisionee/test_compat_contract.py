"""The compat contract (protocol §3.1), its value types (§2, §4, §5) and error details (§10)."""

from __future__ import annotations

import inspect
import re

import pytest

import wss.compat as compat
from wss import error_details
from wss.compat import (
    C_NAMES,
    Compat,
    ConfigKey,
    ConnectionState,
    DSSClientBuffers,
    FfsResult,
    OutputStream,
    ProvisioneeState,
    RegistrationRequest,
    RegistrationState,
    SecurityProtocol,
    WifiConfiguration,
    WifiScanResult,
)


def test_one_abstract_method_per_c_function_and_the_docstring_table():
    assert len(C_NAMES) == 25 and set(C_NAMES.values()) == Compat.__abstractmethods__
    table = compat.__doc__
    for number, (c_name, py_name) in enumerate(C_NAMES.items(), start=1):
        assert re.search(rf"^{number}\s+``{c_name}``\s+``{py_name}``", table, re.M), c_name
        doc = inspect.getdoc(getattr(Compat, py_name))
        assert f"``{c_name}``" in doc and re.search(rf"§3\.1 row {number}\b", doc), py_name


def test_transliteration_rule():
    for c_name, py_name in C_NAMES.items():
        words = re.sub(r"(HMAC|SHA256|ECDH|Sha256|[A-Z][a-z]*)", r"_\1", c_name[3:]).lower()
        assert py_name == "ffs" + words


def test_ffs_result_codes():
    assert [(r.name, int(r)) for r in FfsResult] == [
        ("SUCCESS", 0),
        ("UNDERRUN", 1),
        ("OVERRUN", 2),
        ("TIMEOUT", 3),
        ("NOT_IMPLEMENTED", 4),
        ("ERROR", -1),
    ]
    assert FfsResult.string(-1) == "ERROR" and FfsResult.string(77) == "UNKNOWN"


def test_enumerations_and_dss_names():
    assert SecurityProtocol.OPEN is SecurityProtocol.NONE and SecurityProtocol.NONE.dss_name == "OPEN"
    assert [SecurityProtocol.from_dss_name(n) for n in ("OPEN", "WPA_PSK", "WEP", "OTHER")] == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        _ = SecurityProtocol.UNKNOWN.dss_name
    assert {s.name: int(s) for s in ConnectionState} == {
        "IDLE": 0,
        "DISCONNECTED": 2,
        "UNAUTHENTICATED": 3,
        "AUTHENTICATED": 4,
        "ASSOCIATED": 5,
        "FAILED": -1,
    }
    assert [int(s) for s in RegistrationState] == [0, 1, 2, -1]
    assert [(s.dss_name, s.dss_value) for s in ProvisioneeState][:3] == [
        ("NOT_PROVISIONED", 0),
        (None, None),
        ("START_PROVISIONING", 1),
    ]
    assert ProvisioneeState.DONE.dss_value == 8 and ProvisioneeState.TERMINATED.dss_name is None
    assert [int(s) for s in ProvisioneeState] == list(range(12))


def test_config_keys():
    keys = ConfigKey.all()
    assert len(keys) == 26 and len(set(keys)) == 26
    assert ConfigKey.CLOUD_EC_PUBLIC_KEY_DER == "DSS.PublicKey" and ConfigKey.PIN == "DeviceInformation.Pin"


def test_output_stream_overrun_is_all_or_nothing():
    stream = OutputStream(5)
    assert stream.write(b"abc") is FfsResult.SUCCESS
    assert stream.write(b"def") is FfsResult.OVERRUN and stream.data == b"abc"
    assert stream.write(b"de") is FfsResult.SUCCESS and stream.free_space == 0


def test_records_validate_and_hide_secrets():
    with pytest.raises(ValueError):
        WifiConfiguration(b"", SecurityProtocol.NONE)
    with pytest.raises(ValueError):
        WifiConfiguration(b"x" * 33, SecurityProtocol.NONE)
    with pytest.raises(ValueError):
        WifiScanResult(b"x", b"\x01\x02", SecurityProtocol.NONE)
    with pytest.raises(ValueError):
        DSSClientBuffers(nonce_size=8)
    assert "hunter22" not in repr(WifiConfiguration(b"x", SecurityProtocol.WPA_PSK, b"hunter22"))
    assert "tok" not in repr(RegistrationRequest(b"tok", 5)).replace("token", "")


def test_standard_error_details():
    assert [e.code for e in error_details.STANDARD_ERROR_DETAILS] == [
        "3:1:0:1",
        "3:2:0:1",
        "3:4:0:1",
        "3:5:0:1",
        "3:6:0:3",
        "3:16:0:1",
        "3:3:0:1",
        "99:1:0:99",
    ]
    for item in error_details.STANDARD_ERROR_DETAILS:
        assert item.operation and item.cause and item.details
        assert error_details.by_code(item.code) is item
    assert error_details.BAD_PSK.cause == "Authentication failed"  # the guide's example
    with pytest.raises(ValueError):
        error_details.by_code("1:2:3:4")
