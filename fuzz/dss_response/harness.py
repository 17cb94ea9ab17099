"""The DSS response parsers (protocol §8.5): any body parses or raises PeerProtocolError.

The first byte picks the operation's parser; the rest is the response body.
"""

from __future__ import annotations

from wss.dss import responses as R
from wss.dss.client import DSSClient, Operation
from wss.errors import PeerProtocolError

PARSERS = [
    R.parse_start_provisioning_session,
    R.parse_start_pin_based_setup,
    R.parse_compute_configuration_data,
    R.parse_post_wifi_scan_data,
    R.parse_get_wifi_credentials,
    R.parse_report,
]
OPERATIONS = list(Operation)
CLIENT = DSSClient()


def test_one_input(data: bytes) -> None:
    if not data:
        return
    selector, body = data[0], data[1:]
    try:
        if selector & 0x80:  # through the client, as the state machine calls it
            operation = OPERATIONS[selector % len(OPERATIONS)]
            CLIENT.parse_response(operation, body)
        else:
            PARSERS[selector % len(PARSERS)](body)
    except PeerProtocolError:
        pass
