"""Fixtures of the cloud (local DSS) tests: a development PKI, accounts, servers, clients."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
from cloud_client import DSSClient

from wss.cloud import DSSServer
from wss.mfg.dev_pki import create_dev_pki

#: Devices made in the shared PKI besides ``device/`` (one per concurrency thread).
EXTRA_DEVICES = 20


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory):
    """A development PKI made by ``wss mfg dev-pki``'s library function."""
    return create_dev_pki(tmp_path_factory.mktemp("cloud") / "pki", devices=EXTRA_DEVICES)


@pytest.fixture(scope="session")
def other_pki(tmp_path_factory: pytest.TempPathFactory):
    """A second, unrelated PKI: its devices are unknown to a server using ``pki``."""
    return create_dev_pki(tmp_path_factory.mktemp("cloud") / "other", devices=0)


@pytest.fixture(scope="session")
def cloud_pem(pki) -> bytes:
    return pki.cloud_public_key.read_bytes()


@pytest.fixture
def accounts(pki) -> Dict[str, Any]:
    """alice owns every device; bob owns devices/0001 explicitly (explicit wins over "*")."""
    return copy.deepcopy(
        {
            "customers": [
                {
                    "id": "alice",
                    "devices": "*",
                    "networks": [
                        {"ssid": "OpenCafe", "security": "OPEN", "priority": 0},
                        {"ssid": "HomeNet", "security": "WPA_PSK", "key": "correct horse", "priority": 0},
                        {"ssid": "OldWep", "security": "WEP", "key": "0123456789", "priority": 0},
                        {"ssid": "Upstairs", "security": "WPA_PSK", "key": "battery staple", "priority": 5},
                        {"ssid": "FarAway", "security": "WPA_PSK", "key": "not in range", "priority": 9},
                    ],
                },
                {
                    "id": "bob",
                    "devices": [{"serial": pki.devices[0].serial}],
                    "networks": [
                        {"ssid": "BobNet", "security": "WPA_PSK", "key": "bobs secret"},
                    ],
                },
            ]
        }
    )


@pytest.fixture
def make_server(pki, accounts) -> Callable[..., DSSServer]:
    """Start a DSSServer on ephemeral ports; every server is stopped after the test."""
    started: List[DSSServer] = []

    def make(accounts_override: Optional[Dict[str, Any]] = None, **kwargs: Any) -> DSSServer:
        server = DSSServer(pki.folder, accounts_override or accounts, **kwargs).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server) -> DSSServer:
    return make_server()


@pytest.fixture
def connect(pki) -> Callable[..., DSSClient]:
    """Open a client connection as a device of the PKI (default: ``device/``)."""
    clients: List[DSSClient] = []

    def open_client(
        port: int, device_dir: Optional[Path] = None, ca_file: Optional[Path] = None, **kwargs: Any
    ) -> DSSClient:
        client = DSSClient(port, device_dir or pki.device.folder, ca_file or pki.dss_ca, **kwargs)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.close()
