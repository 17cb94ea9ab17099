"""The protocomm and Wi-Fi provisioning messages: ``.proto`` files and their generated code.

The ``.proto`` files are ours, written from the protocol (docs/softap.md, "Messages"):
ESP-IDF's message, field and enum names and numbers, so every byte on the wire is what
ESP-IDF devices and clients exchange. They declare ``package wss.protocomm``: a package
name never goes on the wire, and it keeps these descriptors apart from another copy of
the same messages in one process (an application's, or esp_prov's in the tests).

The ``*_pb2.py`` modules and their ``*_pb2.pyi`` stubs are generated, committed, and
never edited by hand. They were made by **protoc 3.21.12** (Debian 12's
``protobuf-compiler``) from the repository root::

    protoc -I . --python_out=. --pyi_out=. wss/protocomm/proto/*.proto   # make protos

That protoc's code needs the protobuf runtime 4.21.12 or later and runs on every later
runtime (5.x, 6.x, 7.x) and on every Python the package supports, so a device is not
tied to one protobuf release. ``tests/protocomm/test_protocomm_generated.py`` checks
that the committed code is what protoc makes of the ``.proto`` files.
"""

from __future__ import annotations
