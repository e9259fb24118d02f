"""Triggers driven by domain events, the streaming twin of the batch `TriggerEngine.run`.

Events schedule *pending* executions (a `trigger_executions` row whose `fired_at` is the
moment it falls due) and goal events cancel them; `run_due` fires what has fallen due.

- `cart.updated` (payload: a canonical Cart): an active cart with items schedules the
  abandoned-cart reminder at updated_at + `after`, superseding an earlier pending one;
  a cleared or converted cart ends it.
- `order.created` (payload: a canonical Order): ends pending reminders and win-backs that
  began before it, schedules the post-purchase upsell and restarts the churn timer.
- `customer.segmented` (payload: segment, contact_id, change): an entry schedules the
  segment's onboarding trigger; an exit ends it.

Replaying events is harmless twice over: each event id is claimed once per consumer
(`processed_events`), and an occasion's idempotency key is derived from the event's own
times, so even a re-sent copy with a new id lands on the execution that already exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa

from hub.marketing.common.orders import COMPLETED_STATUSES
from hub.marketing.triggers.config import Trigger
from hub.marketing.triggers.engine import (
    CANCELLED,
    PENDING,
    Firing,
    TriggerEngine,
    insert_new,
)
from hub.marketing.triggers.occasions import Occasion, cart_item, idempotency_key
from hub.model import Cart, CartStatus, Order
from hub.model.events import CART_UPDATED, CUSTOMER_SEGMENTED, ORDER_CREATED, DomainEvent
from hub.store import Tx
from hub.store import tables as t

CONSUMER: Final = "triggers"


class TriggerEvents:
    def __init__(self, engine: TriggerEngine) -> None:
        self.engine = engine
        self.store, self.tenant = engine.store, engine.tenant

    def handle(self, events: Iterable[DomainEvent]) -> int:
        """Apply events (each in its own transaction); returns how many were new."""
        handled = 0
        for event in events:
            if event.tenant != self.tenant:
                continue
            with self.store.transaction() as tx:
                if not tx.outbox.claim_event(f"{CONSUMER}:{self.tenant}", event.id):
                    continue  # a replay of an event already applied
                self._dispatch(tx, event)
                handled += 1
        return handled

    def run_due(self) -> list[Firing]:
        """Fire every pending execution that has fallen due."""
        now = self.engine.clock()
        ex = t.trigger_executions.c
        with self.store.engine.connect() as conn:
            due = conn.execute(sa.select(ex.idempotency_key, ex.trigger, ex.payload).where(
                ex.tenant == self.tenant, ex.status == PENDING, ex.fired_at <= now)
                .order_by(ex.fired_at, ex.idempotency_key)).all()
        outcomes = []
        for key, name, payload in due:
            with self.store.transaction() as tx:
                trigger = self.engine.triggers.triggers.get(name)
                occasion = Occasion.from_json(name, payload["occasion"])
                if trigger is None or not trigger.spec.enabled:
                    _cancel(tx, [key], "the trigger is no longer enabled")
                    continue
                reached = self._goal_in_store(tx.conn, trigger, occasion, now)
                if reached:
                    _cancel(tx, [key], reached)
                    outcomes.append(Firing(name, occasion.contact_id, key, CANCELLED, reached))
                    continue
                outcomes.append(self.engine.fire(tx, trigger, occasion, now,
                                                 correlation_id=payload.get("correlation_id")))
        return outcomes

    # -- dispatch ----------------------------------------------------------------------------
    def _dispatch(self, tx: Tx, event: DomainEvent) -> None:
        if event.type == CART_UPDATED:
            self._cart(tx, Cart.model_validate(event.payload), event)
        elif event.type == ORDER_CREATED:
            self._order(tx, Order.model_validate(event.payload), event)
        elif event.type == CUSTOMER_SEGMENTED:
            self._segmented(tx, event)

    def _cart(self, tx: Tx, cart: Cart, event: DomainEvent) -> None:
        if cart.status is not CartStatus.ACTIVE or not cart.items:
            converted = cart.status is CartStatus.CONVERTED
            goal = "cart.converted" if converted else "cart.cleared"
            for trigger in self._kind("abandoned_cart"):
                if goal in trigger.goal:
                    self._end(tx, trigger, cart.contact_id, cart.updated_at, goal)
            return
        products = [cart_item(i.model_dump()) for i in cart.items]
        value = sum(p["unit_price"] * p["quantity"] for p in products)
        for trigger in self._kind("abandoned_cart"):
            self._schedule(tx, trigger, Occasion(
                trigger.name, cart.contact_id, cart.updated_at + trigger.after,
                cart.updated_at, f"cart:{cart.id}",
                {"cart_id": cart.id, "products": products, "cart_value": value},
                priority=value), event)

    def _order(self, tx: Tx, order: Order, event: DomainEvent) -> None:
        for trigger in self.engine.triggers:
            if "order.created" in trigger.goal:
                self._end(tx, trigger, order.contact_id, order.placed_at, "order.created")
        if order.status not in COMPLETED_STATUSES:
            return
        variables = {"order_id": order.id,
                     "categories": sorted({line.category for line in order.lines
                                           if line.category}),
                     "skus": sorted({line.sku for line in order.lines})}
        for trigger in self._kind("post_purchase"):
            self._schedule(tx, trigger, Occasion(
                trigger.name, order.contact_id, order.placed_at + trigger.after,
                order.placed_at, f"order:{order.id}", variables, float(order.total)), event)
        for trigger in self._kind("churn_risk"):  # the churn clock restarts with each order
            self._schedule(tx, trigger, Occasion(
                trigger.name, order.contact_id, order.placed_at + trigger.after,
                order.placed_at, f"last-order:{order.placed_at:%Y-%m-%d}",
                {"last_order_at": order.placed_at.isoformat()}), event)

    def _segmented(self, tx: Tx, event: DomainEvent) -> None:
        segment, contact_id = event.payload.get("segment"), event.payload.get("contact_id")
        if not isinstance(segment, str) or not isinstance(contact_id, str):
            return
        for trigger in self._kind("segment_entry"):
            if trigger.spec.segment != segment:
                continue
            if event.payload.get("change") == "entered":
                self._schedule(tx, trigger, Occasion(
                    trigger.name, contact_id, event.occurred_at + trigger.after,
                    event.occurred_at, f"segment:{segment}", {"segment": segment}), event)
            elif "segment.exited" in trigger.goal:
                self._end(tx, trigger, contact_id, event.occurred_at, "segment.exited")

    # -- pending executions ------------------------------------------------------------------
    def _schedule(self, tx: Tx, trigger: Trigger, occasion: Occasion,
                  event: DomainEvent) -> None:
        if self._goal_in_store(tx.conn, trigger, occasion, occasion.due_at):
            return  # the goal was reached before we heard of the activity
        key = idempotency_key(self.tenant, trigger, occasion.contact_id, occasion.due_at)
        payload = {"occasion": occasion.to_json(),
                   "correlation_id": event.correlation_id or event.id}
        ex = t.trigger_executions
        # a newer activity supersedes an older pending occasion of the same trigger
        older = [k for k, p in self._pending(tx.conn, trigger, occasion.contact_id)
                 if k != key and _started(p) < occasion.started_at]
        _cancel(tx, older, "superseded by newer activity")
        row = tx.conn.execute(sa.select(ex.c.status, ex.c.payload)
                              .where(ex.c.idempotency_key == key)).first()
        if row is None:
            insert_new(tx.conn, {"idempotency_key": key, "tenant": self.tenant,
                                 "trigger": trigger.name, "contact_id": occasion.contact_id,
                                 "status": PENDING, "payload": payload,
                                 "fired_at": occasion.due_at})
            return
        # the same day's later activity moves the pending occasion; after an exit, a new
        # activity re-enters it; a fired or skipped occasion is final
        if row.status in (PENDING, CANCELLED) and occasion.started_at > _started(row.payload):
            tx.conn.execute(sa.update(ex).where(ex.c.idempotency_key == key).values(
                status=PENDING, payload=payload, fired_at=occasion.due_at))

    def _end(self, tx: Tx, trigger: Trigger, contact_id: str, at: datetime,
             goal: str) -> None:
        """A goal event at `at` ends the pending occasions that began before it (for a
        churn timer, which an order starts, strictly before: replaying that order must
        not end its own timer)."""
        strict = trigger.kind == "churn_risk"
        ended = [k for k, p in self._pending(tx.conn, trigger, contact_id)
                 if (_started(p) < at if strict else _started(p) <= at)]
        _cancel(tx, ended, f"goal reached: {goal}")

    def _pending(self, conn: sa.Connection, trigger: Trigger,
                 contact_id: str) -> list[tuple[str, dict[str, Any]]]:
        ex = t.trigger_executions.c
        rows = conn.execute(sa.select(ex.idempotency_key, ex.payload).where(
            ex.tenant == self.tenant, ex.trigger == trigger.name,
            ex.contact_id == contact_id, ex.status == PENDING))
        return [(r.idempotency_key, r.payload) for r in rows]

    def _goal_in_store(self, conn: sa.Connection, trigger: Trigger, occasion: Occasion,
                       now: datetime) -> str | None:
        """An order the store already holds, placed since the occasion began, ends it
        (this covers goal events that arrive before the activity they end)."""
        if "order.created" not in trigger.goal:
            return None
        o = t.orders.c
        # a churn occasion begins with an order: only a later one is a comeback
        since = (o.placed_at > occasion.started_at if trigger.kind == "churn_risk"
                 else o.placed_at >= occasion.started_at)
        found = conn.execute(sa.select(o.id).where(
            o.tenant == self.tenant, o.contact_id == occasion.contact_id, since,
            o.placed_at <= now).limit(1)).scalar()
        return f"goal reached: order {found}" if found is not None else None

    def _kind(self, kind: str) -> list[Trigger]:
        return self.engine.triggers.of_kind(kind)


def _cancel(tx: Tx, keys: list[str], reason: str) -> None:
    ex = t.trigger_executions
    for key in keys:
        row = tx.conn.execute(sa.select(ex.c.payload).where(ex.c.idempotency_key == key,
                                                            ex.c.status == PENDING)).first()
        if row is not None:
            tx.conn.execute(sa.update(ex).where(ex.c.idempotency_key == key).values(
                status=CANCELLED, payload={**row.payload, "reason": reason}))


def _started(payload: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(payload["occasion"]["started_at"])
