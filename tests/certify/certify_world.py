"""What the certification tests share: the customer ID and the mock driver factory."""

from __future__ import annotations

from typing import Any

from hal.mock import WifiDriverMock

CUSTOMER_ID = "A2QWERTY7ZXCVB"


def mock_driver(offered: Any) -> WifiDriverMock:
    """The mock radio with the values the plan offers (environment, provisioner, clock, DSS)."""
    return WifiDriverMock(**offered)
