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
    "hal.esp_at": ("wss",),
    # support modules: the deadline defaults import nothing; bounded reads and the folder
    # lock only wss.errors (docs/design.md §2)
    "wss.deadlines": ("wss.errors", "wss.compat", "wss._core", "hal"),
    "wss._files": ("wss.compat", "wss._core", "wss.tls", "hal"),
    "wss._lock": ("wss.compat", "wss._core", "wss.tls", "hal"),
    # the device path: no tools' dependencies; the SoftAP fallback (protobuf) only when it runs
    "wss.provisioning": (
        "cryptography",
        "yaml",
        "wss.cloud",
        "wss.mfg",
        "hal.mock",
        "wss.emulators",
        "wss.certify",
        "wss.softap",
        "wss.protocomm",
        "google.protobuf",
        "segno",
    ),
    "wss.cli.provision": ("wss.softap", "wss.protocomm", "google.protobuf", "segno"),
    # the protocomm server: transport-free, never the HAL, the store or the WSS machine
    "wss.protocomm": (
        "hal",
        "wss.store",
        "wss.platform",
        "wss.provisionee",
        "wss.tls",
        "wss.http",
        "wss.softap",
        "h11",
        "segno",
        "cryptography",
        "yaml",
    ),
    # the SoftAP flow: device code (no tools, no simulated radio); the QR library only when drawing
    "wss.softap": (
        "cryptography",
        "yaml",
        "segno",
        "wss.cloud",
        "wss.mfg",
        "hal.mock",
        "wss.provisionee",
        "wss.certify",
    ),
    "wss.platform": ("cryptography", "yaml", "wss.cloud", "wss.mfg", "wss.provisionee", "wss.emulators", "wss.certify"),
    # the BLE transport: its layout and rules need neither the HAL, the store, the SoftAP
    # flow nor D-Bus; dbus-fast loads only when a peripheral starts (wss.ble.bluez)
    "wss.ble": ("hal", "dbus_fast", "wss.provisionee", "wss.store", "wss.softap", "segno", "cryptography", "yaml"),
    # local discovery: device code, never the HAL or the WSS machine; zeroconf only when announcing
    "wss.discovery": ("hal", "wss.provisionee", "wss.compat", "cryptography", "yaml", "zeroconf"),
    "wss.discovery.mdns": ("hal", "wss.provisionee", "wss.compat", "cryptography", "yaml"),
    # joined but unregistered -> announce: composes the driver, the store and discovery;
    # zeroconf and the SoftAP flow only when it announces
    "wss.local_discovery": ("wss.provisionee", "hal.mock", "cryptography", "yaml", "zeroconf", "wss.softap"),
    # the certification tool: its report's libraries load only when a plan runs
    "wss.certify": ("matplotlib", "barcode", "pyzbar", "tqdm", "PIL", "wss.cloud", "hal.mock"),
    # the benchmarks (wss bench): peers, tools and the chart load only when a suite or compare runs
    "wss.bench.runner": ("cryptography", "yaml", "mbedtls", "matplotlib", "hal", "wss.cloud", "wss.mfg", "wss.certify"),
    "wss.bench.compare": ("matplotlib", "cryptography", "yaml", "hal"),
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
