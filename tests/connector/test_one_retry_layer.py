"""One retry layer, the engine's: a vendor that stays down costs RetryPolicy.attempts calls
per batch or page, not their square, and says so in one log line, not one per attempt.

Over real loopback HTTP: the example connector (on the kit) against its sandbox, HubSpot
(the official SDK) against the fault server standing in for its API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hub_connector_example.plugin import ExampleConnector, ExampleSettings
from hub_connector_example.sandbox import API_KEY, PeopleApi

from connectors.hubspot import HubSpotConnector
from connectors.hubspot.settings import HubSpotSettings
from hub.connector import Connector
from hub.errors import TransientError
from hub.testing.sandbox.faultserver import FaultServer, Step, run_fault_server
from tests.connector.conftest import PEOPLE
from tests.connector.pipeline import FAST, Keeping, nowhere, one_page, plan, run

DOWN = Step(503, json={"message": "Service Unavailable"})
PEOPLE_IN = [{"id": f"s{i}", "email": f"person{i}@example.com"} for i in range(3)]
UPSERT = "/crm/v3/objects/contacts/batch/upsert"
SEARCH = "/crm/v3/objects/contacts/search"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with run_fault_server() as running:
        yield running


def example(url: str) -> ExampleConnector:
    return ExampleConnector(ExampleSettings(api_key=API_KEY, base_url=url))


def hubspot(url: str) -> HubSpotConnector:
    return HubSpotConnector(HubSpotSettings(access_token="pat-na1-test", base_url=url,
                                            properties_file=None))


def retry_log(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "hub.http.retry"]


@pytest.mark.parametrize(("vendor", "path"), [("example", "/v1/people/batch"),
                                              ("hubspot", UPSERT)])
async def test_a_sink_that_stays_down_costs_the_engines_attempts_not_their_square(
        server: FaultServer, sqlite_url: str, caplog: pytest.LogCaptureFixture,
        vendor: str, path: str) -> None:
    caplog.set_level(logging.DEBUG, logger="hub.http.retry")
    server.app.script(path, DOWN)
    destination: Connector[Any] = (example(server.url) if vendor == "example"
                                      else hubspot(server.url))
    options = {"ensure_properties": False} if vendor == "hubspot" else {}
    sink = destination.sink("people" if vendor == "example" else "contacts", options)

    result = await run(sqlite_url, plan(nowhere(), one_page(PEOPLE_IN), destination, sink))

    assert (result.status, result.counts["failed"]) == ("succeeded", len(PEOPLE_IN))
    assert len(server.app.requests(path)) == FAST.attempts  # one batch, the engine's budget
    lines = retry_log(caplog)
    assert [level for level, _ in lines] == [logging.DEBUG] * (FAST.attempts - 1) + [
        logging.WARNING]
    assert f"gave up after {FAST.attempts} attempts" in lines[-1][1]
    assert "503" in lines[-1][1]


@pytest.mark.parametrize(("vendor", "path"), [("example", "/v1/people"), ("hubspot", SEARCH)])
async def test_a_source_that_stays_down_costs_the_engines_attempts_not_their_square(
        server: FaultServer, sqlite_url: str, vendor: str, path: str) -> None:
    server.app.script(path, DOWN)
    source: Connector[Any] = (example(server.url) if vendor == "example"
                                 else hubspot(server.url))
    stream = source.stream("people" if vendor == "example" else "contacts")

    with pytest.raises(TransientError, match="503"):
        await run(sqlite_url, plan(source, stream, nowhere(), Keeping()))

    assert len(server.app.requests(path)) == FAST.attempts


async def test_a_page_that_fails_is_read_again_after_the_last_page_read(
        sandbox: tuple[FaultServer, PeopleApi], sqlite_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    server, api = sandbox
    caplog.set_level(logging.DEBUG, logger="hub.http.retry")
    # the first page answers, the second fails twice, then the API answers again
    server.app.script("/v1/people", Step(respond=api.list_people), DOWN, DOWN,
                      Step(respond=api.list_people))
    source = example(server.url)
    sink = Keeping()

    result = await run(sqlite_url, plan(source, source.stream("people", {"page_size": 4}),
                                        nowhere(), sink))

    assert result.status == "succeeded"
    ids = [record["id"] for record in sink.written]
    assert sorted(ids) == sorted(api.people)  # nothing lost …
    assert len(ids) == PEOPLE  # … nothing read twice, though page one ended inside a tie
    resumed = server.app.requests("/v1/people")[3]
    assert "updated_since=" in resumed.query  # the stream was opened after page one
    assert [level for level, _ in retry_log(caplog)] == [logging.DEBUG, logging.DEBUG,
                                                         logging.INFO]
