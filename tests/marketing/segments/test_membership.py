"""Stored membership: refreshed by difference, announced in the outbox in the same
transaction, unreachable contacts left out, drift flagged or held, the quota enforced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
import yaml

from hub.errors import DomainRuleError
from hub.marketing.common import fixed_clock
from hub.marketing.segments.dataset import Dataset, write_dataset
from hub.marketing.segments.definitions import SegmentSet, SegmentsSection, load_segment_file
from hub.marketing.segments.membership import SegmentService, drift
from hub.model.events import CUSTOMER_SEGMENTED
from hub.store import StateStore
from hub.store import tables as t

NOW = datetime(2026, 11, 1, tzinfo=UTC)
TENANT = "shop"


def _segments(drift_policy: dict[str, object] | None = None, quota: int = 10) -> SegmentSet:
    spec = {"buyers": {"criteria": {"computed": "orders.count", "gte": 1}},
            "everyone": {"criteria": {"attribute": "id", "exists": True},
                         "for_messaging": False}}
    if drift_policy:
        spec["buyers"]["drift"] = drift_policy
    return load_segment_file("s.yaml", yaml.safe_dump({"segments": spec}),
                             settings=SegmentsSection(quota=quota))


def _shop(store: StateStore, buyers: int, others: int = 0) -> None:
    data = Dataset()
    for i in range(buyers + others):
        cid = f"c{i}"
        data.contacts.append({"id": cid, "email": f"{cid}@example.com", "properties": {}})
        data.consents.append({"contact_id": cid, "channel": "email", "topic": "",
                              "status": "opted_in", "source": "t", "recorded_at": NOW})
        if i < buyers:
            data.orders.append({"id": f"o{i}", "contact_id": cid, "status": "paid",
                                "currency": "USD", "total": Decimal(10),
                                "placed_at": NOW - timedelta(days=1)})
    with store.transaction() as tx:
        write_dataset(tx.conn, TENANT, data)


def _outbox(store: StateStore) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.outbox.c.type, t.outbox.c.envelope)
                            .order_by(t.outbox.c.seq)).all()
    assert all(r.type == CUSTOMER_SEGMENTED for r in rows)
    return [r.envelope["payload"] for r in rows]


def test_a_refresh_writes_the_difference_and_announces_it(store: StateStore) -> None:
    _shop(store, buyers=3, others=2)
    service = SegmentService(store, _segments(), tenant=TENANT, clock=fixed_clock(NOW))
    first = service.refresh("buyers")
    assert (first.before, first.after, first.entered, first.exited) == (
        0, 3, ("c0", "c1", "c2"), ())
    assert service.stored_members("buyers") == {"c0", "c1", "c2"}
    with store.transaction() as tx:  # c3 buys, c0's order is refunded
        tx.conn.execute(t.orders.insert().values(
            tenant=TENANT, id="late", contact_id="c3", status="completed", currency="USD",
            total=Decimal(1), placed_at=NOW - timedelta(hours=1)))
        tx.conn.execute(sa.update(t.orders).where(t.orders.c.id == "o0")
                        .values(status="refunded"))
    second = service.refresh("buyers")
    assert (second.entered, second.exited) == (("c3",), ("c0",))
    assert service.stored_members("buyers") == {"c1", "c2", "c3"}
    changes = [(p["contact_id"], p["change"]) for p in _outbox(store)]
    assert changes == [("c0", "entered"), ("c1", "entered"), ("c2", "entered"),
                       ("c3", "entered"), ("c0", "exited")]
    third = service.refresh("buyers")
    assert (third.entered, third.exited) == ((), ())
    assert len(_outbox(store)) == 5  # no change, no event


def test_unreachable_contacts_are_left_out_of_messaging_segments(store: StateStore) -> None:
    _shop(store, buyers=4)
    with store.transaction() as tx:
        tx.conn.execute(t.suppressions.insert().values(
            tenant=TENANT, contact_id="c1", channel="email", reason="hard_bounced",
            recorded_at=NOW))
        tx.conn.execute(sa.update(t.consents).where(t.consents.c.contact_id == "c2")
                        .values(status="opted_out"))
        tx.conn.execute(sa.delete(t.consents).where(t.consents.c.contact_id == "c3"))
    service = SegmentService(store, _segments(), tenant=TENANT, clock=fixed_clock(NOW))
    assert service.members("buyers") == {"c0"}
    assert service.members("everyone") == {"c0", "c1", "c2", "c3"}  # analytics only


def test_a_large_swing_is_flagged_and_held_when_asked(store: StateStore) -> None:
    _shop(store, buyers=10)
    policy = {"max_change_percent": 30, "min_population": 5, "action": "hold"}
    service = SegmentService(store, _segments(policy), tenant=TENANT, clock=fixed_clock(NOW))
    service.refresh("buyers")  # from nothing: no baseline, no alert
    with store.transaction() as tx:
        tx.conn.execute(sa.update(t.orders).where(t.orders.c.id.in_(["o0", "o1", "o2", "o3"]))
                        .values(status="cancelled"))
    held = service.refresh("buyers")
    assert held.drift_alert
    assert held.held
    assert held.drift_percent == pytest.approx(-40.0)
    assert len(service.stored_members("buyers")) == 10  # not applied
    with store.engine.connect() as conn:
        audit = conn.execute(sa.select(t.audit_log.c.action, t.audit_log.c.detail)).all()
    assert [(a.action, a.detail["after"], a.detail["held"]) for a in audit] == [
        ("segment.drift_alert", 6, True)]


def test_drift_is_measured_against_the_stored_population() -> None:
    alert = SegmentsSection().drift
    assert drift(0, 500, alert) == (None, False)
    assert drift(100, 126, alert) == (26.0, True)
    assert drift(100, 125, alert) == (25.0, False)
    assert drift(10, 1, alert)[1] is False  # below min_population: small segments swing


def test_the_store_refuses_more_segments_than_the_quota(store: StateStore) -> None:
    _shop(store, buyers=1)
    with store.transaction() as tx:
        tx.conn.execute(t.segments.insert().values(tenant=TENANT, name="legacy",
                                                   criteria={}, updated_at=NOW))
    service = SegmentService(store, _segments(quota=2), tenant=TENANT, clock=fixed_clock(NOW))
    service.refresh("buyers")
    with pytest.raises(DomainRuleError, match="would have 3 segments; the quota is 2"):
        service.refresh("everyone")
    assert service.stored_members("everyone") == set()


def test_a_preview_shows_count_sample_and_runnable_sql(store: StateStore) -> None:
    _shop(store, buyers=3)
    preview = SegmentService(store, _segments(), tenant=TENANT,
                             clock=fixed_clock(NOW)).preview("buyers", sample=2)
    assert preview.count == 3
    assert preview.sample == [("c0", "c0@example.com"), ("c1", "c1@example.com")]
    assert "FROM contacts" in preview.sql
    assert "'shop'" in preview.sql  # values inlined: a person can paste it into a shell
