"""What a completed order is, once for every marketing service.

A *completed* order has status `paid` or `completed`: cancelled, refunded and pending orders
won nothing. It counts from the moment it was placed, so a question asked "as of" an instant
sees only the completed orders placed at or before it. Segments, RFM, triggers, KPIs,
campaign performance and attribution all read orders through these definitions.

A customer is *active* while their last completed order is at most `ACTIVE_DAYS` old (the
segment property `lifecycle.stage`, and the churn-risk trigger's population).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

import sqlalchemy as sa

from hub.model import OrderStatus
from hub.store import tables as t

COMPLETED_STATUSES: Final = (OrderStatus.PAID.value, OrderStatus.COMPLETED.value)
ACTIVE_DAYS: Final = 180
_IN_CHUNK = 500


def completed(orders: sa.FromClause, *, until: datetime | None = None) -> sa.ColumnElement[bool]:
    """The rows of `orders` (the table or an alias) that are completed orders, placed at or
    before `until` when given."""
    status = orders.c.status.in_(COMPLETED_STATUSES)
    return status if until is None else sa.and_(status, orders.c.placed_at <= until)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A completed order, as the KPIs, campaign reports and attribution read it."""

    id: str
    contact_id: str
    placed_at: datetime
    total: Decimal
    cart_id: str | None = None
    campaign_id: str | None = None


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i:i + _IN_CHUNK]


def completed_orders(conn: sa.Connection, tenant: str, *, since: datetime | None = None,
                     until: datetime | None = None, contact_ids: Collection[str] | None = None,
                     campaign_id: str | None = None) -> list[OrderRecord]:
    """Completed orders placed in [since, until], optionally only those of some contacts, or
    tagged with one campaign; in the order they were placed."""
    o = t.orders.c
    stmt = sa.select(o.id, o.contact_id, o.placed_at, o.total, o.cart_id, o.campaign_id).where(
        o.tenant == tenant, completed(t.orders)).order_by(o.placed_at, o.id)
    if since is not None:
        stmt = stmt.where(o.placed_at >= since)
    if until is not None:
        stmt = stmt.where(o.placed_at <= until)
    if campaign_id is not None:
        stmt = stmt.where(o.campaign_id == campaign_id)
    if contact_ids is None:
        return [OrderRecord(**row._asdict()) for row in conn.execute(stmt)]
    found: list[OrderRecord] = []
    for chunk in _chunks(sorted(contact_ids)):
        found += [OrderRecord(**r._asdict()) for r in conn.execute(stmt.where(
            o.contact_id.in_(chunk)))]
    return sorted(found, key=lambda r: (r.placed_at, r.id))
