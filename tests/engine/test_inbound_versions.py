"""Per-field versions on the inbound path (SQLite and PostgreSQL): the store keeps when each
field's applied change occurred, written with the apply, so an older event delivered later is
claimed as handled but does not overwrite the newer value, field by field."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hub.engine.inbound import Authority, ConflictPolicy, FieldChange, InboundChanges, InboundUpdate
from hub.store import StateStore, Tx
from hub.store import tables as t
from hub.store.outbox import Outbox
from hub.store.versions import FieldVersions
from tests.engine.test_inbound import blocked_by

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

# the hub's copy of the vendor's record: one row per field, its current value
current = sa.Table(
    "test_inbound_current", sa.MetaData(),
    sa.Column("field", sa.String(50), primary_key=True),
    sa.Column("value", sa.String(200)),
)


class Save:
    """An `apply` that sets each taken field, in the claim's transaction; fails when told."""

    def __init__(self) -> None:
        self.fail = False

    def __call__(self, tx: Tx, update: InboundUpdate) -> None:
        tx.conn.execute(current.delete().where(current.c.field.in_(list(update.changes))))
        tx.conn.execute(current.insert(), [{"field": name, "value": value}
                                           for name, value in update.values.items()])
        if self.fail:
            raise RuntimeError("the apply failed")


@pytest.fixture
def db(store: StateStore) -> StateStore:
    current.create(store.engine)
    return store


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def change(event_id: str, field: str, value: Any, when: datetime) -> FieldChange:
    return FieldChange(provider="acme", event_id=event_id, object_type="contacts",
                       external_id="1", field=field, value=value, occurred_at=when)


def inbound(store: StateStore, save: Save | None = None) -> InboundChanges:
    return InboundChanges(store, "acme", ConflictPolicy(default=Authority.VENDOR),
                          apply=save or Save())


def values(store: StateStore) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        return {r.field: r.value for r in conn.execute(sa.select(current))}


def versions(store: StateStore) -> dict[str, tuple[datetime, str]]:
    v = t.field_versions.c
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(v.field, v.applied_at, v.event_id)
                            .where(v.tenant == store.tenant, v.provider == "acme"))
        return {r.field: (r.applied_at, r.event_id) for r in rows}


def handled(path: InboundChanges, event_id: str) -> bool:
    with path.store.transaction() as tx:
        return not tx.outbox.claim_event(path.consumer, event_id)


def test_three_events_for_one_field_delivered_out_of_order(db: StateStore) -> None:
    path = inbound(db)
    second, first, third = (change("e2", "email", "two@acme.test", at(2)),
                            change("e1", "email", "one@acme.test", at(1)),
                            change("e3", "email", "three@acme.test", at(3)))

    took_second = path.handle([second])
    after_second = values(db)
    took_first = path.handle([first])  # the oldest, delivered late
    after_first = values(db)
    took_third = path.handle([third])

    assert [u.values for u in took_second] == [{"email": "two@acme.test"}]
    assert took_first == []
    assert after_second == after_first == {"email": "two@acme.test"}
    assert handled(path, "e1")  # recorded as processed: a redelivery is dropped too
    assert path.handle([first]) == []
    assert [u.values for u in took_third] == [{"email": "three@acme.test"}]
    assert values(db) == {"email": "three@acme.test"}
    assert versions(db) == {"email": (at(3), "e3")}


def test_two_fields_of_one_event_each_against_its_own_version(db: StateStore) -> None:
    path = inbound(db)
    path.handle([change("e1", "email", "new@acme.test", at(5)),
                 change("e2", "phone", "+15550100", at(1))])

    # one event changed both fields at t+3: newer than the phone, older than the email
    [update] = path.handle([change("e3", "email", "stale@acme.test", at(3)),
                            change("e3", "phone", "+15550199", at(3))])

    assert update.values == {"phone": "+15550199"}
    assert values(db) == {"email": "new@acme.test", "phone": "+15550199"}
    assert versions(db) == {"email": (at(5), "e1"), "phone": (at(3), "e3")}


def test_a_change_as_old_as_the_applied_one_is_taken(db: StateStore) -> None:
    """Two events of the same instant: the one delivered later wins, as within a delivery."""
    path = inbound(db)
    path.handle([change("e1", "email", "first@acme.test", at(1))])
    path.handle([change("e2", "email", "second@acme.test", at(1))])

    assert values(db) == {"email": "second@acme.test"}
    assert versions(db) == {"email": (at(1), "e2")}


def test_a_failed_apply_leaves_no_version(db: StateStore) -> None:
    save = Save()
    path = inbound(db, save)
    save.fail = True
    with pytest.raises(RuntimeError):
        path.handle([change("e2", "email", "two@acme.test", at(2))])
    save.fail = False

    # the version rolled back with the value: an older event is still taken
    taken = path.handle([change("e1", "email", "one@acme.test", at(1))])

    assert [u.values for u in taken] == [{"email": "one@acme.test"}]
    assert versions(db) == {"email": (at(1), "e1")}


def test_each_tenant_has_its_own_versions(db: StateStore) -> None:
    inbound(db).handle([change("e2", "email", "two@acme.test", at(2))])

    other = inbound(db.scoped("other"))
    taken = other.handle([change("e1", "email", "one@acme.test", at(1))])

    assert [u.values for u in taken] == [{"email": "one@acme.test"}]


def test_a_change_without_a_time_zone_is_refused(db: StateStore) -> None:
    naive = change("e1", "email", "x@acme.test", datetime(2025, 6, 1, 12, 0))

    with pytest.raises(ValueError, match="occurred_at has no time zone"):
        inbound(db).handle([naive])
    assert values(db) == {}
    assert versions(db) == {}


@pytest.mark.postgres
def test_an_older_event_racing_a_newer_ones_delivery_loses(postgres_url: str) -> None:
    """The newer event's delivery has written the field's first version but not committed:
    the older one's insert of that version waits on the key, fails once the newer commits,
    and its retry then sees the newer version and changes nothing."""
    store = StateStore(postgres_url)
    store.upgrade()
    current.create(store.engine)
    path = inbound(store)
    try:
        with store.engine.connect() as first, ThreadPoolExecutor(1) as pool:
            with first.begin():  # the newer event's delivery, mid-transaction
                assert Outbox(first).claim_event(path.consumer, "e2")
                first.execute(current.insert().values(field="email", value="two@acme.test"))
                FieldVersions(first, store.tenant, "acme").record(
                    "contacts", "1", {"email": (at(2), "e2")}, known=())
                older = pool.submit(path.handle, [change("e1", "email", "one@acme.test", at(1))])
                pid = first.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
                assert blocked_by(store, pid, older)
            assert older.result(timeout=60) == []
        assert values(store) == {"email": "two@acme.test"}
        assert versions(store) == {"email": (at(2), "e2")}
        assert handled(path, "e1")
    finally:
        store.close()
