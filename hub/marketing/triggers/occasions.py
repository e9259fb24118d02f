"""What fires now, read from the store: one occasion per customer a trigger applies to.

An occasion carries the moment it fell due. Its idempotency key is built from that moment's
date, never from the time of evaluation, so the same occasion has the same key whether the
nightly batch, a rerun, or the event path finds it, and fires once:

    key = tenant : trigger : contact : YYYY-MM-DD of due_at      (re_entry: once → "once")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from hub.marketing.common.clock import day_cutoff
from hub.marketing.common.orders import ACTIVE_DAYS, completed
from hub.marketing.rfm import latest_snapshot_date
from hub.marketing.triggers.config import Trigger
from hub.store import tables as t


@dataclass(frozen=True)
class Occasion:
    trigger: str
    contact_id: str
    due_at: datetime
    started_at: datetime  # the activity it follows (cart update, order, entry); goals after it
    reference: str  # what caused it: a cart, an order, a segment, a snapshot date
    variables: dict[str, Any] = field(default_factory=dict)
    priority: float = 0.0  # higher first: the seed's "high-value carts first"

    def to_json(self) -> dict[str, Any]:
        return {"contact_id": self.contact_id, "due_at": self.due_at.isoformat(),
                "started_at": self.started_at.isoformat(), "reference": self.reference,
                "variables": self.variables, "priority": self.priority}

    @classmethod
    def from_json(cls, trigger: str, data: dict[str, Any]) -> Occasion:
        return cls(trigger, data["contact_id"], datetime.fromisoformat(data["due_at"]),
                   datetime.fromisoformat(data["started_at"]), data["reference"],
                   data.get("variables", {}), data.get("priority", 0.0))


def idempotency_key(tenant: str, trigger: Trigger, contact_id: str, due_at: datetime) -> str:
    bucket = "once" if trigger.re_entry == "once" else f"{due_at.astimezone(UTC):%Y-%m-%d}"
    return f"{tenant}:{trigger.name}:{contact_id}:{bucket}"


def detect(conn: sa.Connection, trigger: Trigger, tenant: str, now: datetime) -> list[Occasion]:
    """Every occasion of `trigger` due at `now` and not expired, highest priority first."""
    finder: Callable[[sa.Connection, Trigger, str, datetime], list[Occasion]] = {
        "abandoned_cart": _abandoned_carts, "churn_risk": _churn_risk,
        "vip_milestone": _vip_milestones, "post_purchase": _purchases,
        "segment_entry": _segment_entries,
    }[trigger.kind]
    found = finder(conn, trigger, tenant, now)
    return sorted(found, key=lambda o: (-o.priority, o.due_at, o.contact_id))


def _not_expired(trigger: Trigger, now: datetime) -> datetime | None:
    """The earliest due moment still worth firing, or None when occasions never expire."""
    return now - trigger.expires if trigger.expires is not None else None


def _abandoned_carts(conn: sa.Connection, trigger: Trigger, tenant: str,
                     now: datetime) -> list[Occasion]:
    cart, item, o = t.carts, t.cart_items, t.orders
    # the goal: an order created since the cart was last touched (or from this very cart)
    ordered = sa.exists().where(o.c.tenant == tenant, o.c.contact_id == cart.c.contact_id,
                                o.c.placed_at <= now,
                                sa.or_(o.c.placed_at >= cart.c.updated_at,
                                       o.c.cart_id == cart.c.id))
    stmt = (sa.select(cart.c.id, cart.c.contact_id, cart.c.updated_at)
            .where(cart.c.tenant == tenant, cart.c.status == "active",
                   cart.c.updated_at <= now - trigger.after, ~ordered,
                   sa.exists().where(item.c.tenant == tenant, item.c.cart_id == cart.c.id)))
    earliest = _not_expired(trigger, now)
    if earliest is not None:
        stmt = stmt.where(cart.c.updated_at >= earliest - trigger.after)
    carts = conn.execute(stmt).all()
    items: dict[str, list[dict[str, Any]]] = {}
    ids = [c.id for c in carts]
    for i in range(0, len(ids), 500):
        for row in conn.execute(sa.select(item).where(item.c.tenant == tenant,
                                                      item.c.cart_id.in_(ids[i:i + 500]))):
            items.setdefault(row.cart_id, []).append(cart_item(row._mapping))
    out = []
    for c in carts:
        products = items.get(c.id, [])
        value = sum(p["unit_price"] * p["quantity"] for p in products)
        out.append(Occasion(trigger.name, c.contact_id, c.updated_at + trigger.after,
                            c.updated_at, f"cart:{c.id}",
                            {"cart_id": c.id, "products": products, "cart_value": value},
                            priority=value))
    return out


def cart_item(row: Any) -> dict[str, Any]:
    """A cart line as a template variable (JSON-safe)."""
    return {"sku": row["sku"], "name": row.get("product_name"), "category": row.get("category"),
            "quantity": int(row["quantity"]), "unit_price": float(row["unit_price"])}


def _churn_risk(conn: sa.Connection, trigger: Trigger, tenant: str,
                now: datetime) -> list[Occasion]:
    """Active customers (a completed order in the last 180 days) whose last one is at least
    `after` old; due `after` past that order, so one churn episode is one occasion."""
    o = t.orders
    last = sa.func.max(o.c.placed_at)
    days = int(trigger.after / timedelta(days=1))
    stmt = (sa.select(o.c.contact_id, last.label("last_at"))
            .where(o.c.tenant == tenant, completed(o, until=now))
            .group_by(o.c.contact_id)
            .having(sa.and_(last < day_cutoff(now, days),
                            last >= day_cutoff(now, ACTIVE_DAYS + 1))))
    earliest = _not_expired(trigger, now)
    if earliest is not None:
        stmt = stmt.having(last >= earliest - trigger.after)
    if trigger.spec.segment:
        members = t.segment_members
        stmt = stmt.where(o.c.contact_id.in_(sa.select(members.c.contact_id).where(
            members.c.tenant == tenant, members.c.segment == trigger.spec.segment)))
    return [Occasion(trigger.name, r.contact_id, r.last_at + trigger.after, r.last_at,
                     f"last-order:{r.last_at:%Y-%m-%d}", {"last_order_at": r.last_at.isoformat()})
            for r in conn.execute(stmt)]


def _vip_milestones(conn: sa.Connection, trigger: Trigger, tenant: str,
                    now: datetime) -> list[Occasion]:
    """Customers whose composite reached the threshold in the latest snapshot, having been
    below it (or unscored) in the one before."""
    latest = latest_snapshot_date(conn, tenant, now.date())
    if latest is None:
        return []
    due = datetime.combine(latest, time(), tzinfo=UTC)
    earliest = _not_expired(trigger, now)
    if earliest is not None and due < earliest:
        return []
    snap = t.rfm_snapshots
    previous = latest_snapshot_date(conn, tenant, latest - timedelta(days=1))
    cur, prev = snap.alias("cur"), snap.alias("prev")
    below = sa.true() if previous is None else ~sa.exists().where(
        prev.c.tenant == tenant, prev.c.snapshot_date == previous,
        prev.c.contact_id == cur.c.contact_id, prev.c.composite >= trigger.threshold)
    rows = conn.execute(sa.select(cur.c.contact_id, cur.c.composite, cur.c.segment).where(
        cur.c.tenant == tenant, cur.c.snapshot_date == latest,
        cur.c.composite >= trigger.threshold, below))
    return [Occasion(trigger.name, r.contact_id, due, due, f"rfm:{latest}",
                     {"composite": r.composite, "rfm_segment": r.segment}, priority=r.composite)
            for r in rows]


def _purchases(conn: sa.Connection, trigger: Trigger, tenant: str,
               now: datetime) -> list[Occasion]:
    o = t.orders
    stmt = sa.select(o.c.id, o.c.contact_id, o.c.placed_at, o.c.total).where(
        o.c.tenant == tenant, completed(o, until=now - trigger.after))
    earliest = _not_expired(trigger, now)
    if earliest is not None:
        stmt = stmt.where(o.c.placed_at >= earliest - trigger.after)
    return [Occasion(trigger.name, r.contact_id, r.placed_at + trigger.after, r.placed_at,
                     f"order:{r.id}", {"order_id": r.id}, priority=float(r.total))
            for r in conn.execute(stmt)]


def _segment_entries(conn: sa.Connection, trigger: Trigger, tenant: str,
                     now: datetime) -> list[Occasion]:
    members = t.segment_members
    stmt = sa.select(members.c.contact_id, members.c.entered_at).where(
        members.c.tenant == tenant, members.c.segment == trigger.spec.segment,
        members.c.entered_at <= now - trigger.after)
    earliest = _not_expired(trigger, now)
    if earliest is not None:
        stmt = stmt.where(members.c.entered_at >= earliest - trigger.after)
    return [Occasion(trigger.name, r.contact_id, r.entered_at + trigger.after, r.entered_at,
                     f"segment:{trigger.spec.segment}", {"segment": trigger.spec.segment})
            for r in conn.execute(stmt)]
