"""A batch the vendor keeps failing after every retry: dead-lettered, or the run stops.

One failing batch among good ones is dead-lettered with the last error and the run goes on;
several in a row mean the vendor is down, and the run stops with what it committed so far, to
resume from its checkpoint once the vendor is back. The loopback connector declares HubSpot's
choice (three in a row stop the run); a pipeline overrides it in hub.yaml. All over real
loopback HTTP to the fault server. The tests are synchronous: the CLI runs its own loop.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from hub.config import load_config
from hub.engine.breaker import VendorUnavailableError, stop_after
from hub.errors import ConfigError
from hub.plugin.host import PluginHost
from hub.store import StateStore
from hub.testing.sandbox.faultserver import FaultServer, Step
from tests.engine.http_connector import FakeCrm
from tests.engine.hubproject import Project
from tests.engine.loopback import (
    BATCH,
    FAST,
    loopback_project,
    plan_for,
    posted,
    run_with,
    write_loopback_config,
)

MANY = 50  # ten batches of five, five pages of ten
ALL = [str(i) for i in range(1, MANY + 1)]
# the vendor is down: 503 with no wait asked, so even the CLI's own retry does not sleep
DOWN = Step(503, json={"message": "Service Unavailable"}, headers={"Retry-After": "0"})


def balanced(counts: Counter[str]) -> bool:
    outcomes = ("written", "unchanged", "filtered", "invalid", "failed")
    return counts["read"] == sum(counts[o] for o in outcomes)


def last_key_committed(store: StateStore) -> int:
    """The id of the last customer the checkpoint is past (the SQL stream's position)."""
    cursor = store.get_cursor("customers")
    assert cursor is not None
    return int(cursor["position"][-1])


@pytest.fixture
def shop(sqlite_project: Project, server: FaultServer) -> Project:
    server.app.reset()
    return loopback_project(sqlite_project, server, total=MANY)


def test_one_failing_batch_is_dead_lettered_and_the_run_goes_on(
        shop: Project, host: PluginHost, server: FaultServer, crm: FakeCrm) -> None:
    crm.choke_on = {"23"}  # the vendor answers 503 to the batch holding customer 23, always
    server.app.script("/contacts", crm.step())
    store = shop.store()
    try:
        result = asyncio.run(run_with(store, shop, host, concurrency=4))
        status, counts = result.status, result.counts
        assert (status, counts) == ("succeeded", Counter(read=MANY, written=MANY - BATCH,
                                                         failed=BATCH))
        assert balanced(counts)
        [run] = store.runs("customers")
        assert (run.read, run.written, run.failed, run.balanced) == (MANY, MANY - BATCH, BATCH,
                                                                     True)
        # that batch was tried exactly as often as the retry budget allows, and no more
        assert sum("23" in batch for batch in posted(server)) == FAST.attempts
        letters = store.dead_letters("customers")
        failing = sorted((str(d.record["id"]) for d in letters), key=int)
        assert failing == ["21", "22", "23", "24", "25"]
        assert {(d.kind, d.error) for d in letters} == {
            ("failed", "the vendor answered 503: Service Unavailable (after 6 attempts)")}
        assert sorted(crm.writes, key=int) == [i for i in ALL if i not in failing]
        assert store.get_cursor("customers") is not None  # the run went on to the end
    finally:
        store.close()

    crm.choke_on.clear()  # the vendor fixed its side: the operator replays the queue
    assert shop.hub("dlq", "replay", "customers") == 0
    assert sorted(crm.writes, key=int) == ALL  # every record written once, none twice


def test_a_vendor_down_stops_the_run_and_a_rerun_delivers_everything(
        shop: Project, host: PluginHost, server: FaultServer, crm: FakeCrm) -> None:
    # pages 1 and 2 (four batches) go through, then the vendor goes down for good
    server.app.script("/contacts", *[crm.step()] * 4, DOWN)
    store = shop.store()
    try:
        with pytest.raises(VendorUnavailableError) as stopped:
            asyncio.run(run_with(store, shop, host))
        message = str(stopped.value)
        assert message.startswith("vendor loopback (connection 'api') is unavailable: "
                                  "3 batches in a row still failed after 6 attempts: "
                                  "the vendor answered 503: Service Unavailable")
        [run] = store.runs("customers")
        assert (run.status, run.error) == ("failed", f"VendorUnavailableError: {message}")
        # page 3's two failing batches were dead-lettered and committed with their page; the
        # third, on page 4, tripped the breaker: page 4 was not committed, nothing after read
        assert (run.read, run.written, run.failed, run.balanced) == (30, 20, 10, True)
        assert last_key_committed(store) == 30
        # it stopped after three retry budgets, not one per remaining batch
        assert len(posted(server)) == 4 + 3 * FAST.attempts
        assert sorted((str(d.record["id"]) for d in store.dead_letters("customers")),
                      key=int) == ALL[20:30]
    finally:
        store.close()

    # the vendor is back: the next run resumes at page 4, the replay sends page 3
    server.app.script("/contacts", crm.step())
    assert shop.hub("sync", "customers") == 0
    assert shop.hub("dlq", "replay", "customers") == 0
    assert sorted(crm.writes, key=int) == ALL  # nothing lost, nothing written twice
    store = shop.store()
    try:
        assert store.dead_letters("customers") == []
        assert all(run.balanced for run in store.runs("customers"))
    finally:
        store.close()


def test_a_pipeline_that_stops_at_the_first_failing_batch_dead_letters_nothing(
        sqlite_project: Project, host: PluginHost, server: FaultServer, crm: FakeCrm,
        capsys: pytest.CaptureFixture[str]) -> None:
    server.app.reset()
    project = loopback_project(sqlite_project, server, total=MANY, stop_after_failing_batches=1)
    # through the CLI, with its own retry policy: the 503s ask for no wait
    server.app.script("/contacts", Step(respond=lambda seen: (
        DOWN if "23" in [str(i["id"]) for i in seen.json()["inputs"]] else crm.respond(seen))))
    assert project.hub("sync", "customers") == 1
    said = " ".join(capsys.readouterr().err.split())
    assert said.startswith("error: vendor loopback (connection 'api') is unavailable: a batch "
                           "still failed after 6 attempts: the vendor answered 503")
    store = project.store()
    try:
        [run] = store.runs("customers")
        assert (run.status, run.read, run.written, run.failed) == ("failed", 20, 20, 0)
        assert store.dead_letters("customers") == []  # page 3 waits behind the checkpoint
        assert last_key_committed(store) == 20
    finally:
        store.close()

    server.app.script("/contacts", crm.step())  # the vendor is back
    assert project.hub("sync", "customers") == 0
    assert sorted(crm.accepted, key=int) == ALL
    # page 3's other batch (26-30) may have gone through before the breaker stopped the run:
    # then the rerun wrote it again, an upsert by key that changes nothing at the vendor
    rewritten = [i for i, n in Counter(crm.writes).items() if n > 1]
    assert set(rewritten) <= set(ALL[25:30])


def test_a_pipeline_that_never_stops_dead_letters_every_failing_batch(
        sqlite_project: Project, host: PluginHost, server: FaultServer) -> None:
    server.app.reset()
    project = loopback_project(sqlite_project, server, total=MANY,
                               stop_after_failing_batches="never")
    server.app.script("/contacts", DOWN)
    store = project.store()
    try:
        result = asyncio.run(run_with(store, project, host))
        status, counts = result.status, result.counts
        assert (status, counts) == ("succeeded", Counter(read=MANY, failed=MANY))
        assert len(store.dead_letters("customers")) == MANY
    finally:
        store.close()


def test_the_pipeline_overrides_the_connectors_choice(
        sqlite_project: Project, host: PluginHost, server: FaultServer) -> None:
    sqlite_project.create_shop()
    choices = {}
    for override in (None, 1, 5, "never"):
        extra = {} if override is None else {"stop_after_failing_batches": override}
        write_loopback_config(sqlite_project, server, **extra)
        choices[override] = stop_after(plan_for(sqlite_project, host))
    assert choices == {None: 3, 1: 1, 5: 5, "never": None}

    write_loopback_config(sqlite_project, server, stop_after_failing_batches="sometimes")
    with pytest.raises(ConfigError, match=r"hub\.yaml:\d+:\d+: pipelines\.customers\."
                                          r"stop_after_failing_batches"):
        load_config(sqlite_project.config, host=host)


def test_connectors_declare_their_choice() -> None:
    from connectors.hubspot.connector import HubSpotConnector
    from connectors.sql.connector import SqlConnector

    assert HubSpotConnector.stop_after_failing_batches == 3
    assert SqlConnector.stop_after_failing_batches == 1  # the default: stop at the first
