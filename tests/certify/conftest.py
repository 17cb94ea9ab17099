"""Fixtures of the certification tests: one development PKI, and plans on the mock radio."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from certify_world import CUSTOMER_ID, mock_driver

from wss.certify.certification import Certification, CertifyOptions, certify
from wss.certify.profile import Profile, load_profile
from wss.mfg.dev_pki import create_dev_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory):
    """A development PKI (``wss mfg dev-pki``'s library function)."""
    return create_dev_pki(tmp_path_factory.mktemp("certify") / "pki", product_index="AbCd")


@pytest.fixture
def run_plan(pki, tmp_path) -> Callable[..., Certification]:
    """Run a plan on the mock radio in this process; keyword arguments go to CertifyOptions."""

    def run(profile: Any = "default", **options: Any) -> Certification:
        loaded = profile if isinstance(profile, Profile) else load_profile(profile)
        settings = dict(
            pki=Path(pki.folder),
            customer_id=CUSTOMER_ID,
            out=tmp_path / "report",
            profile=loaded,
            make_driver=mock_driver,
            simulated=True,
            hal="mock",
            workers=2,
            progress=False,
        )
        settings.update(options)
        return certify(CertifyOptions(**settings))

    return run
