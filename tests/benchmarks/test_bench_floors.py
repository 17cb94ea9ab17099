"""The C floors shipped with the package (wss.bench.floors): found beside the core, built
against the core's mbedTLS, and refused when their mbedTLS differs.

Source: issue 17 ("Floors built with the core ... A mismatch is refused").
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from wss.bench import floors


def _fake_floor(folder: Path, name: str, answer: str) -> Path:
    folder.mkdir(exist_ok=True)
    exe = folder / name
    exe.write_text(f"#!/bin/sh\necho '{answer}'\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


@pytest.mark.parametrize("name", floors.FLOORS)
def test_every_installed_floor_uses_the_cores_mbedtls(name):
    exe = floors.locate(name)
    assert exe.parent == floors.floors_dir() and exe.name == name
    versions = floors.floor_versions(exe)
    assert versions["header"] == floors.core_mbedtls()
    assert versions["runtime"] in (None, floors.core_mbedtls())


def test_a_floor_of_another_mbedtls_is_refused(tmp_path):
    core = floors.core_mbedtls()
    _fake_floor(tmp_path, "tls_floor", '{"header": "3.6.2", "runtime": "3.6.2"}')
    with pytest.raises(floors.FloorUnavailable) as err:
        floors.locate("tls_floor", tmp_path)
    assert str(err.value) == (
        f"tls_floor uses mbedTLS header 3.6.2, runtime 3.6.2 but the wss core uses {core}: refused "
        "(rebuild both with `pip install .`)"
    )


def test_a_floor_that_loads_another_library_than_its_headers_is_refused(tmp_path):
    core = floors.core_mbedtls()
    _fake_floor(tmp_path, "crypto_floor", f'{{"header": "{core}", "runtime": "2.16.0"}}')
    with pytest.raises(floors.FloorUnavailable, match="runtime 2.16.0 but the wss core uses"):
        floors.locate("crypto_floor", tmp_path)
    report = floors.versions_report(tmp_path)
    assert report["core"] == core and report["crypto_floor"].startswith("unavailable: crypto_floor uses mbedTLS")
    assert report["tls_floor"] == "unavailable: not installed"


def test_a_missing_or_broken_floor_says_why(tmp_path):
    with pytest.raises(floors.FloorUnavailable, match=r"crypto_floor is not installed .*reinstall wss"):
        floors.locate("crypto_floor", tmp_path)
    with pytest.raises(floors.FloorUnavailable, match="tls_heap is not built here: no static mbedTLS archives"):
        floors.locate("tls_heap", tmp_path)
    _fake_floor(tmp_path, "tls_floor", "usage: tls_floor HOST PORT")
    with pytest.raises(floors.FloorUnavailable, match="tls_floor does not run here"):
        floors.locate("tls_floor", tmp_path)
