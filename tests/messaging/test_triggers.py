"""A fired trigger's message goes through the send path: queued with its trigger's kind,
priority and expiry, sent by the worker, or dropped when its goal was reached meanwhile."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from hub.messaging.config import messaging_from_config
from hub.messaging.service import Messaging
from hub.store import tables as t
from tests.marketing.triggers.conftest import T0, TENANT, Shop
from tests.marketing.triggers.conftest import shop as shop  # the fixture
from tests.messaging.conftest import NO_WAIT, write_templates
from tests.messaging.sender import RecordingSender

CART_TEMPLATE = {"cart-reminder": {
    "subject.liquid": "Still thinking it over?",
    "text.liquid": "Your cart ({{ cart_value }}): {% for p in products %}{{ p.sku }} "
                   "{% endfor %}\nUnsubscribe: {{ unsubscribe_url }}"}}


def _messaging(shop: Shop, tmp_path: Path) -> Messaging:
    return Messaging(shop.store, messaging_from_config(None, {}), tenant=TENANT,
                     templates_dir=write_templates(tmp_path, CART_TEMPLATE), clock=shop.clock)


async def test_a_fired_abandoned_cart_is_queued_and_sent(shop: Shop, tmp_path: Path) -> None:
    shop.contact("ann")
    shop.cart("k1", "ann", T0 - timedelta(hours=2), skus=("ACC-1", "ACC-2"))
    shop.engine.run()
    with shop.store.engine.connect() as conn:
        queued = conn.execute(sa.select(t.messages)).one()._mapping
    assert (queued["kind"], queued["status"], queued["template"]) == (
        "abandoned_cart", "queued", "cart-reminder")
    assert queued["priority"] > 0
    assert queued["expires_at"] is not None
    sender = RecordingSender()
    report = await _messaging(shop, tmp_path).worker(sender, "test", retry=NO_WAIT).run()
    assert report.sent == 1
    [delivered] = sender.deliveries
    assert delivered["key"] == f"{TENANT}:cart_reminder:ann:2026-11-01"
    assert "ACC-1 ACC-2" in delivered["text"]


async def test_an_order_placed_after_the_trigger_fired_stops_the_reminder(
        shop: Shop, tmp_path: Path) -> None:
    shop.contact("ann")
    shop.cart("k1", "ann", T0 - timedelta(hours=2))
    shop.engine.run()
    shop.order("ann", T0 + timedelta(minutes=5), cart_id="k1")  # before the worker ran
    shop.clock.advance(minutes=10)
    sender = RecordingSender()
    report = await _messaging(shop, tmp_path).worker(sender, "test", retry=NO_WAIT).run()
    assert sender.calls == []
    assert report.refused == {"goal_reached": 1}
