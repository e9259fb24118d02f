"""BatchSink: one WriteResult per record from the vendor's batch answer, the vendor's own words
for a refused record, retryable where it says so; and through the engine, a retryable record
written on its next try and a refused one dead-lettered with that message."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hub_connector_example.plugin import ExampleConnector, ExampleSettings
from hub_connector_example.sandbox import API_KEY, PeopleApi

from hub import WriteMode, WriteResult
from hub.errors import RecordError
from hub.store import StateStore
from hub.testing.sandbox.faultserver import FaultServer, Step
from tests.connector.pipeline import nowhere, one_page, plan, run

Sandbox = tuple[FaultServer, PeopleApi]


@pytest.fixture
async def people(sandbox: Sandbox) -> AsyncIterator[ExampleConnector]:
    server, _ = sandbox
    connector = ExampleConnector(ExampleSettings(api_key=API_KEY, base_url=server.url))
    yield connector
    await connector.aclose()


async def test_each_record_gets_the_vendors_verdict(people: ExampleConnector,
                                                    sandbox: Sandbox) -> None:
    _, api = sandbox
    api.busy.add("busy@example.com")
    records = [{"email": "new@example.com"}, {"email": "not-an-email"},
               {"email": "person3@example.com", "name": "Renamed"}, {"email": "busy@example.com"}]

    results = await people.sink("people").write(records, WriteMode.UPSERT)

    new_id = next(p["id"] for p in api.people.values() if p["email"] == "new@example.com")
    assert results == [
        WriteResult.ok(new_id, created=True),
        WriteResult.failed("email 'not-an-email' is invalid [INVALID_EMAIL]"),
        WriteResult.ok("p00003"),
        WriteResult.failed("record locked, try again [LOCKED]", retryable=True),
    ]
    assert api.people["p00003"]["name"] == "Renamed"


async def test_a_record_the_answer_forgets_is_failed_as_retryable(
        people: ExampleConnector, sandbox: Sandbox) -> None:
    server, _ = sandbox
    server.app.script("/v1/people/batch", Step(200, json={"results": [{"index": 0, "id": "9"}],
                                                          "errors": []}))
    results = await people.sink("people").write([{"email": "a@x.com"}, {"email": "b@x.com"}],
                                                WriteMode.UPSERT)
    assert results == [WriteResult.ok("9"),
                       WriteResult.failed("Example did not report on this record",
                                          retryable=True)]


async def test_a_refusal_of_the_whole_batch_is_a_record_error(people: ExampleConnector,
                                                              sandbox: Sandbox) -> None:
    server, _ = sandbox
    server.app.script("/v1/people/batch", Step(400, json={"message": "inputs must be a list"}))
    with pytest.raises(RecordError, match="Example answered 400: inputs must be a list"):
        await people.sink("people").write([{"email": "a@x.com"}], WriteMode.UPSERT)


def test_the_options_set_the_batch_size(people: ExampleConnector) -> None:
    assert people.sink("people").batch_size == 100
    assert people.sink("people", {"batch_size": 7}).batch_size == 7


async def test_through_the_engine_the_retryable_one_passes_and_the_refused_one_is_dead_lettered(
        sandbox: Sandbox, sqlite_url: str) -> None:
    server, api = sandbox
    api.busy.add("busy@example.com")
    records = [{"id": "s1", "email": "ada@example.com"},
               {"id": "s2", "email": "busy@example.com"}, {"id": "s3", "email": "broken"}]
    destination = ExampleConnector(ExampleSettings(api_key=API_KEY, base_url=server.url))

    result = await run(sqlite_url, plan(nowhere(), one_page(records), destination,
                                        destination.sink("people")))

    assert (result.counts["written"], result.counts["failed"]) == (2, 1)
    emails = {p["email"] for p in api.people.values()}
    assert {"ada@example.com", "busy@example.com"} <= emails
    store = StateStore(sqlite_url)
    [letter] = store.dead_letters("people")
    store.close()
    assert letter.record == {"id": "s3", "email": "broken"}
    assert (letter.kind, letter.error) == ("failed", "email 'broken' is invalid [INVALID_EMAIL]")
