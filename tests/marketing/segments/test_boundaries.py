"""Exhaustive agreement at the boundaries: a grid of contacts whose orders and events sit a
microsecond, a second or a few hours either side of every whole-day mark, and every single
condition from the property-test pools. Random trees (test_agreement) cover composition;
this grid makes sure no cutoff is off by one, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml

from hub.marketing.common import prepare_connection
from hub.marketing.segments.compiler import SqlCompiler
from hub.marketing.segments.dataset import Dataset, write_dataset
from hub.marketing.segments.definitions import SegmentSet, SegmentsSection, load_segment_file
from hub.marketing.segments.evaluate import PythonEvaluator
from hub.store import StateStore
from tests.marketing.segments.strategies import (
    AMOUNTS,
    CATEGORIES,
    DAYS,
    NOW,
    NUDGES,
    STATUSES,
    TODAY,
)

DAY_THRESHOLDS = [0, 1, 14, 14.5, 44, 45, 46, 180, 181]
OPS = ["eq", "ne", "gt", "gte", "lt", "lte"]


def grid() -> Dataset:
    data = Dataset()
    offsets = list(itertools.product(DAYS, NUDGES))
    for i, (days, nudge) in enumerate(offsets):
        cid, when = f"g{i:03d}", NOW - timedelta(days=days) + nudge
        other = NOW - timedelta(days=offsets[(i * 7) % len(offsets)][0])
        data.contacts.append({"id": cid, "email": f"{cid}@example.com", "created_at": when,
                              "properties": {"score": [0, 5, 7.5, "5"][i % 4]},
                              "external_ids": {}})
        data.consents.append({"contact_id": cid, "channel": "email", "topic": "",
                              "status": ["opted_in", "opted_out"][i % 5 == 0],
                              "source": "t", "recorded_at": NOW})
        data.orders += [
            {"id": f"{cid}-a", "contact_id": cid, "status": "completed", "currency": "USD",
             "total": AMOUNTS[i % len(AMOUNTS)], "discount": Decimal(0), "placed_at": when},
            {"id": f"{cid}-b", "contact_id": cid, "status": STATUSES[i % len(STATUSES)],
             "currency": "USD", "total": AMOUNTS[(i + 3) % len(AMOUNTS)],
             "discount": Decimal(0), "placed_at": other}]
        data.order_lines.append({"order_id": f"{cid}-a", "line_no": 1, "sku": "s",
                                 "category": CATEGORIES[i % len(CATEGORIES)], "quantity": 1,
                                 "unit_price": Decimal(1)})
        if i % 3 == 0:
            data.applied_promotions.append({"order_id": f"{cid}-a", "promotion_id": "p",
                                            "code": "P", "discount": Decimal(1)})
        data.engagement_events.append({
            "id": f"{cid}-e", "type": ["opened", "clicked", "bounced_hard"][i % 3],
            "channel": "email", "contact_id": cid, "campaign_id": "spring", "provider": "t",
            "provider_event_id": f"{cid}-e", "occurred_at": when})
        data.carts.append({"id": f"{cid}-k", "contact_id": cid, "status": "active",
                           "value": AMOUNTS[i % len(AMOUNTS)], "updated_at": when})
        data.rfm_snapshots.append({
            "snapshot_date": TODAY, "contact_id": cid, "recency_days": days,
            "frequency": i % 4, "monetary": AMOUNTS[i % len(AMOUNTS)], "r_score": 1 + i % 5,
            "f_score": 1 + i % 3, "m_score": 1 + i % 4, "composite": float(10 + i % 41),
            "segment": "champions" if i % 2 else "at_risk"})
    return data


def conditions() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in ("days_since_last_order", "days_since_first_order"):
        out += [{"computed": name, op: v} for op in OPS for v in DAY_THRESHOLDS]
        out += [{"computed": name, "between": [a, b]} for a, b in [(14, 45), (44.5, 46)]]
    out += [{"computed": "orders.total_spent", op: v} for op in OPS
            for v in [19.99, 20, 20.005, 39.99, 0]]
    out += [{"computed": "orders.count", op: v} for op in OPS for v in [0, 1, 1.5, 2]]
    out += [{"computed": "promotions.redeemed_ratio", op: v} for op in OPS for v in [0.5, 1]]
    out += [{"computed": "lifecycle.stage", "eq": s} for s in ("prospect", "active", "lapsed")]
    out += [{"computed": "categories.last_order_missing", "contains": c}
            for c in ("Accessories", "Home", ["Home", "Apparel"])]
    out += [{"computed": "rfm.composite", op: v} for op in OPS for v in [38, 38.5]]
    out += [{"computed": "rfm.monetary", "gte": 20}, {"computed": "rfm.segment", "eq": "at_risk"}]
    for days in (1, 14, 45, 90):
        out += [{"event": "order.created", "within": f"{days} days"},
                {"event": "cart.updated", "within": f"{days} days"},
                {"event": "promotion.redeemed", "within": f"{days} days"},
                {"engagement": "opened", "within": f"{days} days"},
                {"engagement": "bounced", "after": f"{days} days ago", "before": "1 days ago"},
                {"engagement": "opened", "after": "400 days ago", "before": f"{days} days ago"},
                {"event": "order.created", "before": f"{days} days ago"}]
        out += [{"attribute": "created_at", op: f"{days} days ago"} for op in OPS[2:]]
        out += [{"event": "order.created", "at_least": 2, "after": f"{days} days ago",
                 "where": {"total": {"gte": 20}}}]
    out += [{"attribute": "properties.score", op: v} for op in OPS for v in [5, 7.5]]
    out += [{"random_bucket": "holdout", op: v} for op in ("lt", "gte") for v in (10, 50, 99.5)]
    # fractional operands against integer values: bound with their own type, not the column's
    out += [{"computed": "promotions.redeemed_ratio", "in": [1, 0.5]},
            {"computed": "rfm.r", "gt": 2.5}, {"computed": "rfm.recency_days", "lte": 44.5},
            {"computed": "orders.count", "in": [1.5, 2]}]
    return out


@pytest.fixture(scope="module")
def segments() -> SegmentSet:
    spec = {f"c{i}": {"criteria": c, "for_messaging": i % 4 != 0}
            for i, c in enumerate(conditions())}
    return load_segment_file("grid.yaml", yaml.safe_dump({"segments": spec}),
                             settings=SegmentsSection(quota=len(spec)))


def test_every_boundary_condition_agrees(store: StateStore, segments: SegmentSet) -> None:
    data, tenant = grid(), f"grid-{uuid.uuid4().hex[:8]}"
    with store.transaction() as tx:
        write_dataset(tx.conn, tenant, data)
    reference = PythonEvaluator(data, segments, now=NOW)
    compiler = SqlCompiler(segments, tenant=tenant, now=NOW)
    disagreements, partial = [], 0
    with store.engine.connect() as conn:
        prepare_connection(conn)
        for definition in segments:
            found = set(conn.execute(compiler.members_query(definition.name)).scalars())
            expected = reference.members(definition.name)
            partial += 0 < len(expected) < len(data.contacts)
            if found != expected:
                disagreements.append((definition.spec.criteria, sorted(found ^ expected)[:5]))
    assert disagreements == []
    assert partial > len(segments) * 0.6  # the grid splits the contacts for most conditions


def test_whole_days_count_from_the_clock(segments: SegmentSet) -> None:
    """Exactly 45 days is 45 days; a second less is 44 (fractions of a second dropped)."""
    data = Dataset(contacts=[{"id": cid, "properties": {}} for cid in ("exact", "short")])
    for cid, when in (("exact", NOW - timedelta(days=45)),
                      ("short", NOW - timedelta(days=45) + timedelta(seconds=1))):
        data.orders.append({"id": cid, "contact_id": cid, "status": "paid", "total": 1,
                            "placed_at": when})
    text = {"segments": {"old": {"criteria": {"computed": "days_since_last_order", "gte": 45},
                                 "for_messaging": False}}}
    members = PythonEvaluator(data, load_segment_file("d.yaml", yaml.safe_dump(text)),
                              now=NOW).members("old")
    assert members == {"exact"}
