"""The HAL contract suite (tests/hal/test_driver_contract.py) run against nl80211 in the guest.

The suite needs the driver in its own process, so pytest runs once inside the guest (in
the device's network namespace) with ``WSS_HAL_CONTRACT=nl80211``; each contract test
then gets one test here that reports its outcome in the guest.
"""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from typing import Dict, List, Tuple

import hwsim_vm
import pytest

pytestmark = pytest.mark.hwsim

SUITE = hwsim_vm.REPO / "tests" / "hal" / "test_driver_contract.py"


def _contract_tests() -> List[str]:
    tree = ast.parse(SUITE.read_text())
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


@pytest.fixture(scope="session")
def contract_run(hwsim) -> Dict[str, List[Tuple[str, str, str]]]:
    """Run the suite in the guest once; map test function -> [(case id, outcome, text)]."""
    report = hwsim.work / "contract-junit.xml"
    if report.exists():
        report.unlink()
    out = hwsim.sh(
        f"cd {hwsim_vm.REPO} && WSS_HAL_CONTRACT=nl80211 $WSS_PYTHON -m pytest "
        f"{SUITE.relative_to(hwsim_vm.REPO)} -q -p no:cacheprovider --junitxml={report}",
        timeout_s=900,
    )
    if not report.exists():
        pytest.fail(f"the contract suite did not run in the guest:\n{out['stdout'][-3000:]}{out['stderr'][-3000:]}")
    cases: Dict[str, List[Tuple[str, str, str]]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name", "")
        outcome, text = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
                text = (child.get("message") or "") + "\n" + (child.text or "")
        cases.setdefault(name.split("[", 1)[0], []).append((name, outcome, text))
    return cases


@pytest.mark.parametrize("name", _contract_tests())
def test_contract_on_nl80211(contract_run, name):
    cases = contract_run.get(name)
    assert cases, f"{name} did not run against nl80211 in the guest"
    bad = [f"{case}: {outcome}\n{text}" for case, outcome, text in cases if outcome in ("failure", "error")]
    if bad:
        pytest.fail("\n".join(bad), pytrace=False)
    if all(outcome == "skipped" for _c, outcome, _t in cases):
        pytest.skip(f"skipped in the guest: {cases[0][2].strip()}")
