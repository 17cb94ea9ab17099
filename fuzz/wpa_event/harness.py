"""wpa_supplicant control-interface events (``<3>CTRL-EVENT-... id=0 reason=...``):
parsing never raises; an event's network id is an int or None."""

from __future__ import annotations

from hal.nl80211.wpa_ctrl import parse_event


def test_one_input(data: bytes) -> None:
    event = parse_event(data.decode("utf-8", "replace"))
    if event is None:
        return
    assert isinstance(event.level, int) and isinstance(event.name, str)
    network = event.network_id()
    assert network is None or isinstance(network, int)
