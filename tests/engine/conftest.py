"""Fixtures for the engine tests: a throwaway hub on either backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.hubproject import Project, make_project


@pytest.fixture(autouse=True)
def _no_ambient_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub under test is the one in hub.yaml, never one the environment points at."""
    for name in ("HUB_DATABASE_URL", "HUB_CONFIG", "HUB_FAILPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Project:
    """A hub whose shop, warehouse and state store are SQLite files, or one PostgreSQL schema."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return make_project(tmp_path, request.param, url)


@pytest.fixture
def sqlite_project(tmp_path: Path) -> Project:
    return make_project(tmp_path, "sqlite")
