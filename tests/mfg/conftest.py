"""Shared helpers for the manufacturing-tool tests: the openssl CLI peer and ``wss mfg``."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import List, Sequence

import pytest

from wss.errors import WssError

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "amazon-dha"
if not VECTORS.is_dir():  # the checkout may sit elsewhere; fall back to the team layout
    VECTORS = Path("/work/shared/vectors/amazon-dha")


def openssl(*args: str, check: bool = True, input: bytes = None) -> subprocess.CompletedProcess:
    """Run the openssl CLI; returns the completed process (stdout/stderr as bytes)."""
    exe = shutil.which("openssl")
    if exe is None:
        pytest.skip("the openssl command is not installed")
    proc = subprocess.run([exe, *args], input=input, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
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
    if not VECTORS.is_dir():
        pytest.skip(f"vector folder {VECTORS} is missing")
    return VECTORS
