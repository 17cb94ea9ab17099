"""Project-wide pytest configuration.

``shared_dir`` locates the team's shared folder (``../shared`` beside the project root, or
``$WSS_SHARED_DIR``), where the published test vectors live.
"""

from __future__ import annotations

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _shared_dir() -> pathlib.Path:
    env = os.environ.get("WSS_SHARED_DIR")
    return pathlib.Path(env) if env else ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> pathlib.Path:
    path = _shared_dir()
    if not (path / "vectors").is_dir():
        pytest.fail(f"shared vectors not found at {path}/vectors (set WSS_SHARED_DIR)")
    return path
