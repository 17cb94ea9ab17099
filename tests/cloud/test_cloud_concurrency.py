"""200 sessions from 20 client threads: no cross-talk between sessions (issue 5)."""

from __future__ import annotations

import threading
from collections import Counter

from cloud_client import DSSClient, Flow, scan_entry

THREADS = 20
SESSIONS_PER_THREAD = 10


def _network(i: int) -> dict:
    return {"ssid": f"Net-{i:03d}", "security": "WPA_PSK", "key": f"secret-{i:03d}"}


def test_200_sessions_from_20_threads(make_server, pki, cloud_pem) -> None:
    total = THREADS * SESSIONS_PER_THREAD
    server = make_server(
        {"customers": [{"id": "all", "devices": "*", "networks": [_network(i) for i in range(total)]}]}
    )
    results = {}
    failures = []

    def worker(t: int) -> None:
        device = pki.devices[t]
        try:
            # half the threads keep one connection, the others reconnect per session
            client = DSSClient(server.setup_port, device.folder, pki.dss_ca)
            for j in range(SESSIONS_PER_THREAD):
                i = t * SESSIONS_PER_THREAD + j
                if t % 2 and j:
                    client.close()
                    client = DSSClient(server.setup_port, device.folder, pki.dss_ca)
                flow = Flow(client, cloud_pem, serial=device.serial)
                flow.start()
                flow.report("START_PROVISIONING")
                flow.call("computeConfigurationData")
                flow.report("COMPUTE_CONFIGURATION")
                flow.call(
                    "postWifiScanData",
                    sequenceNumber=1,
                    wifiScanDataList=[scan_entry(f"Net-{i:03d}"), scan_entry(f"Noise-{i:03d}")],
                )
                flow.report("POST_WIFI_SCAN_DATA")
                creds = flow.call("getWifiCredentials", sequenceNumber=1).json()
                flow.report("GET_WIFI_LIST")
                flow.report("CONNECTING_TO_USER_NETWORK")
                done = flow.report("CONNECTED_TO_USER_NETWORK")
                results[flow.session_id] = (i, device.serial, creds, done)
            client.close()
        except Exception as exc:  # reported below; a thread must not die silently
            failures.append((t, repr(exc)))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert len(results) == total
    for session_id, (i, serial, creds, done) in results.items():
        assert creds["sessionId"] == session_id
        assert [(e["ssid"], e["key"]) for e in creds["wifiCredentialsList"]] == [
            (f'"Net-{i:03d}"', f'"secret-{i:03d}"')
        ]
        assert (done["canProceed"], done["nextProvisioningState"]) == (True, "DONE")
        row = server.db.session(session_id)
        assert (row["serial"], row["status"]) == (serial, "done")
        assert [r["ssid"] for r in server.db.credentials_served(session_id)] == [f"Net-{i:03d}"]
    assert Counter(row["serial"] for row in server.db.sessions()) == Counter(
        {pki.devices[t].serial: SESSIONS_PER_THREAD for t in range(THREADS)}
    )
    assert server.db.errors() == []
    assert len(server.transcript.records("exchange")) == total * 10
