"""The crypto benchmark's code, for the scripts of this folder: it lives in :mod:`wss.bench.crypto`
(the installed package's ``wss bench --suite crypto`` runs the same code).

``build_floor`` keeps the signature ``bench_softap.py`` uses: the floor is no longer compiled
here but shipped with the package (built by ``cmake/floors.cmake`` with the core).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import _entry  # noqa: F401  (the source tree on sys.path)

from wss.bench import floors
from wss.bench.crypto import *  # noqa: F403
from wss.bench.crypto import COLUMNS, PYTHON_COLUMNS, ROWS, Inputs, format_table, run, run_floor  # noqa: F401


def build_floor(workdir: Path) -> Tuple[Optional[Path], str]:
    """The installed ``crypto_floor`` (``workdir`` is unused): (path, "") or (None, why not)."""
    try:
        return floors.locate("crypto_floor"), ""
    except floors.FloorUnavailable as exc:
        return None, str(exc)
