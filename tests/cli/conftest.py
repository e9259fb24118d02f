"""Fixtures for the command-line tests that run a whole hub: a shop, a warehouse, a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli.app import console
from hub.cli.app import errors as error_console
from tests.engine.hubproject import Project, make_project


@pytest.fixture
def quiet_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub under test is the one in hub.yaml, never one the environment points at."""
    for name in ("HUB_DATABASE_URL", "HUB_CONFIG", "HUB_FAILPOINT", "HUB_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep each message on one line of captured output."""
    monkeypatch.setattr(error_console, "width", 1000)
    monkeypatch.setattr(console, "width", 1000)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pipeline_project(request: pytest.FixtureRequest, tmp_path: Path, quiet_environment: None,
            wide_output: None) -> Project:
    """A hub whose shop, warehouse and state store are SQLite files, or one PostgreSQL schema."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return make_project(tmp_path, request.param, url)


@pytest.fixture
def sqlite_project(tmp_path: Path, quiet_environment: None, wide_output: None) -> Project:
    return make_project(tmp_path, "sqlite")
