"""The protocomm server core (wss/protocomm): any sequence of requests from a client.

The input is cut into requests at ``\\xff\\xfe``; the first byte of each picks the endpoint
(prov-session, prov-config, prov-scan, prov-ctrl, proto-ver, custom-data) and the rest is
the body. With security 0 every message reaches its handler unencrypted, so the fuzzer
drives SessionData and the Wi-Fi provisioning messages directly. Every request is answered
with bytes or refused with a ProtocommError naming a broken rule; a refusal that reports an
internal error means a handler crashed, which is a finding.
"""

from __future__ import annotations

from typing import List, Optional

from wss.protocomm import Protocomm, ProtocommError, Security0, WifiProvisioning
from wss.protocomm.wifi import AccessPoint, AuthMode, JoinState, JoinStatus, ProvisioningStation

ENDPOINTS = ("prov-session", "prov-config", "prov-scan", "prov-ctrl", "proto-ver", "custom-data")
APS = [AccessPoint(b"ap%d" % n, bytes([2, 0, 0, 0, 0, n]), n, -40 - n, AuthMode.WPA2_PSK) for n in range(1, 4)]


class _Station(ProvisioningStation):
    """A radio that scans three APs at once and accepts every join."""

    def __init__(self) -> None:
        self.status = JoinStatus(JoinState.IDLE)

    def start_scan(self, blocking, passive, group_channels, period_ms) -> None:
        return None

    def scan_finished(self) -> bool:
        return True

    def scan_results(self) -> List[AccessPoint]:
        return APS

    def check_config(self, config) -> Optional[str]:
        return None

    def start_join(self, config) -> None:
        self.status = JoinStatus(JoinState.CONNECTING)

    def join_status(self) -> JoinStatus:
        return self.status

    def reset(self) -> None:
        self.status = JoinStatus(JoinState.IDLE)


def test_one_input(data: bytes) -> None:
    core = Protocomm(Security0(), b'{"prov":{"ver":"v1.1","sec_ver":0,"cap":["no_sec"]}}')
    WifiProvisioning(_Station(), auto_stop=False).attach(core)
    core.add_endpoint("custom-data", lambda session_id, body: b"SUCCESS\x00")
    core.open_session(1)
    for request in data.split(b"\xff\xfe")[:16]:
        if not request:
            continue
        endpoint, body = ENDPOINTS[request[0] % len(ENDPOINTS)], request[1:]
        try:
            answer = core.handle(1, endpoint, body)
        except ProtocommError as exc:
            assert "internal error" not in str(exc), f"{endpoint} crashed on {body!r}"
            if core.session_id is None:
                core.open_session(1)  # the refusal closed the session: a new client
            continue
        assert isinstance(answer, bytes)
