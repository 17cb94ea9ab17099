"""tests/roots/extra_requirements.py: the [test] extra as a requirements file, less some.

make test-arm64 installs the suite's packages with it in the arm64 root, where atheris
has no wheel; what it prints must be the [test] extra exactly, less what was named.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="the script reads pyproject.toml with tomllib (Python 3.11+, as in Debian 12)"
)


def _requirements(*args: str) -> list:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "roots" / "extra_requirements.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout.splitlines()


def _test_extra() -> list:
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["optional-dependencies"]["test"]


def test_the_tree_is_installed_editable_with_the_extras_the_test_extra_names():
    first = _requirements()[0]
    own = [r for r in _test_extra() if r.startswith("wss-provisionee[")]
    assert own and first == "-e .[" + ",".join(r[len("wss-provisionee[") : -1] for r in own) + "]"


def test_every_other_requirement_is_kept_with_its_marker():
    others = [r for r in _test_extra() if not r.startswith("wss-provisionee[")]
    assert _requirements()[1:] == others


def test_without_leaves_out_exactly_the_named_requirement():
    lines = _requirements("--without", "atheris")
    assert not [line for line in lines if line.startswith("atheris")]
    assert len(lines) == len(_requirements()) - 1
    assert any(line.startswith("pytest") for line in lines)
