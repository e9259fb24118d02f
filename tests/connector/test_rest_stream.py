"""RestStream: the four paginators, and the incremental window after a checkpoint, which
resumes without loss or repeat at ties and refuses an answer out of (cursor, key) order.
Over loopback HTTP, against the example's sandbox or the fault server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
from hub_connector_example.plugin import ExampleConnector, ExampleSettings
from hub_connector_example.sandbox import API_KEY, PeopleApi

from hub import (
    HttpConnector,
    HttpConnectorSettings,
    KeysetPaginator,
    LinkHeaderPaginator,
    OffsetPaginator,
    Options,
    Paginator,
    Record,
    RestStream,
    SinglePage,
    Stream,
    TokenPaginator,
)
from hub.errors import PermanentError
from hub.testing.sandbox.faultserver import FaultServer, Seen, Step, run_fault_server
from tests.connector.conftest import PEOPLE

ITEMS = [{"id": f"i{n}", "n": n} for n in range(7)]


class Items(RestStream["Shop", Options]):
    path = "/items"
    primary_key = ("id",)


class Shop(HttpConnector[HttpConnectorSettings]):
    id: ClassVar[str] = "shop"
    streams = {"items": (Items, Options)}


def query(seen: Seen) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(seen.query).items()}


def token_pages(seen: Seen) -> Step:
    q = query(seen)
    start, size = int(q.get("after", 0)), int(q["limit"])
    more = start + size < len(ITEMS)
    return Step(200, json={"results": ITEMS[start:start + size],
                           "paging": {"next": {"after": str(start + size)} if more else {}}})


def offset_pages(seen: Seen) -> Step:
    q = query(seen)
    start, size = int(q["offset"]), int(q["limit"])
    return Step(200, json={"results": ITEMS[start:start + size]})


def keyset_pages(seen: Seen) -> Step:
    q = query(seen)
    after = q.get("after_id", "")
    return Step(200, json={"results": [i for i in ITEMS if i["id"] > after][:int(q["limit"])]})


def link_pages(seen: Seen) -> Step:
    page = int(query(seen).get("page", 0))
    headers = {"link": f'</items?page={page + 1}>; rel="next"'} if page < 3 else {}
    return Step(200, json={"results": ITEMS[page * 2:page * 2 + 2]}, headers=headers)


def one_page(seen: Seen) -> Step:
    return Step(200, json={"results": ITEMS})


CASES: dict[str, tuple[Paginator, Callable[[Seen], Step], list[dict[str, str]]]] = {
    "token": (TokenPaginator(size=3), token_pages,
              [{"limit": "3"}, {"limit": "3", "after": "3"}, {"limit": "3", "after": "6"}]),
    "offset": (OffsetPaginator(size=3), offset_pages,
               [{"limit": "3", "offset": "0"}, {"limit": "3", "offset": "3"},
                {"limit": "3", "offset": "6"}]),
    "keyset": (KeysetPaginator(size=3), keyset_pages,
               [{"limit": "3"}, {"limit": "3", "after_id": "i2"},
                {"limit": "3", "after_id": "i5"}]),
    "link": (LinkHeaderPaginator(size_param=None), link_pages,
             [{}, {"page": "1"}, {"page": "2"}, {"page": "3"}]),
    "single": (SinglePage(), one_page, [{}]),
}


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with run_fault_server() as running:
        yield running


def rest(stream: Stream) -> RestStream[Any, Any]:
    assert isinstance(stream, RestStream)
    return stream


async def read_all(stream: Stream, after: dict[str, Any] | None = None) -> list[Record]:
    return [record async for page in stream.read(after) for record in page]


@pytest.mark.parametrize("style", list(CASES))
async def test_each_paginator_reads_every_record_once_and_stops(
        server: FaultServer, style: str) -> None:
    paginator, responder, expected_queries = CASES[style]
    server.app.script("/items", Step(respond=responder))
    shop = Shop(HttpConnectorSettings(base_url=server.url))
    stream = rest(shop.stream("items"))
    stream.paginator = paginator
    try:
        assert await read_all(stream) == ITEMS
    finally:
        await shop.aclose()
    assert [query(seen) for seen in server.app.requests("/items")] == expected_queries


async def test_a_token_that_names_its_own_page_is_refused_not_looped_on(
        server: FaultServer) -> None:
    server.app.script("/items", Step(200, json={"results": ITEMS[:1], "paging": {"next": {
        "after": "x"}}}))
    shop = Shop(HttpConnectorSettings(base_url=server.url))
    stream = rest(shop.stream("items"))
    stream.paginator = TokenPaginator()
    with pytest.raises(PermanentError, match="reading on would never end"):
        await read_all(stream)
    await shop.aclose()
    assert len(server.app.requests("/items")) == 2


@pytest.fixture
async def people(sandbox: tuple[FaultServer, PeopleApi]) -> AsyncIterator[ExampleConnector]:
    server, _ = sandbox
    connector = ExampleConnector(ExampleSettings(api_key=API_KEY, base_url=server.url))
    yield connector
    await connector.aclose()


async def test_resuming_after_any_record_reads_exactly_the_rest(
        people: ExampleConnector) -> None:
    stream = people.stream("people", {"page_size": 4})
    everyone = await read_all(stream)
    assert len(everyone) == PEOPLE
    for position, record in enumerate(everyone):  # 3 people to an instant: most are in ties
        rest = await read_all(stream, stream.checkpoint(record))
        assert [r["id"] for r in rest] == [r["id"] for r in everyone[position + 1:]]


async def test_a_record_changed_after_the_checkpoint_comes_back(
        people: ExampleConnector, sandbox: tuple[FaultServer, PeopleApi]) -> None:
    _, api = sandbox
    stream = people.stream("people")
    everyone = await read_all(stream)
    checkpoint = stream.checkpoint(everyone[-1])
    api.people["p00002"]["name"] = "Changed"
    api.people["p00002"]["updated_at"] = "2030-01-01T00:00:00Z"
    again = await read_all(stream, checkpoint)
    assert [(r["id"], r["name"]) for r in again] == [("p00002", "Changed")]


async def test_an_answer_out_of_cursor_order_is_refused(
        people: ExampleConnector, sandbox: tuple[FaultServer, PeopleApi]) -> None:
    server, api = sandbox
    shuffled = sorted(api.people.values(), key=lambda p: p["id"], reverse=True)
    server.app.script("/v1/people", Step(200, json={"results": shuffled}))
    with pytest.raises(PermanentError, match="out of \\(updated_at, key\\) order"):
        await read_all(people.stream("people"))
