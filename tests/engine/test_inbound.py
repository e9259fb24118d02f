"""The core's inbound path on a real store (SQLite and PostgreSQL): each provider event id is
claimed in `processed_events` in the transaction that applies its changes, so a redelivery is
applied once, also after a restart, and an apply that fails leaves its events to be applied
by the redelivery."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hub.engine.inbound import (
    Authority,
    ConflictPolicy,
    FieldChange,
    FieldValue,
    InboundChanges,
    InboundUpdate,
)
from hub.store import StateStore, Tx
from hub.store.outbox import Outbox

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

# where the tests' `apply` writes: a table of the hub's database, so what is applied commits
# or rolls back with the claim
applied_fields = sa.Table(
    "test_inbound_applied", sa.MetaData(),
    sa.Column("object_type", sa.String(50), nullable=False),
    sa.Column("external_id", sa.String(50), nullable=False),
    sa.Column("field", sa.String(50), nullable=False),
    sa.Column("value", sa.String(200)),
)


class Failing(Exception):
    """The apply of a record the test makes fail."""


class Target:
    """An `apply` writing each taken field in the claim's transaction; the records named in
    `failing` raise after writing, as a crash halfway through would."""

    def __init__(self) -> None:
        self.failing: set[str] = set()

    def __call__(self, tx: Tx, update: InboundUpdate) -> None:
        tx.conn.execute(applied_fields.insert(), [
            {"object_type": update.object_type, "external_id": update.external_id,
             "field": name, "value": value} for name, value in update.values.items()])
        if update.external_id in self.failing:
            raise Failing(update.external_id)


@pytest.fixture
def db(store: StateStore) -> StateStore:
    applied_fields.create(store.engine)
    return store


def change(event_id: str, field: str, value: Any, at: datetime = T0, external_id: str = "1",
           provider: str = "acme") -> FieldChange:
    return FieldChange(provider=provider, event_id=event_id, object_type="contacts",
                       external_id=external_id, field=field, value=value, occurred_at=at)


def rows(store: StateStore) -> list[tuple[str, str, str | None]]:
    a = applied_fields.c
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.select(a.external_id, a.field, a.value).order_by(a.external_id, a.field))
        return [(r.external_id, r.field, r.value) for r in found]


def inbound(store: StateStore, target: Target, provider: str = "acme") -> InboundChanges:
    return InboundChanges(store, provider, ConflictPolicy(default=Authority.VENDOR),
                          apply=target)


def fail_record_2_then_redeliver(
        store: StateStore, delivery: list[FieldChange]) -> tuple[list[Any], list[InboundUpdate]]:
    """What is applied after the apply of record 2 fails, and what its redelivery applies."""
    target = Target()
    path = inbound(store, target)
    target.failing = {"2"}
    with pytest.raises(Failing):
        path.handle(delivery)
    after_crash = rows(store)
    target.failing = set()
    return after_crash, path.handle(delivery)


def test_a_redelivered_event_is_applied_once(db: StateStore) -> None:
    path = inbound(db, Target())
    delivery = [change("e1", "email", "ada@example.com"), change("e2", "firstname", "Ada")]

    first = path.handle(delivery)
    again = path.handle(delivery)
    partly = path.handle([delivery[1], change("e3", "lastname", "Lovelace")])

    assert [u.values for u in first] == [{"email": "ada@example.com", "firstname": "Ada"}]
    assert again == []
    assert [u.values for u in partly] == [{"lastname": "Lovelace"}]
    assert rows(db) == [("1", "email", "ada@example.com"), ("1", "firstname", "Ada"),
                        ("1", "lastname", "Lovelace")]


def test_a_redelivery_after_a_restart_is_still_applied_once(db: StateStore) -> None:
    delivery = [change("e1", "email", "ada@example.com")]
    inbound(db, Target()).handle(delivery)
    db.close()

    restarted = StateStore(db.url)  # a new process: nothing in memory survives
    try:
        again = inbound(restarted, Target()).handle(delivery)
    finally:
        restarted.close()

    assert again == []
    assert rows(db) == [("1", "email", "ada@example.com")]


def test_an_apply_that_fails_leaves_its_events_for_the_redelivery(db: StateStore) -> None:
    after_crash, redelivered = fail_record_2_then_redeliver(db, [
        change("e1", "email", "ada@example.com", external_id="1"),
        change("e2", "email", "bob@example.com", external_id="2")])

    # record 1 committed with its claim; record 2's write and claim were both rolled back
    assert after_crash == [("1", "email", "ada@example.com")]
    assert [(u.external_id, u.values) for u in redelivered] == [
        ("2", {"email": "bob@example.com"})]
    assert rows(db) == [("1", "email", "ada@example.com"), ("2", "email", "bob@example.com")]


def test_records_sharing_an_event_commit_together(db: StateStore) -> None:
    """One event that changed two records is claimed once: both commit with that claim."""
    after_crash, redelivered = fail_record_2_then_redeliver(db, [
        change("e1", "owner", "kim", external_id="1"),
        change("e1", "owner", "kim", external_id="2")])

    assert after_crash == []
    assert [u.external_id for u in redelivered] == ["1", "2"]
    assert rows(db) == [("1", "owner", "kim"), ("2", "owner", "kim")]


def test_of_several_changes_to_a_field_in_a_delivery_the_latest_wins(db: StateStore) -> None:
    path = inbound(db, Target())
    delivery = [change("e2", "firstname", "New", T0 + timedelta(seconds=5)),
                change("e1", "firstname", "Old", T0),  # delivered late: older, so it loses
                change("e3", "lastname", "Byron", T0)]

    [update] = path.handle(delivery)

    assert update.values == {"firstname": "New", "lastname": "Byron"}
    assert sorted(update.event_ids) == ["e1", "e2", "e3"]
    assert path.handle([delivery[1]]) == []  # the older one was handled: it lost


def test_the_policy_decides_what_is_applied(db: StateStore) -> None:
    local = {"email": FieldValue("ada@hub.test", T0 + timedelta(hours=1)),
             "firstname": FieldValue("Ada", T0 - timedelta(hours=1))}
    path = InboundChanges(db, "acme", ConflictPolicy({"phone": "hub"}), apply=Target(),
                          local=lambda _tx, _update: local)

    [update] = path.handle([change("e1", "email", "ada@acme.test"),  # the hub's is newer
                            change("e2", "firstname", "Augusta"),  # the vendor's is newer
                            change("e3", "phone", "+15550100"),  # the hub decides phones
                            change("e4", "city", "London")])  # the hub never set it

    assert update.values == {"firstname": "Augusta", "city": "London"}
    assert rows(db) == [("1", "city", "London"), ("1", "firstname", "Augusta")]


def test_a_delivery_all_kept_is_still_handled_once(db: StateStore) -> None:
    calls: list[InboundUpdate] = []
    path = InboundChanges(db, "acme", ConflictPolicy(default="hub"),
                          apply=lambda _tx, update: calls.append(update))

    assert path.handle([change("e1", "email", "x@acme.test")]) == []
    assert calls == []
    with db.transaction() as tx:
        assert tx.outbox.claim_event(path.consumer, "e1") is False


def test_each_tenant_and_provider_claims_its_own_event_ids(db: StateStore) -> None:
    other_tenant = inbound(db.scoped("other"), Target())
    other_vendor = inbound(db, Target(), provider="globex")
    inbound(db, Target()).handle([change("e1", "email", "a@acme.test")])

    assert len(other_tenant.handle([change("e1", "email", "a@acme.test")])) == 1
    assert len(other_vendor.handle([change("e1", "email", "a@globex.test",
                                           provider="globex")])) == 1


def test_a_change_from_another_provider_is_refused(db: StateStore) -> None:
    with pytest.raises(ValueError, match="globex"):
        inbound(db, Target()).handle([change("e1", "email", "x", provider="globex")])
    assert rows(db) == []


def blocked_by(store: StateStore, pid: int, waiter: Future[Any]) -> bool:
    """Wait until a backend waits on a lock held by `pid` (False if `waiter` ended first)."""
    deadline = time.monotonic() + 60
    with store.engine.connect() as watch:
        while time.monotonic() < deadline and not waiter.done():
            if watch.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE :pid = ANY(pg_blocking_pids(pid))"), {"pid": pid}).scalar():
                return True
            watch.rollback()
            time.sleep(0.01)
    return False


@pytest.mark.postgres
def test_a_retry_racing_its_delivery_applies_each_event_once(postgres_url: str) -> None:
    """HubSpot retries a delivery the hub is still handling: the retry's claim of the event
    waits on the first delivery's, fails on the key once it commits, and the retry then
    applies only what the first did not."""
    store = StateStore(postgres_url)
    store.upgrade()
    applied_fields.create(store.engine)
    path = inbound(store, Target())
    try:
        with store.engine.connect() as first, ThreadPoolExecutor(1) as pool:
            with first.begin():  # the first delivery, mid-transaction
                assert Outbox(first).claim_event(path.consumer, "e1")
                first.execute(applied_fields.insert().values(
                    object_type="contacts", external_id="1", field="email",
                    value="ada@example.com"))
                retry = pool.submit(path.handle, [change("e1", "email", "ada@example.com"),
                                                  change("e2", "firstname", "Ada")])
                pid = first.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
                assert blocked_by(store, pid, retry)
            retried = retry.result(timeout=60)
        assert [u.values for u in retried] == [{"firstname": "Ada"}]
        assert rows(store) == [("1", "email", "ada@example.com"), ("1", "firstname", "Ada")]
    finally:
        store.close()
