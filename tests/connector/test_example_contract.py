"""The example connector, written on the kit, passes the connector contract against its
sandbox, and registers through the entry point its pyproject declares."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from hub_connector_example.plugin import ExampleConnector
from hub_connector_example.sandbox import API_KEY, PeopleApi, run_sandbox

from hub.plugin.host import PluginHost
from hub.testing import ConnectorContract, HttpProbe, SinkCase, StreamCase
from tests.connector.conftest import EXAMPLE, PEOPLE


def declared_entry_points(project: Path) -> list[EntryPoint]:
    """The `hub` entry points of a package, read from its pyproject as pip would install them."""
    declared = tomllib.loads((project / "pyproject.toml").read_text())
    group = declared["project"]["entry-points"]["hub"]
    return [EntryPoint(name, value, "hub") for name, value in group.items()]


class TestExampleContract(ConnectorContract):
    connector_cls = ExampleConnector
    settings: Mapping[str, Any] = {"api_key": "contract-key"}
    streams = (StreamCase("people", {"page_size": 4}, min_records=PEOPLE),)
    sinks = (SinkCase("people", records=({"email": "ada@example.com", "name": "Ada"},
                                         {"email": "grace@example.com"})),)
    http_probe = HttpProbe("/v1/me", ok={"user": "contract"})

    @pytest.fixture
    def live_settings(self) -> Iterator[Mapping[str, Any]]:
        with run_sandbox(PeopleApi()) as (server, api):
            api.seed(PEOPLE)
            yield {"api_key": API_KEY, "base_url": server.url}

    @pytest.fixture
    def bad_settings(self, live_settings: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**live_settings, "api_key": "revoked"}

    def test_registered_through_the_plugin_host(self) -> None:
        # not installed in this environment (tests/plugin pip-installs it): its declared
        # entry point is loaded as the installed one would be
        host = PluginHost(entry_points_=declared_entry_points(EXAMPLE)).load()
        assert host.connectors.get("example") is ExampleConnector
        assert host.plugins["example"].status == "ok"
