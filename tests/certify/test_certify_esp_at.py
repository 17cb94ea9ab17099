"""A plan on the ESP-AT driver: the emulated module on a pty, a DSS run beside it, real mutual TLS.

The module (:class:`wss.emulators.esp_at.EspAtEmulator`) keeps its own radio — the
clean profile's home, with a provisioner that hosts the device's encoded setup network —
so, as with a real board, the plan cannot inject radio faults into it: the driver is
plugged in through ``make_driver`` like any ``--hal``, and the DSS is read through its
transcript file (``--dss``/``--dss-transcript``). TLS runs on the host over the module's
AT socket.
"""

from __future__ import annotations

from typing import Any, Dict

from hal.esp_at import WifiDriverEspAt
from wss.certify.certification import RemoteDSSSpec
from wss.certify.profile import load_profile
from wss.certify.runner import home_for
from wss.cloud import DSSServer
from wss.emulators.esp_at import EspAtEmulator

BAUD = 2_000_000  # paced all the same; timing is the benchmark's business


def module_radio(profile: Any, pki: Any, server: DSSServer) -> Dict[str, Any]:
    """The profile's home as the module's radio: its provisioner knows this device."""
    env = home_for(profile, None)
    env["provisioner"] = dict(
        env["provisioner"], cloud_private_key=str(pki.cloud_private_key), devices=[str(pki.device.certificate)]
    )
    env["internet"] = {"dss_host": "localhost", "dss_setup_port": server.setup_port}
    return env


def test_a_plan_on_the_esp_at_driver_passes_and_is_checked_from_the_dss(run_plan, pki, tmp_path):
    profile = load_profile("clean")
    transcript = tmp_path / "dss.jsonl"
    with DSSServer(pki.folder, dict(profile.accounts), transcript=str(transcript)) as server:
        with EspAtEmulator(module_radio(profile, pki, server), baud=BAUD) as emulator:
            certification = run_plan(
                profile,
                runs=2,
                workers=1,
                simulated=False,
                hal="esp_at",
                make_driver=lambda offered: WifiDriverEspAt(emulator.path, baud=BAUD),
                remote_dss=RemoteDSSSpec("localhost", server.port, server.setup_port, transcript),
            )
    verdict = certification.verdict
    assert verdict.passed and verdict.successes == 2, [r.cause for r in certification.records]
    tls = certification.document["tls"]
    assert tls["handshakes"] == 4 and tls["ems_negotiated"] == 4 and tls["sni"] == {"localhost": 4}
    for record in certification.records:
        assert record.findings == () and "Parker-Home" in record.posted and record.heard >= 5
