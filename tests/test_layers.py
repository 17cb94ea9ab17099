"""The layers of docs/design.md §2, checked where they are enforced: at import time.

Each case imports one package in a fresh interpreter and lists what that loaded. A
package may load only what its layer may use; the device path loads neither
``cryptography`` nor PyYAML (docs/design.md §4: they are the [tools] and [mock] extras).
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: package -> prefixes of modules it must never load.
FORBIDDEN = {
    # the contract: types and the abstract class, no implementation
    "wss.compat": (
        "wss.tls",
        "wss.http",
        "wss.store",
        "wss.platform",
        "wss.provisionee",
        "wss.crypto",
        "wss._core",
        "wss.dss",
        "hal",
    ),
    # a pure codec
    "wss.setup_network": ("wss.provisionee", "wss.platform", "wss.crypto", "wss._core", "wss.tls", "hal"),
    # the state machine talks only to the contract
    "wss.provisionee": ("wss.platform", "wss.tls", "wss.http", "wss.store", "wss.crypto", "wss._core", "hal"),
    # hal never imports wss
    "hal": ("wss",),
    "hal.mock": ("wss",),
    "hal.options": ("wss",),
    "hal.nl80211.driver": ("wss",),
    # the device path: no tools' dependencies
    "wss.provisioning": ("cryptography", "yaml", "wss.cloud", "wss.mfg", "hal.mock"),
    "wss.platform": ("cryptography", "yaml", "wss.cloud", "wss.mfg", "wss.provisionee"),
}

_LIST_MODULES = (
    "import importlib, json, sys; importlib.import_module(sys.argv[1]); print(json.dumps(sorted(sys.modules)))"
)


def loaded_by(package: str) -> list:
    """The modules a fresh interpreter holds after importing ``package``."""
    out = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES, package], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_loads_only_what_it_may(package):
    modules = loaded_by(package)
    assert package in modules
    wrong = sorted(m for m in modules for prefix in FORBIDDEN[package] if _matches(m, prefix))
    assert wrong == [], f"importing {package} loaded {wrong}"


def test_the_check_sees_a_forbidden_import():
    """The probe itself: the CLI of the tools does load cryptography."""
    assert any(_matches(m, "cryptography") for m in loaded_by("wss.mfg.dev_pki"))
