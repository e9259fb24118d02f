"""Reading Salesforce incrementally: keyset on (SystemModstamp, Id) and nextRecordsUrl, correct
when records change during the read, deleted records through queryAll, closed-won deals only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.sandbox import SandboxServer
from connectors.salesforce.settings import SalesforceSettings
from hub.connector import Record, Stream
from tests.connectors.salesforce.conftest import settings

StartOrg = Callable[..., SandboxServer]


def connector(org: SandboxServer, **extra: Any) -> SalesforceConnector:
    return SalesforceConnector(SalesforceSettings.model_validate(settings(org, **extra)))


async def read_all(stream: Stream, after: dict[str, Any] | None,
                   between_pages: Callable[[int], None] | None = None
                   ) -> tuple[list[Record], dict[str, Any] | None]:
    records: list[Record] = []
    pages = 0
    async for page in stream.read(after):
        records.extend(page)
        pages += 1
        if between_pages is not None:
            between_pages(pages)
    return records, (stream.checkpoint(records[-1]) if records else after)


def test_edits_during_a_read_come_back_in_their_latest_version_on_the_next(
        salesforce_sandbox: SandboxServer) -> None:
    org = salesforce_sandbox
    ids = [org.state.create("Lead", {"LastName": f"L{i}", "Company": "Acme",
                                     "Marketing_Platform_ID__c": f"k{i}"}) for i in range(5000)]
    edited = ids[::10]  # 500 leads, read before and after the edit alike

    def edit_mid_read(pages: int) -> None:
        if pages == 10:  # 2,000 of 5,000 read
            for lead_id in edited:
                org.state.modify("Lead", lead_id, {"Company": "Edited"})

    async def scenario() -> tuple[list[Record], list[Record], list[Record]]:
        sf = connector(org)
        try:
            stream = sf.stream("Lead", {"page_size": 200})
            first, mark = await read_all(stream, None, edit_mid_read)
            second, mark = await read_all(stream, mark)
            third, _ = await read_all(stream, mark)
            return first, second, third
        finally:
            await sf.aclose()

    first, second, third = asyncio.run(scenario())

    assert len(first) == 5000
    assert len({r["Id"] for r in first}) == 5000
    assert sorted(r["Id"] for r in second) == sorted(edited)  # only what changed
    latest = {r["Id"]: r for r in [*first, *second]}
    assert len(latest) == 5000
    assert {latest[i]["Company"] for i in edited} == {"Edited"}
    assert third == []  # nothing changed: nothing read


def test_a_resumed_read_neither_loses_nor_repeats_records_sharing_an_instant(
        salesforce_sandbox: SandboxServer) -> None:
    org = salesforce_sandbox
    for i in range(600):  # created within a few milliseconds: many share a SystemModstamp
        org.state.create("Contact", {"LastName": f"C{i}"})

    async def scenario() -> tuple[list[Record], list[Record]]:
        sf = connector(org)
        try:
            stream = sf.stream("Contact", {"page_size": 200})
            head: list[Record] = []
            async for page in stream.read(None):
                head.extend(page)
                break  # the run stops after its first page
            rest, _ = await read_all(stream, stream.checkpoint(head[-1]))
            return head, rest
        finally:
            await sf.aclose()

    head, rest = asyncio.run(scenario())

    ids = [r["Id"] for r in [*head, *rest]]
    assert len(ids) == 600
    assert len(set(ids)) == 600


def test_deleted_records_come_through_query_all_and_opportunities_are_closed_won(
        salesforce_sandbox: SandboxServer) -> None:
    org = salesforce_sandbox
    gone = org.state.create("Lead", {"LastName": "Gone", "Company": "X"})
    kept = org.state.create("Lead", {"LastName": "Kept", "Company": "X"})
    org.state.delete("Lead", gone)
    for stage, amount in (("Closed Won", 900), ("Closed Lost", 50), ("Prospecting", 10)):
        org.state.create("Opportunity", {"Name": stage, "StageName": stage, "Amount": amount,
                                         "CloseDate": "2026-01-31"})

    async def scenario() -> tuple[list[Record], list[Record], list[Record]]:
        sf = connector(org)
        try:
            live, _ = await read_all(sf.stream("Lead"), None)
            every, _ = await read_all(sf.stream("Lead", {"include_deleted": True}), None)
            won, _ = await read_all(sf.stream("Opportunity"), None)
            return live, every, won
        finally:
            await sf.aclose()

    live, every, won = asyncio.run(scenario())

    assert [r["Id"] for r in live] == [kept]
    assert {(r["Id"], r["IsDeleted"]) for r in every} == {(gone, True), (kept, False)}
    assert [(r["Name"], r["Amount"], r["IsWon"]) for r in won] == [("Closed Won", 900, True)]
