"""The committed generated code matches the .proto files, and the wire matches ESP-IDF.

1. protoc compiles ``wss/protocomm/proto/*.proto`` into a descriptor set; every file's
   descriptor must equal the one embedded in the committed ``*_pb2.py``. With the protoc
   that made the committed code (3.21.12, Debian 12's ``protobuf-compiler``) the
   generated Python and stubs must also be byte for byte what is committed.
2. Every message and enum has ESP-IDF's names, field numbers, types and labels: they are
   compared with the descriptors of Espressif's own generated modules (esp_prov's).

Source: protocol notes of docs/softap.md, "Messages"; ``wss/protocomm/proto/__init__.py``.
"""

from __future__ import annotations

import filecmp
import pathlib
import re
import shutil
import subprocess

import esp_prov_peer
import pytest
from google.protobuf import descriptor_pb2

from wss.protocomm import proto as ours

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTO_DIR = ROOT / "wss" / "protocomm" / "proto"
NAMES = [
    "constants",
    "sec0",
    "sec1",
    "sec2",
    "session",
    "wifi_constants",
    "wifi_config",
    "wifi_scan",
    "wifi_ctrl",
]
#: The protoc that generated the committed code.
PROTOC_VERSION = "3.21.12"
PROTOC_MISSING = "protoc is not installed (Debian's protobuf-compiler; `make test` installs it)"


def _protoc() -> str:
    protoc = shutil.which("protoc")
    if protoc is None:
        pytest.skip(PROTOC_MISSING)
    return protoc


def _committed(name: str):
    import importlib

    return importlib.import_module(f"wss.protocomm.proto.{name}_pb2")


def test_every_proto_file_is_generated():
    assert sorted(p.stem for p in PROTO_DIR.glob("*.proto")) == sorted(NAMES)
    assert ours.__doc__ and PROTOC_VERSION in ours.__doc__


def test_the_committed_descriptors_are_what_protoc_makes(tmp_path):
    out = tmp_path / "set.pb"
    files = [f"wss/protocomm/proto/{name}.proto" for name in NAMES]
    subprocess.run([_protoc(), "-I", ".", f"--descriptor_set_out={out}", *files], cwd=ROOT, check=True)
    compiled = descriptor_pb2.FileDescriptorSet()
    compiled.ParseFromString(out.read_bytes())
    by_name = {f.name: f for f in compiled.file}
    for name in NAMES:
        committed = descriptor_pb2.FileDescriptorProto()
        _committed(name).DESCRIPTOR.CopyToProto(committed)
        fresh = by_name[f"wss/protocomm/proto/{name}.proto"]
        assert _without_json_names(committed) == _without_json_names(fresh), f"{name}_pb2.py is stale: `make protos`"


def _without_json_names(file: descriptor_pb2.FileDescriptorProto) -> descriptor_pb2.FileDescriptorProto:
    """The descriptor without the JSON names protoc adds to a descriptor set (the
    Python code's embedded descriptor leaves them out)."""
    copy = descriptor_pb2.FileDescriptorProto()
    copy.CopyFrom(file)
    stack = list(copy.message_type)
    while stack:
        message = stack.pop()
        for field in message.field:
            field.ClearField("json_name")
        stack.extend(message.nested_type)
    return copy


def test_the_committed_code_is_byte_for_byte_protocs(tmp_path):
    protoc = _protoc()
    version = subprocess.run([protoc, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+\.\d+\.\d+)", version)
    if found is None or found.group(1) != PROTOC_VERSION:
        pytest.skip(
            f"protoc {PROTOC_VERSION} made the committed code; this one is {version.strip()} (descriptors checked)"
        )
    files = [f"wss/protocomm/proto/{name}.proto" for name in NAMES]
    subprocess.run(
        [protoc, "-I", ".", f"--python_out={tmp_path}", f"--pyi_out={tmp_path}", *files], cwd=ROOT, check=True
    )
    for name in NAMES:
        for suffix in ("_pb2.py", "_pb2.pyi"):
            fresh = tmp_path / "wss" / "protocomm" / "proto" / f"{name}{suffix}"
            assert filecmp.cmp(fresh, PROTO_DIR / f"{name}{suffix}", shallow=False), f"{name}{suffix} is stale"


#: What newer ESP-IDF releases added and esp-rainmaker-cli 1.14.1's generated modules lack:
#: the status of a failed attempt that will be retried (a client without it skips field 12).
NEWER_THAN_ESP_PROV = {"WifiAttemptFailed", "WifiAttemptFailed.attempts_remaining", "RespGetStatus.attempt_failed"}
#: The oneof that gained it.
ATTEMPT_ONEOF = "RespGetStatus/state"


def _repeated(field) -> bool:
    if hasattr(field, "is_repeated"):  # protobuf >= 6
        return field.is_repeated
    return field.label == field.LABEL_REPEATED


def _shape(descriptor) -> dict:
    """What goes on the wire (and the names), without the package: one entry per field,
    oneof and enum value."""
    shape = {}
    for message in descriptor.message_types_by_name.values():
        shape[message.name] = "message"
        for f in message.fields:
            kind = (f.message_type or f.enum_type).name if f.type in (11, 14) else ""
            shape[f"{message.name}.{f.name}"] = (f.number, f.type, _repeated(f), kind)
        for oneof in message.oneofs:
            shape[f"{message.name}/{oneof.name}"] = sorted(f.name for f in oneof.fields)
    for enum in descriptor.enum_types_by_name.values():
        shape[enum.name] = sorted((v.name, v.number) for v in enum.values)
    return shape


@pytest.mark.parametrize("name", NAMES)
def test_names_and_numbers_are_esp_idfs(name):
    espressif = _shape(getattr(esp_prov_peer.load().proto, f"{name}_pb2").DESCRIPTOR)
    mine = _shape(_committed(name).DESCRIPTOR)
    if ATTEMPT_ONEOF in mine:  # esp_prov's members, and attempt_failed
        assert mine.pop(ATTEMPT_ONEOF) == sorted(espressif.pop(ATTEMPT_ONEOF) + ["attempt_failed"])
    assert {key: mine.get(key) for key in espressif} == espressif
    assert set(mine) - set(espressif) <= NEWER_THAN_ESP_PROV
