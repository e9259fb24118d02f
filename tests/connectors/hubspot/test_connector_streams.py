"""Reading HubSpot: windowed searches that the result cap never truncates, incremental reads
that see exactly what changed, closed-won deals with their contacts, and a change made in
HubSpot flowing back into the hub."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from connectors.hubspot import HubSpotConnector, HubSpotSettings
from connectors.hubspot.sandbox import SandboxServer
from connectors.hubspot.streams import SearchStream
from hub.connector import Record
from tests.connectors.hubspot.project import HubSpotProject, person

StartSandbox = Callable[..., SandboxServer]
FAST_SEARCH = {"search_rate_limit": {"requests": 500, "per_seconds": 1}}
# sandbox limits roomy enough that these tests measure paging, not pacing
ROOMY = {"search_limit": 500, "burst_limit": 2000, "burst_interval_s": 1.0}


def connector(sandbox: SandboxServer, **settings: Any) -> HubSpotConnector:
    return HubSpotConnector(HubSpotSettings.model_validate(
        {"access_token": "sandbox-token", "base_url": sandbox.base_url, "properties_file": None,
         "rate_limit": {"requests": 1000, "per_seconds": 1}, **FAST_SEARCH, **settings}))


async def read(stream: SearchStream, after: Mapping[str, Any] | None = None) -> list[Record]:
    return [record async for page in stream.read(after) for record in page]


def read_all(sandbox: SandboxServer, name: str, options: Mapping[str, Any],
             after: Mapping[str, Any] | None = None) -> tuple[list[Record], SearchStream]:
    async def go() -> tuple[list[Record], SearchStream]:
        hub = connector(sandbox)
        try:
            stream = hub.stream(name, options)
            assert isinstance(stream, SearchStream)
            return await read(stream, after), stream
        finally:
            await hub.aclose()

    return asyncio.run(go())


def fill(sandbox: SandboxServer, count: int) -> list[str]:
    """Contacts created in bursts, so that many share one last-modified millisecond."""
    return [sandbox.state.create("contacts", {"email": f"p{i}@example.com"}).id
            for i in range(count)]


@pytest.mark.parametrize("hubspot_sandbox", [{"search_result_cap": 100, **ROOMY}],
                         indirect=True)
def test_a_search_read_past_the_result_cap_returns_every_contact(
        hubspot_sandbox: SandboxServer) -> None:
    ids = fill(hubspot_sandbox, 1000)

    records, stream = read_all(hubspot_sandbox, "contacts", {"result_cap": 100})

    assert sorted(r["id"] for r in records) == sorted(ids)  # all 1,000, none twice
    assert stream.searches >= 10  # it had to restart its window past the cap of 100


@pytest.mark.parametrize("hubspot_sandbox", [{"search_result_cap": 10, **ROOMY}],
                         indirect=True)
def test_more_contacts_at_one_instant_than_the_cap_are_read_by_id(
        hubspot_sandbox: SandboxServer) -> None:
    ids = fill(hubspot_sandbox, 300)
    # as after a bulk import: 120 contacts stamped with one last-modified millisecond
    stored = hubspot_sandbox.state.records.all("contacts")
    instant = stored[100].properties["lastmodifieddate"]
    for record in stored[100:220]:
        record.properties["lastmodifieddate"] = instant

    at_instant = {r.id for r in stored if r.properties["lastmodifieddate"] == instant}

    records, _ = read_all(hubspot_sandbox, "contacts", {"result_cap": 10})

    assert len(at_instant) >= 120  # twelve windows' worth of contacts share one instant
    assert sorted(r["id"] for r in records) == sorted(ids)
    assert {r["id"] for r in records if r["lastmodifieddate"] == instant} == at_instant


@pytest.mark.parametrize("stop_after", [1, 37, 99, 150])
@pytest.mark.parametrize("hubspot_sandbox", [{"search_result_cap": 20, **ROOMY}],
                         indirect=True)
def test_resuming_after_any_record_loses_and_repeats_nothing(
        hubspot_sandbox: SandboxServer, stop_after: int) -> None:
    fill(hubspot_sandbox, 150)
    options = {"result_cap": 20, "page_size": 7}
    records, stream = read_all(hubspot_sandbox, "contacts", options)

    rest, _ = read_all(hubspot_sandbox, "contacts", options,
                       after=stream.checkpoint(records[stop_after - 1]))

    assert [r["id"] for r in rest] == [r["id"] for r in records[stop_after:]]


def test_an_incremental_read_returns_exactly_what_changed(
        hubspot_sandbox: SandboxServer) -> None:
    ids = fill(hubspot_sandbox, 50)
    records, stream = read_all(hubspot_sandbox, "contacts", {})
    checkpoint = stream.checkpoint(records[-1])

    hubspot_sandbox.state.modify("contacts", ids[3], {"firstname": "Ada"})  # a UI edit
    changed, _ = read_all(hubspot_sandbox, "contacts", {}, after=checkpoint)

    assert [(r["id"], r["firstname"]) for r in changed] == [(ids[3], "Ada")]


def test_closed_won_deals_come_with_amounts_and_contacts(hubspot_sandbox: SandboxServer) -> None:
    state = hubspot_sandbox.state
    buyer = state.create("contacts", {"email": "buyer@example.com"}).id
    won = state.create("deals", {"dealname": "Big one", "dealstage": "closedwon",
                                 "amount": "1200.50", "closedate": "2025-05-01T10:00:00Z"})
    state.create("deals", {"dealname": "Lost", "dealstage": "closedlost", "amount": "90"})
    lonely = state.create("deals", {"dealname": "No contact", "dealstage": "closedwon",
                                    "amount": "10"})
    state.associations.add("deals", won.id, "contacts", buyer,
                           _association_type("deals", "contacts"))

    deals, _ = read_all(hubspot_sandbox, "deals", {})

    by_id = {d["id"]: d for d in deals}
    assert set(by_id) == {won.id, lonely.id}
    assert by_id[won.id]["amount"] == "1200.50"
    assert by_id[won.id]["contact_id"] == buyer
    assert by_id[lonely.id]["contact_ids"] == []


def _association_type(from_type: str, to_type: str) -> Any:
    from connectors.hubspot.sandbox.schema import default_association_type

    found = default_association_type(from_type, to_type)
    assert found is not None
    return found


def test_a_change_made_in_hubspot_flows_back_into_the_hub(
        tmp_path: Path, hubspot_sandbox: SandboxServer) -> None:
    hub = HubSpotProject(tmp_path, hubspot_sandbox, dict(FAST_SEARCH))
    hub.add_people(person(i) for i in range(30))
    hub.write_config()
    hub.run("to_hubspot")
    first = hub.run("from_hubspot")
    contact = hubspot_sandbox.state.records.find_unique("contacts", "email",
                                                         "person.4@example.com")
    assert contact is not None

    hubspot_sandbox.state.modify("contacts", contact.id, {"firstname": "Grace"})
    second = hub.run("from_hubspot")

    store = hub.store()
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        name = conn.execute(sa.text("SELECT first_name FROM contacts WHERE id = 'c4'")).scalar()
    store.close()
    assert first.counts["written"] == 30
    assert (second.counts["read"], second.counts["written"]) == (1, 1)
    assert name == "Grace"


@pytest.mark.parametrize("hubspot_sandbox", [ROOMY], indirect=True)
def test_a_record_changed_mid_read_makes_no_other_record_skip(
        hubspot_sandbox: SandboxServer) -> None:
    """Someone edits a contact in HubSpot while the hub pages through a search: the edited
    contact moves to the end of the sort order, and no other contact may be lost for it."""
    ids = []
    for i in range(120):
        ids.append(hubspot_sandbox.state.create("contacts", {"email": f"m{i}@example.com"}).id)
        if i % 10 == 9:
            time.sleep(0.002)  # a few distinct last-modified instants

    async def go() -> list[Record]:
        hub = connector(hubspot_sandbox)
        try:
            stream = hub.stream("contacts", {"page_size": 25})
            pages = stream.read(None)
            first = await anext(pages)
            hubspot_sandbox.state.modify("contacts", str(first[3]["id"]),
                                         {"firstname": "Edited"})
            return [*first, *[r async for page in pages for r in page]]
        finally:
            await hub.aclose()

    records = asyncio.run(go())
    assert {r["id"] for r in records} == set(ids)
