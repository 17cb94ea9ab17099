"""Shared helpers for the manufacturing-tool tests: the openssl CLI peer and ``wss mfg``."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import List, Sequence

import pytest
from vector_files import vector_path

from wss.errors import WssError


def openssl(*args: str, check: bool = True, input: bytes = None) -> subprocess.CompletedProcess:
    """Run the openssl CLI; returns the completed process (stdout/stderr as bytes)."""
    exe = shutil.which("openssl")
    if exe is None:
        pytest.skip("the openssl command is not installed")
    proc = subprocess.run([exe, *args], input=input, capture_output=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc


def run_mfg(argv: Sequence[str]) -> int:
    """Run ``wss mfg ARGV`` the way ``wss.cli.main`` dispatches it; returns the exit status."""
    from wss.cli import mfg

    parser = argparse.ArgumentParser(prog="wss")
    mfg.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["mfg", *argv])
    try:
        return int(args.func(args) or 0)
    except WssError as exc:
        print(f"wss mfg: error: {exc}")
        return 1


def tree(folder: Path) -> List[str]:
    """Every path under ``folder``, relative, sorted (hidden temporaries included)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="session")
def vectors() -> Path:
    """Amazon's sample ``dak.conf``, ``device.conf`` and DHA chain (``tests/vectors/amazon-dha``)."""
    return vector_path("amazon-dha")


def text_fields(text: str, ignore: Sequence[str]) -> List[str]:
    """``openssl x509|req -text`` output as a list of "parent > line" entries.

    Each line is kept with the chain of lines above it at smaller indentation, so the
    comparison is field by field. A line starting with one of ``ignore`` is dropped
    together with everything indented below it (its value lines).
    """
    result: List[str] = []
    stack: List[tuple] = []  # (indent, text)
    skip_below = None
    for raw in text.splitlines():
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        line = raw.strip()
        if skip_below is not None and indent > skip_below:
            continue
        skip_below = None
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if any(line.startswith(prefix) for prefix in ignore):
            skip_below = indent
            continue
        result.append(" > ".join([t for _, t in stack] + [line]))
        stack.append((indent, line))
    return result


def x509_text(path: Path) -> str:
    return openssl("x509", "-in", str(path), "-noout", "-text").stdout.decode()


@pytest.fixture(scope="session")
def dak_pki(tmp_path_factory, vectors):
    """A development PKI whose DAK is for the device type of the real ``device.conf``."""
    from wss.mfg.dev_pki import create_dev_pki

    return create_dev_pki(tmp_path_factory.mktemp("dakpki") / "pki", device_type="A13HOHDXTVQYZO")
