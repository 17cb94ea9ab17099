"""802.11 information elements as a scan reports them (anything an access point may put
on the air): parsing never raises, and what it returns is well formed."""

from __future__ import annotations

from hal.nl80211 import ies
from hal.types import Security


def test_one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    capability = int.from_bytes(data[:2], "little")
    elements = ies.parse_elements(data[2:])
    assert elements.ssid is None or len(elements.ssid) <= 32
    assert elements.channel is None or 0 <= elements.channel <= 255
    assert isinstance(ies.classify(capability, elements), Security)
    for suites in (elements.rsn, elements.wpa):
        if suites is not None:
            ies.akm_names(suites)
            suites.mfp_required, suites.mfp_capable  # noqa: B018 - evaluated for exceptions
    for _eid, body in ies.iter_elements(data):
        ies.parse_suites(body)
