"""Fixtures for the engine tests: a throwaway hub on either backend, and the loopback CRM
behind the fault server that the fault tests send it to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import hub.plugin.host
from hub.plugin.host import PluginHost
from hub.testing.sandbox.faultserver import FaultServer, run_fault_server
from tests.engine import http_connector
from tests.engine.http_connector import FakeCrm
from tests.engine.hubproject import Project, make_project
from tests.engine.loopback import loopback_project


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


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with run_fault_server() as running:
        yield running


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> PluginHost:
    """The bundled plugins plus the loopback connector; the CLI uses it too."""
    plugins = PluginHost(extra_plugins={"loopback": http_connector}).load()
    monkeypatch.setattr(hub.plugin.host, "_default", plugins)
    return plugins


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm()


@pytest.fixture
def api(sqlite_project: Project, server: FaultServer) -> Project:
    """Customers from the shop to the fake CRM, in batches of five, pages of ten."""
    server.app.reset()  # one server for the module: forget the last test's script and requests
    return loopback_project(sqlite_project, server)
