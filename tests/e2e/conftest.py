"""Fixtures of the end-to-end tests: one development PKI for the session."""

from __future__ import annotations

import pytest

from wss.mfg.dev_pki import create_dev_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory):
    """A development PKI (``wss mfg dev-pki``'s library function)."""
    return create_dev_pki(tmp_path_factory.mktemp("e2e") / "pki", product_index="AbCd")
