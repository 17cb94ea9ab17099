"""The check every end-to-end run passes (``e2e_world.check_ssids``) catches violations."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from e2e_world import check_ssids, home_environment


def exchange(operation, request, response=None):
    return {
        "event": "exchange",
        "operation": operation,
        "listener": "setup",
        "request": {"body": json.dumps(request)},
        "response": {"status": 200, "body": json.dumps(response or {})},
    }


def fake_run(posted, heard=(b"HomeNet", b"Neighbour"), credentials=(), tried=()):
    records = [
        exchange("postWifiScanData", {"wifiScanDataList": [{"ssid": f'"{s}"'} for s in posted]}),
        exchange("getWifiCredentials", {}, {"wifiCredentialsList": [{"ssid": f'"{s}"'} for s in credentials]}),
        exchange(
            "report",
            {
                "currentProvisioningState": "CONNECTING_TO_USER_NETWORK",
                "wifiNetworkInfoList": [{"ssid": f'"{s}"', "wifiConnectionState": "FAILED"} for s in tried],
            },
        ),
    ]
    return SimpleNamespace(
        compat=SimpleNamespace(seen_ssids=set(heard)),
        environment=home_environment(),
        records=records,
        provisioner=SimpleNamespace(recognise=lambda ssid: None),
    )


def test_a_clean_run_passes():
    check_ssids(fake_run(["HomeNet"], credentials=["HomeNet"], tried=["HomeNet", "simple_setup"]))


@pytest.mark.parametrize(
    "run",
    [
        fake_run(["Grandma"]),  # posted without scanning it
        fake_run(["HomeNet"], heard=(b"HomeNet", b"Camera")),  # "heard" a hidden SSID
        fake_run(["HomeNet"], credentials=["Neighbour"]),  # credentials for an SSID never posted
        fake_run(["HomeNet"], tried=["Grandma"]),  # tried to join an SSID never scanned
    ],
)
def test_a_violation_fails(run):
    with pytest.raises(AssertionError):
        check_ssids(run)
