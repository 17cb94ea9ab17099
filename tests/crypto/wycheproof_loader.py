"""Loader for Project Wycheproof JSON vectors, read verbatim from ``tests/vectors/wycheproof``.

Each case becomes a :class:`WycheproofCase` with ``.valid``/``.invalid``/``.acceptable``
and ``.has_flag()``, like pyca/cryptography's ``WycheproofTest``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List

from vector_files import load_json


@dataclasses.dataclass(frozen=True)
class WycheproofCase:
    group: Dict[str, Any]
    case: Dict[str, Any]

    @property
    def result(self) -> str:
        return self.case["result"]

    @property
    def valid(self) -> bool:
        return self.result == "valid"

    @property
    def invalid(self) -> bool:
        return self.result == "invalid"

    @property
    def acceptable(self) -> bool:
        return self.result == "acceptable"

    def has_flag(self, flag: str) -> bool:
        return flag in self.case.get("flags", ())

    def hex(self, key: str) -> bytes:
        return bytes.fromhex(self.case[key])

    @property
    def id(self) -> str:
        return f"tc{self.case['tcId']}-{self.result}"


def load(filename: str) -> List[WycheproofCase]:
    """All cases of one Wycheproof file, in file order."""
    data = load_json("wycheproof", filename)
    cases = [WycheproofCase(group, case) for group in data["testGroups"] for case in group["tests"]]
    if len(cases) != data["numberOfTests"]:
        raise ValueError(f"{filename}: {len(cases)} cases but numberOfTests={data['numberOfTests']}")
    return cases
