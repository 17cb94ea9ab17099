"""What the developer's entry points in benchmarks/ share: run ``wss.bench`` code from the
source tree (the package must be installed: ``pip install -e .`` builds the floors too)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
