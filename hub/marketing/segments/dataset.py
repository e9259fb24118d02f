"""Plain in-memory records of one tenant, as the store's tables hold them.

The Python evaluator reads these; `read_dataset` fills them from a store and `write_dataset`
puts them into one, so a test (or an audit of the SQL evaluator on real data) can run both
evaluators on exactly the same rows. Each row is a dict of the table's column names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

import sqlalchemy as sa

from hub.store import tables as t

Row = dict[str, Any]

TABLES: dict[str, sa.Table] = {
    "contacts": t.contacts,
    "consents": t.consents,
    "suppressions": t.suppressions,
    "orders": t.orders,
    "order_lines": t.order_lines,
    "applied_promotions": t.applied_promotions,
    "carts": t.carts,
    "engagement_events": t.engagement_events,
    "touchpoints": t.touchpoints,
    "rfm_snapshots": t.rfm_snapshots,
}


@dataclass
class Dataset:
    contacts: list[Row] = field(default_factory=list)
    consents: list[Row] = field(default_factory=list)
    suppressions: list[Row] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    order_lines: list[Row] = field(default_factory=list)
    applied_promotions: list[Row] = field(default_factory=list)
    carts: list[Row] = field(default_factory=list)
    engagement_events: list[Row] = field(default_factory=list)
    touchpoints: list[Row] = field(default_factory=list)
    rfm_snapshots: list[Row] = field(default_factory=list)

    def tables(self) -> Iterable[tuple[str, list[Row]]]:
        for f in fields(self):
            yield f.name, getattr(self, f.name)


def read_dataset(conn: sa.Connection, tenant: str) -> Dataset:
    """Every row of `tenant` in the tables segments read."""
    data = Dataset()
    for name, table in TABLES.items():
        rows = conn.execute(sa.select(table).where(table.c.tenant == tenant))
        getattr(data, name).extend(dict(r._mapping) for r in rows)
    return data


def write_dataset(conn: sa.Connection, tenant: str, data: Dataset) -> None:
    """Insert the rows (stamped with `tenant`); the tables are expected to be empty of them."""
    for name, rows in data.tables():
        if rows:
            conn.execute(TABLES[name].insert(), [{**r, "tenant": tenant} for r in rows])


class ByContact:
    """The dataset indexed for per-contact questions, plus a few derived views."""

    def __init__(self, data: Dataset, today: date) -> None:
        self.contacts = data.contacts
        self.orders = _group(data.orders, "contact_id")
        self.carts = _group(data.carts, "contact_id")
        self.engagement = _group(data.engagement_events, "contact_id")
        self.touchpoints = _group(data.touchpoints, "contact_id")
        self.suppressed = {(r["contact_id"], r["channel"]) for r in data.suppressions}
        self.consent = {(r["contact_id"], r["channel"], r["topic"] or ""): r["status"]
                        for r in data.consents}
        self.lines_by_order = _group(data.order_lines, "order_id")
        promoted = _group(data.applied_promotions, "order_id")
        self.promoted_orders = set(promoted)
        order_by_id = {o["id"]: o for o in data.orders}
        # promotion.redeemed happens when the order carrying it is placed
        redemptions: list[Row] = [
            {**p, "contact_id": order_by_id[p["order_id"]]["contact_id"],
             "placed_at": order_by_id[p["order_id"]]["placed_at"]}
            for p in data.applied_promotions if p["order_id"] in order_by_id
        ]
        self.redemptions = _group(redemptions, "contact_id")
        self.rfm = _latest_snapshot(data.rfm_snapshots, today)

    def rows(self, table: str, contact_id: str) -> list[Row]:
        source: Mapping[str, list[Row]] = {
            "orders": self.orders, "carts": self.carts, "engagement_events": self.engagement,
            "touchpoints": self.touchpoints, "redemptions": self.redemptions,
        }[table]
        return source.get(contact_id, [])

    def consent_status(self, contact_id: str, channel: str, topic: str) -> str:
        """The topic's own decision if recorded, else the channel-wide one, else unknown."""
        if topic:
            specific = self.consent.get((contact_id, channel, topic))
            if specific is not None:
                return str(specific)
        return str(self.consent.get((contact_id, channel, ""), "unknown"))


def _group(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return dict(grouped)


def _latest_snapshot(rows: list[Row], today: date) -> dict[str, Row]:
    """The rows of the tenant's latest snapshot taken on or before `today`, by contact."""
    dates = [r["snapshot_date"] for r in rows if r["snapshot_date"] <= today]
    if not dates:
        return {}
    latest = max(dates)
    return {r["contact_id"]: r for r in rows if r["snapshot_date"] == latest}
