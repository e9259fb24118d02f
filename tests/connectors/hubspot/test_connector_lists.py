"""Segments as HubSpot lists, associations between contacts and companies, and OAuth tokens
that are renewed (and rotated) without the run noticing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from pydantic import SecretStr

from connectors.hubspot import HubSpotConnector, HubSpotSettings
from connectors.hubspot.lists import ListSink
from connectors.hubspot.sandbox import SandboxServer
from hub.connector import Outcome, WriteMode
from hub.errors import AuthError

T = TypeVar("T")
ADD_AND_REMOVE = "PUT /crm/v3/lists/{list_id}/memberships/add-and-remove"


def using(sandbox: SandboxServer, work: Callable[[HubSpotConnector], Awaitable[T]],
          **settings: Any) -> T:
    async def go() -> T:
        raw = {"access_token": "sandbox-token", "base_url": sandbox.base_url,
               "properties_file": None, **settings}
        hub = HubSpotConnector(HubSpotSettings.model_validate(raw))
        try:
            return await work(hub)
        finally:
            await hub.aclose()

    return asyncio.run(go())


def contacts(sandbox: SandboxServer, *names: str) -> dict[str, str]:
    return {n: sandbox.state.create("contacts", {"email": f"{n}@example.com"}).id for n in names}


def emails(*names: str) -> list[str]:
    return [f"{n}@example.com" for n in names]


def test_a_segment_sync_adds_and_removes_exactly_the_difference(
        hubspot_sandbox: SandboxServer) -> None:
    ids = contacts(hubspot_sandbox, "ann", "bob", "cat", "dan", "eve")

    async def work(hub: HubSpotConnector) -> list[Any]:
        sink = hub.sink("lists")
        assert isinstance(sink, ListSink)
        first = await sink.sync_membership("VIP", emails("ann", "bob", "cat"))
        second = await sink.sync_membership("VIP", emails("bob", "cat", "dan", "zed"))
        calls_before_third = hubspot_sandbox.state.counters.requests[ADD_AND_REMOVE]
        third = await sink.sync_membership("VIP", emails("bob", "cat", "dan"))
        calls_after_third = hubspot_sandbox.state.counters.requests[ADD_AND_REMOVE]
        return [first, second, third, calls_after_third - calls_before_third]

    first, second, third, third_calls = using(hubspot_sandbox, work)

    members = {m for m, _ in hubspot_sandbox.state.lists.members(first.list_id)}
    assert sorted(first.added) == sorted([ids["ann"], ids["bob"], ids["cat"]])
    assert (second.added, second.removed) == ([ids["dan"]], [ids["ann"]])
    assert second.unknown == ["zed@example.com"]  # no such contact: reported, not invented
    assert (third.added, third.removed, third_calls) == ([], [], 0)
    assert members == {ids["bob"], ids["cat"], ids["dan"]}
    assert hubspot_sandbox.state.lists.get(first.list_id).processing_type == "MANUAL"


def test_list_members_from_the_engine_are_added_then_removed(
        hubspot_sandbox: SandboxServer) -> None:
    ids = contacts(hubspot_sandbox, "ann", "bob")

    async def work(hub: HubSpotConnector) -> tuple[list[Any], list[Any], str]:
        sink = hub.sink("lists")
        assert isinstance(sink, ListSink)
        added = await sink.write([{"list": "Newsletter", "email": "ann@example.com"},
                                  {"list": "Newsletter", "email": "bob@example.com"},
                                  {"list": "Newsletter", "email": "ghost@example.com"}],
                                 WriteMode.UPSERT)
        removed = await sink.delete([("Newsletter", "ann@example.com")])
        return added, removed, await sink.list_id("Newsletter")

    added, removed, list_id = using(hubspot_sandbox, work)

    assert [r.outcome for r in added] == [Outcome.WRITTEN, Outcome.WRITTEN, Outcome.FAILED]
    assert added[2].retryable  # the contact may arrive with the next contacts sync
    assert [r.outcome for r in removed] == [Outcome.WRITTEN]
    assert [m for m, _ in hubspot_sandbox.state.lists.members(list_id)] == [ids["bob"]]


def test_contacts_are_associated_with_companies_by_their_keys(
        hubspot_sandbox: SandboxServer) -> None:
    ids = contacts(hubspot_sandbox, "ann", "bob")
    using(hubspot_sandbox, lambda hub: _create_unique_property(hub))
    acme = hubspot_sandbox.state.create("companies", {"name": "Acme",
                                                      "marketing_platform_id": "co-1"}).id

    async def work(hub: HubSpotConnector) -> list[Any]:
        sink = hub.sink("associations")
        return await sink.write([{"from": "ann@example.com", "to": "co-1"},
                                 {"from": "BOB@example.com", "to": "co-1"},
                                 {"from": "ann@example.com", "to": "co-404"}], WriteMode.UPSERT)

    results = using(hubspot_sandbox, work)

    linked = {to for to, _ in hubspot_sandbox.state.associations.of("companies", acme,
                                                                    "contacts")}
    assert [r.outcome for r in results] == [Outcome.WRITTEN, Outcome.WRITTEN, Outcome.FAILED]
    assert "co-404" in (results[2].error or "")
    assert linked == {ids["ann"], ids["bob"]}


async def _create_unique_property(hub: HubSpotConnector) -> None:
    from hubspot.crm.properties import PropertyCreate

    await hub.api.call("properties.core", "create", "companies", PropertyCreate(
        name="marketing_platform_id", label="Hub id", type="string", field_type="text",
        group_name="companyinformation", has_unique_value=True))


@pytest.mark.parametrize("hubspot_sandbox", [{"rotate_refresh_tokens": True}], indirect=True)
def test_oauth_tokens_are_renewed_and_a_rotation_is_reported(
        hubspot_sandbox: SandboxServer) -> None:
    reported: list[tuple[str, SecretStr]] = []

    async def work(hub: HubSpotConnector) -> tuple[bool, bool]:
        hub.on_token = lambda connection, token: reported.append((connection, token))
        first = await hub.check()
        assert hub.api.tokens is not None
        hubspot_sandbox.state.tokens.expire(hub.api.tokens.access_token)  # HubSpot expires it
        second = await hub.check()  # 401 EXPIRED_AUTHENTICATION, refresh, retry
        return first.ok, second.ok

    oauth = {"access_token": None, "client_id": "sandbox-client-id",
             "client_secret": "sandbox-client-secret", "refresh_token": "sandbox-refresh-token"}
    first_ok, second_ok = using(hubspot_sandbox, work, **oauth)

    assert (first_ok, second_ok) == (True, True)
    assert len(reported) == 2  # one rotation per refresh
    assert reported[0][0] == "hubspot"
    assert reported[0][1].get_secret_value() != "sandbox-refresh-token"
    assert reported[1][1].get_secret_value() != reported[0][1].get_secret_value()


def test_a_dead_refresh_token_is_an_auth_error_saying_to_reconnect(
        hubspot_sandbox: SandboxServer) -> None:
    async def work(hub: HubSpotConnector) -> None:
        await hub.api.call("objects.basic", "get_page", "contacts", limit=1)

    with pytest.raises(AuthError, match="reconnect the OAuth app"):
        using(hubspot_sandbox, work, access_token=None, client_id="sandbox-client-id",
              client_secret="sandbox-client-secret", refresh_token="stolen")


CREATE_LIST = "POST /crm/v3/lists/"  # the SDK posts to the trailing-slash form


def test_concurrent_batches_create_a_missing_list_once(hubspot_sandbox: SandboxServer) -> None:
    contacts(hubspot_sandbox, "ann", "bob", "cat", "dan")

    async def work(hub: HubSpotConnector) -> list[Any]:
        sink = hub.sink("lists")
        batches = [sink.write([{"list": "Launch", "email": email}], WriteMode.UPSERT)
                   for email in emails("ann", "bob", "cat", "dan")]
        return await asyncio.gather(*batches)  # as the engine writes a few batches at once

    results = using(hubspot_sandbox, work)

    assert hubspot_sandbox.state.counters.requests[CREATE_LIST] == 1
    assert [r.outcome for batch in results for r in batch] == [Outcome.WRITTEN] * 4
    [launch] = [lst for lst in hubspot_sandbox.state.lists.all() if lst.name == "Launch"]
    assert len(hubspot_sandbox.state.lists.members(launch.list_id)) == 4


def test_a_list_another_process_created_first_is_read_not_refused(
        hubspot_sandbox: SandboxServer) -> None:
    taken = hubspot_sandbox.state.lists.create(
        {"name": "Launch", "objectTypeId": "0-1", "processingType": "MANUAL"})

    async def work(hub: HubSpotConnector) -> str:
        sink = hub.sink("lists")
        assert isinstance(sink, ListSink)
        return await sink.create_list("Launch")  # lost the race: the name is taken

    assert using(hubspot_sandbox, work) == taken.list_id
    assert hubspot_sandbox.state.counters.requests[CREATE_LIST] == 1


def test_a_check_with_a_dead_refresh_token_says_to_reconnect(
        hubspot_sandbox: SandboxServer) -> None:
    async def work(hub: HubSpotConnector) -> tuple[bool, str]:
        result = await hub.check()
        return result.ok, result.message

    ok, message = using(hubspot_sandbox, work, access_token=None, client_id="sandbox-client-id",
                        client_secret="sandbox-client-secret", refresh_token="stolen")

    assert not ok
    assert "reconnect the OAuth app" in message
