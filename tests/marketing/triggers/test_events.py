"""Triggers from domain events: replays fire once, goals end pending occasions, and an
abandoned cart whose order arrives before the hour is up fires nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hub.marketing.triggers.events import TriggerEvents
from hub.model import Cart, CartItem, Order, OrderLine
from hub.model.events import CART_UPDATED, CUSTOMER_SEGMENTED, ORDER_CREATED, DomainEvent
from tests.marketing.triggers.conftest import T0, TENANT, Shop


def cart_event(cart_id: str, cid: str, at: datetime, status: str = "active") -> DomainEvent:
    cart = Cart(id=cart_id, contact_id=cid, status=status, updated_at=at, tenant=TENANT,
                items=[] if status != "active" else [
                    CartItem(sku="ACC-1", category="Accessories", quantity=1,
                             unit_price=Decimal(30))])
    return DomainEvent(type=CART_UPDATED, tenant=TENANT, key=cart_id, occurred_at=at,
                       payload=cart.model_dump(mode="json"))


def order_event(order_id: str, cid: str, at: datetime, status: str = "paid") -> DomainEvent:
    order = Order(id=order_id, contact_id=cid, status=status, total=Decimal(50), placed_at=at,
                  tenant=TENANT, lines=[OrderLine(sku="APP-1", category="Apparel", quantity=1,
                                                  unit_price=Decimal(50))])
    return DomainEvent(type=ORDER_CREATED, tenant=TENANT, key=order_id, occurred_at=at,
                       payload=order.model_dump(mode="json"))


def entry_event(cid: str, at: datetime, change: str = "entered") -> DomainEvent:
    return DomainEvent(type=CUSTOMER_SEGMENTED, tenant=TENANT, key=cid, occurred_at=at,
                       payload={"segment": "new_customers", "contact_id": cid,
                                "change": change})


def resent(event: DomainEvent) -> DomainEvent:
    """The same fact delivered again by a producer that gives it a new id."""
    data: dict[str, Any] = event.model_dump()
    data.pop("id")
    return DomainEvent(**data)


def test_replaying_the_same_events_twice_fires_each_trigger_once(shop: Shop) -> None:
    for cid in ("ann", "bob", "cyd"):
        shop.contact(cid)
    events = [cart_event("k1", "ann", T0), order_event("o1", "bob", T0),
              entry_event("cyd", T0)]
    handler = TriggerEvents(shop.engine)
    assert handler.handle(events) == 3
    shop.clock.advance(days=3)  # past every delay: the hour, the two days
    first = handler.run_due()
    assert handler.handle(events) == 0  # the same ids: claimed already
    assert handler.handle([resent(e) for e in events]) == 3  # new ids, the same facts
    second = handler.run_due()
    assert sorted((f.trigger, f.contact_id) for f in first if f.outcome == "fired") == [
        ("cart_reminder", "ann"), ("upsell", "bob"), ("welcome", "cyd")]
    assert [f for f in second if f.outcome == "fired"] == []
    assert sorted(shop.fired()) == [("cart_reminder", "ann"), ("upsell", "bob"),
                                    ("welcome", "cyd")]
    fired_events = [e for e in shop.outbox() if e["type"] == "trigger.fired"]
    assert len(fired_events) == 3
    reminder = next(e for e in fired_events if e["payload"]["trigger"] == "cart_reminder")
    assert reminder["payload"]["message"]["variables"]["products"][0]["sku"] == "ACC-1"
    assert reminder["payload"]["message"]["to"] == "ann@example.com"


def test_an_order_before_the_hour_is_up_means_no_reminder(shop: Shop) -> None:
    shop.contact("ann")
    handler = TriggerEvents(shop.engine)
    handler.handle([cart_event("k1", "ann", T0)])
    shop.clock.advance(minutes=30)
    assert handler.run_due() == []  # not due yet
    handler.handle([order_event("o1", "ann", T0 + timedelta(minutes=30))])
    shop.clock.advance(hours=5)
    fired = [f for f in handler.run_due() if f.outcome == "fired"]
    assert [f.trigger for f in fired] == []  # no reminder; the upsell waits two days
    ended = shop.executions("cancelled")
    assert [(e["trigger"], e["payload"]["reason"]) for e in ended] == [
        ("cart_reminder", "goal reached: order.created")]


def test_an_order_already_in_the_store_stops_a_late_cart_event(shop: Shop) -> None:
    shop.contact("ann")
    shop.order("ann", T0 + timedelta(minutes=20))  # the order's event is still on its way
    handler = TriggerEvents(shop.engine)
    handler.handle([cart_event("k1", "ann", T0)])
    shop.clock.advance(hours=2)
    assert handler.run_due() == []
    assert shop.fired() == []


def test_a_newer_cart_activity_restarts_the_hour_and_a_cleared_cart_ends_it(
        shop: Shop) -> None:
    shop.contact("ann")
    handler = TriggerEvents(shop.engine)
    handler.handle([cart_event("k1", "ann", T0)])
    handler.handle([cart_event("k1", "ann", T0 + timedelta(minutes=50))])
    shop.clock.advance(hours=1, minutes=10)  # an hour after the first touch, not the second
    assert handler.run_due() == []
    handler.handle([cart_event("k1", "ann", T0 + timedelta(minutes=55), status="cleared")])
    shop.clock.advance(hours=3)
    assert handler.run_due() == []
    assert shop.fired() == []


def test_an_order_restarts_the_churn_timer(shop: Shop) -> None:
    shop.contact("ann")
    handler = TriggerEvents(shop.engine)
    handler.handle([order_event("o1", "ann", T0)])
    shop.clock.advance(days=30)
    handler.handle([order_event("o2", "ann", shop.clock.now)])  # a comeback: goal reached
    shop.clock.advance(days=20)  # 50 days after o1, 20 after o2
    assert "win_back" not in [f.trigger for f in handler.run_due() if f.outcome == "fired"]
    shop.clock.advance(days=30)  # 50 days after o2
    assert [f.trigger for f in handler.run_due() if f.outcome == "fired"] == ["win_back"]


def test_leaving_the_segment_before_the_welcome_ends_it(shop: Shop) -> None:
    shop.contact("ann")
    handler = TriggerEvents(shop.engine)
    handler.handle([entry_event("ann", T0 + timedelta(hours=1)),
                    entry_event("ann", T0 + timedelta(hours=2), change="exited")])
    shop.clock.advance(hours=3)
    assert handler.run_due() == []
    assert [e["status"] for e in shop.executions()] == ["cancelled"]
