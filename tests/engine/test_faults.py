"""The engine against a sink that fails the way vendors do, over real loopback HTTP.

Retryable answers (429, 500, 503, timeouts, dropped and reset connections) are retried with
the wait the vendor asked for; per-record failures land in the dead-letter queue while the
rest of the batch is written; a permanent 4xx is never sent twice; and once the cause is
fixed, `hub dlq replay` delivers what was refused.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from hub.engine import SyncEngine, replay
from hub.errors import AuthError
from hub.plugin.host import PluginHost
from hub.testing.sandbox.faultserver import FaultServer, Step
from tests.engine.http_connector import FakeCrm
from tests.engine.hubproject import Project
from tests.engine.loopback import (
    BATCH,
    FAST,
    IDS,
    SHORT_TIMEOUT,
    TOTAL,
    loopback_project,
    plan_for,
    posted,
    run_once,
    run_with,
    write_loopback_config,
)


@pytest.mark.parametrize("failure", [
    pytest.param(Step(500, json={"message": "internal error"}), id="500"),
    pytest.param(Step(503, body="unavailable"), id="503"),
    pytest.param(Step(429, json={"message": "slow down"}), id="429-without-wait"),
    pytest.param(Step(fault="reset"), id="connection-reset"),
    pytest.param(Step(fault="close"), id="connection-closed"),
    pytest.param(Step(fault="truncate"), id="truncated-answer"),
    # the server gives up waiting as soon as the client hangs up: the delay costs nothing
    pytest.param(Step(delay=600), id="timeout"),
])
async def test_a_retryable_failure_is_retried_and_nothing_is_lost(
        api: Project, host: PluginHost, server: FaultServer, crm: FakeCrm, failure: Step) -> None:
    if failure.delay:
        write_loopback_config(api, server, timeout=SHORT_TIMEOUT)
    server.app.script("/contacts", failure, failure, crm.step())
    store, counts, status = await run_once(api, host)
    store.close()
    assert (status, counts) == ("succeeded", Counter(read=TOTAL, written=TOTAL))
    batches = posted(server)
    # the first batch was sent three times (two failures), every other batch once
    assert batches[0] == batches[1] == batches[2] == IDS[:BATCH]
    assert len(batches) == TOTAL // BATCH + 2
    assert sorted(crm.writes, key=int) == IDS  # each record accepted exactly once


@pytest.mark.parametrize("status", [429, 503])
async def test_the_wait_a_vendor_asks_for_is_honoured(
        api: Project, host: PluginHost, server: FaultServer, crm: FakeCrm, status: int) -> None:
    server.app.script("/contacts", Step(status, json={"message": "busy"},
                                        headers={"Retry-After": "0.4"}), crm.step())
    store, counts, _ = await run_once(api, host)
    store.close()
    first, second = server.app.requests("/contacts")[:2]
    assert second.at - first.at >= 0.4  # never sooner than asked, though base_wait is 0.01
    assert counts["written"] == TOTAL


async def test_a_wait_longer_than_a_run_may_wait_stops_it_cleanly(
        api: Project, host: PluginHost, server: FaultServer, crm: FakeCrm) -> None:
    server.app.script("/contacts", Step(429, headers={"Retry-After": "3600"}), crm.step())
    store, counts, status = await run_once(api, host)
    try:
        [run] = store.runs("customers")
        assert (status, run.status) == ("stopped", "stopped")
        assert run.resume_at is not None
        assert run.resume_at > datetime.now(UTC) + timedelta(minutes=59)
        assert store.get_cursor("customers") is None  # nothing was written: nothing moved
        assert counts["written"] == 0
        assert len(server.app.requests("/contacts")) == 1  # it did not sit and wait an hour
    finally:
        store.close()


def test_per_record_failures_are_dead_lettered_while_the_batch_is_written(
        api: Project, host: PluginHost, server: FaultServer, crm: FakeCrm) -> None:
    crm.refuse = {"3": "contact is archived", "12": "email belongs to another contact"}
    server.app.script("/contacts", crm.step())
    store, counts, status = asyncio.run(run_once(api, host))  # sync: the CLI runs its own loop
    try:
        assert (status, counts) == ("succeeded", Counter(read=TOTAL, written=TOTAL - 2,
                                                         failed=2))
        assert sorted(crm.accepted, key=int) == [i for i in IDS if i not in crm.refuse]
        letters = {d.record_key: d for d in store.dead_letters("customers")}
        assert set(letters) == {'["3"]', '["12"]'}
        assert letters['["3"]'].error == "contact is archived"
        assert letters['["3"]'].kind == "failed"
        assert letters['["3"]'].record["id"] == 3  # the original record, as read
        assert letters['["3"]'].payload is not None
        assert letters['["3"]'].payload["email"] == "person.3@example.com"  # and as mapped
        assert store.get_cursor("customers") is not None  # the run went on to the end
    finally:
        store.close()

    # the cause is fixed at the vendor; the operator replays the queue from the command line
    crm.refuse.clear()
    assert api.hub("dlq", "replay", "customers") == 0
    assert sorted(crm.accepted, key=int) == IDS
    store = api.store()
    try:
        assert store.dead_letters("customers") == []
        closed = store.dead_letters("customers", status="replayed")
        assert sorted(d.record_key or "" for d in closed) == ['["12"]', '["3"]']
        replay_run = store.runs("customers", limit=1)[0]
        assert (replay_run.kind, replay_run.status) == ("replay", "succeeded")
        assert (replay_run.read, replay_run.written, replay_run.balanced) == (2, 2, True)
    finally:
        store.close()


async def test_records_the_vendor_says_may_pass_later_are_retried_in_the_run(
        api: Project, host: PluginHost, server: FaultServer, crm: FakeCrm) -> None:
    crm.flaky = {"4", "9", "17"}
    server.app.script("/contacts", crm.step())
    store, counts, _ = await run_once(api, host)
    try:
        assert counts == Counter(read=TOTAL, written=TOTAL)
        assert store.dead_letters("customers") == []
        assert sorted(crm.writes, key=int) == IDS
        batches = posted(server)
        # sent again after their page's batches, together (pages are ten records)
        assert batches[2] == ["4", "9"]
        assert batches[-1] == ["17"]
        assert len(batches) == TOTAL // BATCH + 2
    finally:
        store.close()


async def test_a_permanent_client_error_is_never_sent_twice(
        api: Project, host: PluginHost, server: FaultServer, crm: FakeCrm) -> None:
    server.app.script("/contacts", Step(400, json={"message": "property 'vip' does not exist"}))
    store, counts, status = await run_once(api, host)
    try:
        assert (status, counts) == ("succeeded", Counter(read=TOTAL, failed=TOTAL))
        batches = [tuple(b) for b in posted(server)]
        # the batch is split to find the bad records, but no request is ever repeated …
        assert len(batches) == len(set(batches))
        # … and each record, once alone, is refused once and not retried
        singles = Counter(b[0] for b in batches if len(b) == 1)
        assert singles == Counter(dict.fromkeys(IDS, 1))
        letters = store.dead_letters("customers")
        assert len(letters) == TOTAL
        assert all("answered 400: property 'vip' does not exist" in d.error for d in letters)

        server.app.script("/contacts", crm.step())  # the vendor adds the property
        plan = plan_for(api, host)
        try:
            replayed = await replay(SyncEngine(store, retry=FAST), plan)
        finally:
            await plan.aclose()
        assert (len(replayed.replayed), replayed.still_failing) == (TOTAL, {})
        assert sorted(crm.accepted, key=int) == IDS
    finally:
        store.close()


async def test_refused_credentials_fail_the_run_at_once(
        api: Project, host: PluginHost, server: FaultServer) -> None:
    server.app.script("/contacts", Step(401, json={"message": "token expired"}))
    store = api.store()
    plan = plan_for(api, host)
    try:
        with pytest.raises(AuthError, match="token expired"):
            await SyncEngine(store, retry=FAST, concurrency=1).run(plan)
        [run] = store.runs("customers")
        assert run.status == "failed"
        assert run.error is not None
        assert "AuthError" in run.error
        assert store.get_cursor("customers") is None
        assert len(server.app.requests("/contacts")) == 1
    finally:
        await plan.aclose()
        store.close()


async def test_an_enforced_rate_limit_slows_the_run_but_loses_nothing(
        sqlite_project: Project, host: PluginHost, server: FaultServer, crm: FakeCrm) -> None:
    server.app.reset()
    # one page of four batches, all four in flight at once; the server holds them until the
    # last is in, so they hit the limit of two as one burst however slow the machine is
    project = loopback_project(sqlite_project, server, page_size=TOTAL)
    server.app.enforce_rate(2, 0.3)
    server.app.burst(4)
    server.app.script("/contacts", crm.step())
    store = project.store()
    try:
        result = await run_with(store, project, host, concurrency=4)
    finally:
        store.close()
    assert server.app.rejected >= 2  # it did bounce off the limit …
    assert result.counts == Counter(read=TOTAL, written=TOTAL)  # … and still wrote everything
    assert sorted(crm.writes, key=int) == IDS
