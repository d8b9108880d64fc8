"""Fixtures for the kiosk tests (data and the fake server live in kiosk_testdata.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from kiosk_testdata import ARTIFACTS, FakeApi, Keys  # noqa: E402


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def fake_api(keys):
    api = FakeApi(keys).start()
    yield api
    api.stop()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _no_kiosk_env(monkeypatch):
    """Settings on the test machine (KIOSK_SERVER, ...) must not leak into the tests."""
    import os

    for name in list(os.environ):
        if name.startswith("KIOSK_"):
            monkeypatch.delenv(name)
