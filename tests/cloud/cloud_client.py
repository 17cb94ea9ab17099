"""An independent DSS client for the cloud tests: Python ssl + h11, not our provisionee.

It keeps one TLS connection open (keep-alive) and returns every response with its raw
header block, so that tests can check the exact bytes the server sent.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import h11
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

DSS_HOST = "dp-sps-na.amazon.com"


@dataclass
class Reply:
    status: int
    headers: List[Tuple[str, str]]
    body: bytes
    raw_head: bytes

    def header(self, name: str) -> Optional[str]:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        assert len(values) <= 1, f"header {name} repeated"
        return values[0] if values else None

    def json(self) -> Dict[str, Any]:
        return json.loads(self.body)


def client_context(device_dir: Path, ca_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=str(ca_file))
    context.load_cert_chain(str(device_dir / "certificate.pem"), str(device_dir / "private_key.pem"))
    return context


class DSSClient:
    """One keep-alive TLS connection to the local DSS."""

    def __init__(self, port: int, device_dir: Path, ca_file: Path, timeout: float = 10.0) -> None:
        self.context = client_context(device_dir, ca_file)
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = self.context.wrap_socket(raw, server_hostname=DSS_HOST)
        self.h11 = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> DSSClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def post(
        self,
        operation: str,
        body: Union[bytes, Dict[str, Any]],
        headers: Optional[List[Tuple[str, str]]] = None,
        method: str = "POST",
    ) -> Reply:
        if isinstance(body, dict):
            body = json.dumps(body, separators=(",", ":")).encode()
        target = operation if operation.startswith("/") else "/api/v1/" + operation
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
        request_headers = [("Host", DSS_HOST), ("Content-Length", str(len(body)))]
        request_headers += headers or [("Content-Type", "application/json")]
        out = self.h11.send(h11.Request(method=method, target=target, headers=request_headers))
        out += self.h11.send(h11.Data(data=body)) + self.h11.send(h11.EndOfMessage())
        self.sock.sendall(out)
        return self._receive()

    def _receive(self) -> Reply:
        received = b""
        response = None
        chunks = []
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                data = self.sock.recv(65536)
                received += data
                self.h11.receive_data(data)
                continue
            if isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
        assert response is not None
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in response.headers.raw_items()]
        head = received.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
        return Reply(response.status_code, headers, b"".join(chunks), head)


def verify_signature(reply: Reply, cloud_public_key_pem: bytes) -> None:
    """Verify ``x-amzn-dss-signature`` over the exact body; raises InvalidSignature."""
    key = load_pem_public_key(cloud_public_key_pem)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    signature = base64.b64decode(reply.header("x-amzn-dss-signature"), validate=True)
    key.verify(signature, reply.body, ec.ECDSA(hashes.SHA256()))


def device_details(serial: str) -> Dict[str, str]:
    return {
        "manufacturer": "WSS Test",
        "deviceModel": "T1",
        "deviceSerial": serial,
        "productIndex": "AbCd",
        "softwareVersionIndex": "0.1.0",
        "deviceName": "Test",
        "firmwareVersion": "1.0",
        "hardwareVersion": "1.0",
    }


class Flow:
    """Drives one provisioning session the way the SDK does (§6), checking signatures."""

    def __init__(self, client: DSSClient, cloud_public_key_pem: bytes, serial: str = "S") -> None:
        self.client = client
        self.key = cloud_public_key_pem
        self.serial = serial
        self.session_id: Optional[str] = None
        self.salt: Optional[str] = None
        self.client_seq = 1
        self.nonce_counter = 0
        self.calls = 0

    def nonce(self) -> str:
        self.nonce_counter += 1
        return f"n{self.nonce_counter:030d}"

    def call(self, operation: str, **fields: Any) -> Reply:
        self.client_seq += 1
        self.calls += 1
        body: Dict[str, Any] = {"nonce": self.nonce()}
        if operation != "startProvisioningSession":
            body["sessionId"] = self.session_id
            body["deviceDetails"] = device_details(self.serial)
        body.update(fields)
        reply = self.client.post(operation, body)
        verify_signature(reply, self.key)
        return reply

    def start(self) -> Dict[str, Any]:
        answer = self.call("startProvisioningSession").json()
        self.session_id, self.salt = answer.get("sessionId"), answer.get("salt")
        return answer

    def walk_to(self, state: str, scan: Tuple[str, ...] = ("HomeNet",)) -> None:
        """Start a session, then run each state's operation and report SUCCESS until the
        cloud names ``state`` (whose own operation is left to the caller)."""
        self.start()
        current = "START_PROVISIONING"
        while current != state:
            if current == "COMPUTE_CONFIGURATION":
                self.call("computeConfigurationData")
            elif current == "POST_WIFI_SCAN_DATA":
                self.call("postWifiScanData", sequenceNumber=1, wifiScanDataList=[scan_entry(ssid) for ssid in scan])
            elif current == "GET_WIFI_LIST":
                self.call("getWifiCredentials", sequenceNumber=1)
            current = self.report(current)["nextProvisioningState"]

    def report(self, state: str, result: str = "SUCCESS", **fields: Any) -> Dict[str, Any]:
        self.client_seq += 1
        return self.call(
            "report",
            sequenceNumber=self.client_seq,
            currentProvisioningState=state,
            registrationState="COMPLETE",
            stateTransitionResult=result,
            **fields,
        ).json()


def scan_entry(ssid: str, security: str = "WPA_PSK", bssid: str = "00:11:22:33:44:55") -> Dict[str, Any]:
    return {"ssid": f'"{ssid}"', "bssid": bssid, "securityProtocol": security, "rssi": -50, "frequency": 6}
