"""A small shop in a real store, its triggers, and a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from hub.config.yaml_source import load_yaml
from hub.marketing.segments.definitions import load_segment_file
from hub.marketing.triggers.config import TriggerSet, triggers_from_config
from hub.marketing.triggers.engine import TriggerEngine
from hub.store import StateStore
from hub.store import tables as t

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
TENANT = "shop"
TRIGGERS = """\
triggers:
  cart_reminder: {kind: abandoned_cart, template: cart-reminder}
  win_back: {kind: churn_risk, offer: {code: COMEBACK15, high_value: true}}
  vip_reward: {kind: vip_milestone, threshold: 38}
  upsell: {kind: post_purchase, recommendations: 2}
  welcome: {kind: segment_entry, segment: new_customers}
"""
SEGMENTS = """\
segments:
  new_customers: {criteria: {computed: orders.count, eq: 1}}
"""


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Shop:
    store: StateStore
    clock: Clock
    engine: TriggerEngine
    triggers: TriggerSet
    orders: int = field(default=0)

    def contact(self, cid: str, *, consent: str = "opted_in", email: bool = True) -> None:
        with self.store.transaction() as tx:
            tx.conn.execute(t.contacts.insert().values(
                tenant=TENANT, id=cid, email=f"{cid}@example.com" if email else None,
                properties={}, external_ids={}))
            tx.conn.execute(t.consents.insert().values(
                tenant=TENANT, contact_id=cid, channel="email", topic="", status=consent,
                source="test", recorded_at=T0))

    def order(self, cid: str, placed_at: datetime, *, status: str = "paid",
              lines: tuple[tuple[str, str], ...] = (("APP-1", "Apparel"),),
              cart_id: str | None = None) -> str:
        self.orders += 1
        order_id = f"o{self.orders}"
        with self.store.transaction() as tx:
            tx.conn.execute(t.orders.insert().values(
                tenant=TENANT, id=order_id, contact_id=cid, status=status, currency="USD",
                total=Decimal(50), cart_id=cart_id, placed_at=placed_at))
            for n, (sku, category) in enumerate(lines, 1):
                tx.conn.execute(t.order_lines.insert().values(
                    tenant=TENANT, order_id=order_id, line_no=n, sku=sku, category=category,
                    product_name=sku.lower(), quantity=1, unit_price=Decimal(25)))
        return order_id

    def cart(self, cart_id: str, cid: str, updated_at: datetime, *, status: str = "active",
             skus: tuple[str, ...] = ("ACC-1",)) -> None:
        with self.store.transaction() as tx:
            tx.conn.execute(sa.delete(t.cart_items).where(t.cart_items.c.cart_id == cart_id))
            tx.conn.execute(sa.delete(t.carts).where(t.carts.c.id == cart_id))
            tx.conn.execute(t.carts.insert().values(
                tenant=TENANT, id=cart_id, contact_id=cid, status=status, value=Decimal(30),
                updated_at=updated_at))
            for sku in skus:
                tx.conn.execute(t.cart_items.insert().values(
                    tenant=TENANT, cart_id=cart_id, sku=sku, category="Accessories",
                    quantity=1, unit_price=Decimal(30)))

    def executions(self, status: str | None = None) -> list[dict[str, Any]]:
        ex = t.trigger_executions
        stmt = sa.select(ex).order_by(ex.c.trigger, ex.c.contact_id, ex.c.idempotency_key)
        if status:
            stmt = stmt.where(ex.c.status == status)
        with self.store.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def fired(self) -> list[tuple[str, str]]:
        return [(e["trigger"], e["contact_id"]) for e in self.executions("fired")]

    def outbox(self) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            return [r.envelope for r in conn.execute(
                sa.select(t.outbox.c.envelope).order_by(t.outbox.c.seq))]


def make_triggers(text: str = TRIGGERS) -> TriggerSet:
    doc = load_yaml("hub.yaml", text)
    return triggers_from_config(doc, doc.data["triggers"],
                                load_segment_file("segments.yaml", SEGMENTS))


@pytest.fixture
def shop(store_url: str) -> Iterator[Shop]:
    store = StateStore(store_url)
    store.upgrade()
    clock = Clock()
    triggers = make_triggers()
    yield Shop(store, clock, TriggerEngine(store, triggers, tenant=TENANT, clock=clock),
               triggers)
    store.close()
