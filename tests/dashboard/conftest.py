import pytest


@pytest.fixture(autouse=True)
def _no_version_tick(monkeypatch):
    """The dashboard's version also changes every 30 s (kiosks going offline): a test that
    crossed such a boundary between two polls would see a change it did not make."""
    import models.dashboard.live

    monkeypatch.setattr(models.dashboard.live, "VERSION_TICK_SECONDS", 10**9)
