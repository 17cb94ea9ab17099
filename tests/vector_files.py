"""Where the test vectors live: ``tests/vectors`` in this repository, nowhere else.

Every vector file a test reads is committed under ``tests/vectors`` with its source and
licence (``tests/vectors/README.md``). A missing file is an error, never a skip: a test
that silently skips for want of its vectors cannot fail.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

VECTORS_DIR = pathlib.Path(__file__).resolve().parent / "vectors"


def vector_path(*parts: str) -> pathlib.Path:
    """The path of a committed vector file or folder; raises FileNotFoundError if absent."""
    path = VECTORS_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"test vector {path} is missing from the repository (see tests/vectors/README.md)")
    return path


def load_json(*parts: str) -> Any:
    """Parse a committed JSON vector file."""
    return json.loads(vector_path(*parts).read_text(encoding="utf-8"))
