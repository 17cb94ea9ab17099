"""The sans-IO DSS client: requests out, verified and parsed responses in.

:class:`DSSClient` keeps what the SDK's DSS client context keeps — host, port, the client
sequence counter, session id and salt — and turns bodies into
:class:`~wss.compat.types.HttpRequest` objects and
:class:`~wss.compat.types.HttpResponse` objects into typed responses. It never opens a
socket: the caller executes the request (``ffsHttpExecute``) and verifies the signature
(``ffsVerifyCloudSignature``) between :meth:`response_signature` and :meth:`parse_response`
(the state machine's step is :func:`wss.provisionee.operations.perform`).

Client sequence counter (protocol §6.4): starts at 1; +1 for every DSS HTTP operation
(:meth:`build_request`) and +1 more at the start of every report
(:meth:`next_report_sequence_number`), whose body carries the value after that first
increment. With one operation per state the reports carry 3, 6, 9, 12, 14, 16.

Source: protocol §6.1, §6.4, §7.4, §8.1–§8.3.
"""

from __future__ import annotations

import binascii
import enum
from typing import Any, Optional

from ..compat.types import DSSClientBuffers, HttpRequest, HttpResponse
from ..errors import PeerProtocolError
from . import responses
from .signature import extract_signature

__all__ = [
    "Operation",
    "DSSClient",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SETUP_NETWORK_PORT",
    "CONTENT_TYPE_HEADER",
    "make_nonce",
    "nonce_random_size",
]

#: Production DSS host (protocol §8.1).
DEFAULT_HOST = "dp-sps-na.amazon.com"
#: HTTPS port used off the encoded setup network (protocol §8.1).
DEFAULT_PORT = 443
#: The "transparent SOCKS" port used while on the encoded setup network (protocol §7.4).
SETUP_NETWORK_PORT = 8888
#: The one request header the SDK asks for (protocol §3.2; note the lower-case "t").
CONTENT_TYPE_HEADER = ("Content-type", "application/json")
_REQUEST_HEADERS = (CONTENT_TYPE_HEADER,)


class Operation(enum.Enum):
    """The six DSS operations; the value is the operation name in the path."""

    START_PROVISIONING_SESSION = "startProvisioningSession"
    START_PIN_BASED_SETUP = "startPinBasedSetup"
    COMPUTE_CONFIGURATION_DATA = "computeConfigurationData"
    POST_WIFI_SCAN_DATA = "postWifiScanData"
    GET_WIFI_CREDENTIALS = "getWifiCredentials"
    REPORT = "report"

    @property
    def path(self) -> str:
        """``/api/v1/<operation>`` (protocol §8.1)."""
        return _PATHS[self]


_PATHS = {operation: f"/api/v1/{operation.value}" for operation in Operation}


_PARSERS = {
    Operation.START_PIN_BASED_SETUP: responses.parse_start_pin_based_setup,
    Operation.COMPUTE_CONFIGURATION_DATA: responses.parse_compute_configuration_data,
    Operation.POST_WIFI_SCAN_DATA: responses.parse_post_wifi_scan_data,
    Operation.GET_WIFI_CREDENTIALS: responses.parse_get_wifi_credentials,
    Operation.REPORT: responses.parse_report,
}


def nonce_random_size(length: int) -> int:
    """Random bytes needed for a ``length``-character nonce: 3 per 4 characters."""
    return 3 * -(-length // 4)


def make_nonce(random: bytes, length: int) -> str:
    """Build a DSS nonce: base64 of 3-byte random groups, cut to ``length`` characters.

    Args:
        random: at least :func:`nonce_random_size` bytes from ``ffsRandomBytes``.
        length: nonce buffer size minus one (31 with the ports' 32-byte buffer).
    Source: protocol §8.3 (``O{-`` → ``T3st``).
    """
    size = 3 * -(-length // 4)  # nonce_random_size(length)
    if len(random) < size:
        raise ValueError(f"a {length}-character nonce needs {size} random bytes")
    return binascii.b2a_base64(random[:size], newline=False).decode("ascii")[:length]


class DSSClient:
    """DSS client context: endpoint, sequence counter, session.

    Args:
        buffers: buffer sizes from ``ffsDssClientGetBuffers``.
        host: ``DSS.Host`` or :data:`DEFAULT_HOST`.
        port: ``DSS.Port`` or :data:`DEFAULT_PORT`.
        setup_network_port: the port used while on the encoded setup network (8888).

    Attributes:
        sequence_number: the client sequence counter (starts at 1).
        session_id: from startProvisioningSession, echoed in later requests.
        salt: from startProvisioningSession, for the hashed PIN.
        on_encoded_network: True while joined to the encoded setup network.
    """

    def __init__(
        self,
        buffers: DSSClientBuffers = DSSClientBuffers(),
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        setup_network_port: int = SETUP_NETWORK_PORT,
    ) -> None:
        if not host or len(host) > min(buffers.host_size, 253):
            raise ValueError("DSS host must be 1..253 characters")
        for name, value in (("port", port), ("setup_network_port", setup_network_port)):
            if not isinstance(value, int) or not 0 < value < 65536:
                raise ValueError(f"{name} must be 1..65535, got {value!r}")
        self.buffers = buffers
        self.host = host
        self.port = port
        self.setup_network_port = setup_network_port
        self.sequence_number = 1
        self.session_id: Optional[str] = None
        self.salt: Optional[str] = None
        self.on_encoded_network = False

    @property
    def nonce_length(self) -> int:
        """Characters in each request nonce (nonce buffer size - 1)."""
        return self.buffers.nonce_size - 1

    @property
    def body_limit(self) -> int:
        """The body-buffer size, bytes (decides paging)."""
        return self.buffers.body_size

    @property
    def current_port(self) -> int:
        """8888 (or the configured setup port) on the encoded network, else the DSS port."""
        return self.setup_network_port if self.on_encoded_network else self.port

    def next_report_sequence_number(self) -> int:
        """Increment the counter at the start of a report and return the body value."""
        self.sequence_number += 1
        return self.sequence_number

    def build_request(self, operation: Operation, body: bytes) -> HttpRequest:
        """Make the HTTPS POST for ``operation`` and count it (+1 on the counter)."""
        self.sequence_number += 1
        return HttpRequest(self.host, self.current_port, _PATHS[operation], _REQUEST_HEADERS, body)

    @staticmethod
    def response_signature(response: HttpResponse) -> bytes:
        """Check the status class and return the decoded signature to verify.

        A 4xx/5xx status fails the operation (the guide's retry rules apply before this;
        the SDK itself ignores the status, protocol §14 quirk 4).

        Raises:
            PeerProtocolError: an error status, or a missing/duplicate/bad signature.
        """
        if not 200 <= response.status < 300:
            raise PeerProtocolError(f"DSS answered HTTP {response.status}")
        return extract_signature(response.headers)

    def parse_response(self, operation: Operation, body: bytes) -> Any:
        """Parse a verified body; a session start stores the session id and salt.

        Raises:
            PeerProtocolError: the body breaks the rules of protocol §8.5.
        """
        if operation is Operation.START_PROVISIONING_SESSION:
            parsed = responses.parse_start_provisioning_session(body, self.buffers.session_id_size - 1)
            self.session_id, self.salt = parsed.session_id, parsed.salt
            return parsed
        return _PARSERS[operation](body)

    def __repr__(self) -> str:
        return (
            f"DSSClient(host={self.host!r}, port={self.current_port}, "
            f"sequence_number={self.sequence_number}, session={self.session_id is not None})"
        )
