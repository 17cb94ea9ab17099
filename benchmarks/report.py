"""How every benchmark ends: print its table, write its JSON to benchmarks/out/, say where."""

from __future__ import annotations

import json
from pathlib import Path


def publish(result: dict, table: str, out: Path) -> None:
    """Print ``table`` and write ``result`` as indented JSON to ``out`` (folders created)."""
    print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nJSON written to {out}")
