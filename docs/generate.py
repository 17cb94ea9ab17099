"""Regenerate the parts of the documents that are generated from code.

    python docs/generate.py           # rewrite the generated blocks in place
    python docs/generate.py --check   # exit 1 (and name the file) when one is stale

A generated block sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``;
NAME picks the generator below. ``tests/test_docs.py`` runs the check, so a change to the
transition table that leaves the documented table behind fails the tests.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wss.provisionee import states  # noqa: E402

DOCUMENTS = [ROOT / "docs" / "provisionee.md"]
_BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def _normal_path() -> str:
    return " → ".join(f"`{state.name}`" for state in states.NORMAL_PATH)


GENERATORS: Dict[str, Callable[[], str]] = {
    "states.transitions": states.describe,
    "states.normal-path": _normal_path,
}


def render(text: str) -> str:
    """``text`` with every generated block rewritten from the code."""

    def replace(match: re.Match[str]) -> str:
        generator = GENERATORS.get(match["name"])
        if generator is None:
            raise KeyError(f"unknown generated block {match['name']!r}")
        return f"{match.group(1)}{generator().rstrip()}\n{match.group(4)}"

    return _BLOCK.sub(replace, text)


def stale_documents() -> List[Path]:
    """The documents whose generated blocks differ from what the code gives now."""
    return [path for path in DOCUMENTS if render(path.read_text(encoding="utf-8")) != path.read_text(encoding="utf-8")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale documents (exit 1)")
    args = parser.parse_args()
    if args.check:
        stale = stale_documents()
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run python docs/generate.py", file=sys.stderr)
        return 1 if stale else 0
    for path in DOCUMENTS:
        path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
