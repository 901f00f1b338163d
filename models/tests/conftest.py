from __future__ import annotations

from pathlib import Path

import pytest

from models.dataset.bundle import write_bundle
from models.dataset.config import get_profile
from models.dataset.synthetic import SyntheticNSD


@pytest.fixture(scope="session")
def smoke() -> SyntheticNSD:
    return SyntheticNSD(get_profile("smoke"))


@pytest.fixture(scope="session")
def smoke_bundle(smoke: SyntheticNSD, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "synthetic-nsd-smoke"
    write_bundle(smoke, out, log=lambda _: None)
    return out
