"""Fixtures of the provisionee tests."""

from __future__ import annotations

import pytest
from fake_dss import FakeDSS
from provisionee_world import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def home_dss() -> FakeDSS:
    """A DSS whose customer saved HomeNet (WPA_PSK)."""
    return FakeDSS(saved_networks=[("HomeNet", "WPA_PSK", '"correct horse battery"')])
