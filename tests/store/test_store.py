"""The state store on SQLite and on PostgreSQL: migrations and every piece of engine state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.model import DomainEvent
from hub.store import StateStore
from hub.store import tables as t
from hub.store.database import current_revision, downgrade, head_revision, upgrade


def test_upgrade_downgrade_upgrade(store_url: str) -> None:
    upgrade(store_url)
    engine = sa.create_engine(store_url)
    try:
        assert current_revision(engine) == head_revision()
        assert "contacts" in sa.inspect(engine).get_table_names()
        downgrade(store_url, "base")
        assert current_revision(engine) is None
        assert "contacts" not in sa.inspect(engine).get_table_names()
        upgrade(store_url)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_migrations_match_the_tables(store: StateStore) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == [], f"tables.py and the migrations disagree: {diff}"
    # autogenerate does not compare primary keys: a key the migrations changed is checked here
    inspector = sa.inspect(store.engine)
    for table in t.metadata.sorted_tables:
        found = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert found == [c.name for c in table.primary_key.columns], table.name


def test_ensure_schema_is_idempotent(store: StateStore) -> None:
    store.ensure_schema()
    store.ensure_schema()
    assert current_revision(store.engine) == head_revision()


def test_cursor_round_trip_and_clear(store: StateStore) -> None:
    assert store.get_cursor("p") is None
    with store.transaction() as tx:
        tx.ledger.set_cursor("p", {"position": ["2025-01-01 00:00:00", 7]})
    with store.transaction() as tx:
        tx.ledger.set_cursor("p", {"position": ["2025-01-02 00:00:00", 3]})
    assert store.get_cursor("p") == {"position": ["2025-01-02 00:00:00", 3]}
    with store.transaction() as tx:
        tx.ledger.clear_cursor("p")
    assert store.get_cursor("p") is None


def test_a_failed_transaction_leaves_nothing(store: StateStore) -> None:
    def crash_before_commit() -> None:
        with store.transaction() as tx:
            tx.ledger.set_cursor("p", {"position": [1]})
            tx.ledger.put_hashes("dest", {"k": "h"})
            raise RuntimeError("crash between write and commit")

    with pytest.raises(RuntimeError):
        crash_before_commit()
    assert store.get_cursor("p") is None
    with store.transaction() as tx:
        assert tx.ledger.get_hashes("dest", ["k"]) == {}


def test_hashes_remember_who_created_the_record(store: StateStore) -> None:
    keys = [f"k{i}" for i in range(1200)]  # more than one IN chunk
    with store.transaction() as tx:
        tx.ledger.put_hashes("dest", dict.fromkeys(keys, "h1"), created=keys[:10])
    with store.transaction() as tx:
        tx.ledger.put_hashes("dest", {"k0": "h2", "k11": "h2"})
        got = tx.ledger.get_hashes("dest", [*keys, "missing"])
        assert len(got) == 1200
        assert got["k0"] == "h2"
        assert got["k5"] == "h1"
        assert tx.ledger.hub_created_keys("dest") == set(keys[:10])  # an update does not clear it
        tx.ledger.forget_hashes("dest", ["k0"])
        assert "k0" not in tx.ledger.get_hashes("dest", ["k0"])


def test_run_counts_accumulate_and_balance(store: StateStore) -> None:
    with store.transaction() as tx:
        run = tx.ledger.start_run("p", cursor_from={"position": [0]})
        tx.ledger.add_counts(run, {"read": 10, "written": 6, "unchanged": 2, "invalid": 1})
        tx.ledger.add_counts(run, {"read": 5, "written": 4, "failed": 1, "filtered": 1},
                      cursor_to={"position": [15]})
    record = store.run(run)
    assert record is not None
    assert (record.read, record.written, record.failed) == (15, 10, 1)
    assert record.balanced  # 10 written + 2 unchanged + 1 invalid + 1 failed + 1 filtered
    with store.transaction() as tx:
        tx.ledger.add_counts(run, {"read": 1})
    lopsided = store.run(run)
    assert lopsided is not None
    assert not lopsided.balanced
    with store.transaction() as tx:
        tx.ledger.finish_run(run, "succeeded")
    finished = store.runs("p")[0]
    assert finished.status == "succeeded"
    assert finished.finished_at is not None
    assert finished.cursor_to == {"position": [15]}


def test_dead_letters_keep_record_payload_and_reason(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.ledger.add_dead_letters("p", None, [
            {"kind": "invalid", "record": {"email": "bad@"}, "error": "email: not valid",
             "record_key": "1"},
            {"kind": "failed", "record": {"id": 2}, "payload": {"id": "2"},
             "error": "HTTP 400", "attempts": 3},
        ])
    letters = store.dead_letters("p")
    assert [d.kind for d in letters] == ["invalid", "failed"]
    assert letters[0].record == {"email": "bad@"}
    assert letters[1].payload == {"id": "2"}
    assert letters[1].attempts == 3
    with store.transaction() as tx:
        assert tx.ledger.set_dead_letter_status([letters[0].id], "discarded") == 1
    assert [d.id for d in store.dead_letters("p")] == [letters[1].id]
    assert store.dead_letters("p", status="discarded")[0].error == "email: not valid"


def test_outbox_relays_in_order_once(store: StateStore) -> None:
    events = [DomainEvent(type="order.created", tenant="t", key=f"o{i}") for i in range(3)]
    with store.transaction() as tx:
        tx.outbox.append_events(events)
    with store.transaction() as tx:
        pending = tx.outbox.pending_events()
        assert [e.id for _, e in pending] == [e.id for e in events]
        tx.outbox.mark_relayed([seq for seq, _ in pending[:2]])
    with store.transaction() as tx:
        assert [e.id for _, e in tx.outbox.pending_events()] == [events[2].id]


def test_outbox_refuses_the_same_event_twice(store: StateStore) -> None:
    event = DomainEvent(type="cart.updated", tenant="t", key="c1")
    with store.transaction() as tx:
        tx.outbox.append_events([event])
    with pytest.raises(sa.exc.IntegrityError), store.transaction() as tx:
        tx.outbox.append_events([event])


def test_processed_events_are_claimed_once_per_consumer(store: StateStore) -> None:
    with store.transaction() as tx:
        assert tx.outbox.claim_event("triggers", "evt-1")
        assert not tx.outbox.claim_event("triggers", "evt-1")
        assert tx.outbox.claim_event("crm", "evt-1")


def test_send_ledger_reserves_a_key_once(store: StateStore) -> None:
    with store.transaction() as tx:
        assert tx.sends.ledger_reserve("k1", tenant="t", channel="sms", provider="twilio",
                                 contact_id="c1")
        assert not tx.sends.ledger_reserve("k1", tenant="t", channel="sms", provider="twilio",
                                     contact_id="c1")
        tx.sends.ledger_update("k1", "sent", "SM123")
        entry = tx.sends.ledger_entry("k1")
    assert entry is not None
    assert (entry["status"], entry["provider_message_id"]) == ("sent", "SM123")


def test_datetimes_come_back_aware_utc(store: StateStore) -> None:
    placed = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    with store.transaction() as tx:
        tx.conn.execute(t.orders.insert().values(
            tenant="t", id="o1", contact_id="c1", status="paid", currency="USD", total=10,
            discount=0, placed_at=placed))
        got = tx.conn.execute(sa.select(t.orders.c.placed_at)).scalar_one()
    assert got == placed
    assert got.tzinfo is not None


def test_naive_datetimes_are_refused_by_the_store(store: StateStore) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), store.transaction() as tx:
        tx.conn.execute(t.carts.insert().values(
            tenant="t", id="c", contact_id="x", status="active", value=0,
            updated_at=datetime(2025, 1, 1)))
