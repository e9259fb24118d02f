"""Triggers read from the store ("what fires now"): idempotency keys, the 24-hour and
14-day rules, goals, reachability, VIP crossings, recommendations, and agreement with the
event path."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub.errors import ConfigError
from hub.marketing.triggers.engine import TriggerEngine
from hub.marketing.triggers.events import TriggerEvents
from hub.store import tables as t
from tests.marketing.triggers.conftest import T0, TENANT, Shop, make_triggers
from tests.marketing.triggers.test_events import cart_event


def outcomes(firings: list[object]) -> list[tuple[str, str, str]]:
    return sorted((f.trigger, f.contact_id, f.outcome) for f in firings)  # type: ignore[attr-defined]


def test_an_abandoned_cart_fires_once_with_its_products(shop: Shop) -> None:
    shop.contact("ann")
    shop.contact("bob")
    shop.cart("k1", "ann", T0 - timedelta(hours=2), skus=("ACC-1", "ACC-2"))
    shop.cart("k2", "bob", T0 - timedelta(minutes=20))  # not an hour yet
    first = shop.engine.run()
    assert outcomes(first) == [("cart_reminder", "ann", "fired")]
    message = first[0].message
    assert message is not None
    assert [p["sku"] for p in message.variables["products"]] == ["ACC-1", "ACC-2"]
    assert message.idempotency_key == f"{TENANT}:cart_reminder:ann:2026-11-01"
    assert outcomes(shop.engine.run()) == [("cart_reminder", "ann", "duplicate")]
    assert shop.fired() == [("cart_reminder", "ann")]


def test_a_cart_followed_by_an_order_is_not_abandoned(shop: Shop) -> None:
    shop.contact("ann")
    shop.cart("k1", "ann", T0 - timedelta(hours=3))
    shop.order("ann", T0 - timedelta(hours=2, minutes=30))
    fired = [f for f in shop.engine.run() if f.trigger == "cart_reminder"]
    assert fired == []


def test_the_same_trigger_waits_24_hours_for_the_same_customer(shop: Shop) -> None:
    shop.contact("ann")
    shop.cart("k1", "ann", T0 - timedelta(hours=2))
    assert outcomes(shop.engine.run()) == [("cart_reminder", "ann", "fired")]
    shop.clock.advance(hours=15)  # 01:00 the next day: a new cart, a new day's key
    shop.cart("k2", "ann", shop.clock.now - timedelta(hours=1, minutes=1))
    later = [f for f in shop.engine.run() if f.key.endswith("2026-11-02")]
    assert [(f.trigger, f.outcome) for f in later] == [("cart_reminder", "deferred")]
    shop.clock.advance(hours=10)  # 25 hours after the first reminder
    assert ("cart_reminder", "ann", "fired") in outcomes(shop.engine.run())
    assert shop.fired() == [("cart_reminder", "ann"), ("cart_reminder", "ann")]


def test_a_high_value_offer_waits_14_days_across_its_group(shop: Shop) -> None:
    triggers = make_triggers("""\
triggers:
  win_back: {kind: churn_risk, offer: {code: COMEBACK15, high_value: true}}
  vip_reward: {kind: vip_milestone, threshold: 38,
               offer: {code: VIP20, high_value: true, group: COMEBACK15}}
""")
    engine = TriggerEngine(shop.store, triggers, tenant=TENANT, clock=shop.clock)
    shop.contact("ann")
    shop.order("ann", T0 - timedelta(days=50))
    assert outcomes(engine.run()) == [("win_back", "ann", "fired")]
    _snapshot(shop, "ann", T0.date(), composite=40)
    vip = [o for o in outcomes(engine.run()) if o[0] == "vip_reward"]
    assert vip == [("vip_reward", "ann", "deferred")]
    shop.clock.advance(days=15)
    _snapshot(shop, "ann", shop.clock.now.date(), composite=44, before=30)
    assert ("vip_reward", "ann", "fired") in outcomes(engine.run())


def _snapshot(shop: Shop, cid: str, day: date, composite: float,
              before: float | None = None) -> None:
    with shop.store.transaction() as tx:
        for when, value in ((day - timedelta(days=1), before), (day, composite)):
            if value is not None:
                tx.conn.execute(t.rfm_snapshots.insert().values(
                    tenant=TENANT, snapshot_date=when, contact_id=cid, recency_days=1,
                    frequency=3, monetary=Decimal(100), r_score=5, f_score=4, m_score=4,
                    composite=value, segment="champions"))


def test_vip_fires_on_crossing_the_threshold_only(shop: Shop) -> None:
    for cid in ("ann", "bob", "cyd"):
        shop.contact(cid)
    _snapshot(shop, "ann", T0.date(), composite=40, before=30)  # crossed
    _snapshot(shop, "bob", T0.date(), composite=45, before=41)  # already VIP
    _snapshot(shop, "cyd", T0.date(), composite=30, before=20)  # not yet
    vip = [f for f in shop.engine.run() if f.trigger == "vip_reward"]
    assert outcomes(vip) == [("vip_reward", "ann", "fired")]
    assert vip[0].key == f"{TENANT}:vip_reward:ann:once"  # re_entry: once ever


def test_unreachable_contacts_are_skipped_with_the_reason_recorded(shop: Shop) -> None:
    shop.contact("out", consent="opted_out")
    shop.contact("mute", email=False)
    shop.cart("k1", "out", T0 - timedelta(hours=2))
    shop.cart("k2", "mute", T0 - timedelta(hours=2))
    assert outcomes(shop.engine.run()) == [("cart_reminder", "mute", "skipped"),
                                           ("cart_reminder", "out", "skipped")]
    reasons = {e["contact_id"]: e["payload"]["reason"] for e in shop.executions("skipped")}
    assert reasons == {"out": "no email consent (opted_out)", "mute": "no email address"}
    assert [e for e in shop.outbox() if e["type"] == "trigger.fired"] == []


def test_upsell_recommends_top_sellers_of_the_category_not_already_owned(shop: Shop) -> None:
    for cid in ("ann", "fan1", "fan2"):
        shop.contact(cid)
    best = (("APP-2", "Apparel"), ("APP-3", "Apparel"), ("APP-4", "Apparel"))
    for fan in ("fan1", "fan2"):  # APP-2 sells most, then APP-3; APP-1 is ann's
        shop.order(fan, T0 - timedelta(days=20), lines=best[:2])
    shop.order("fan1", T0 - timedelta(days=20), lines=(*best[2:], ("HOM-1", "Home")))
    shop.cart("k1", "ann", T0, skus=("APP-3",))  # already in her cart
    shop.order("ann", T0 - timedelta(days=2, hours=1), lines=(("APP-1", "Apparel"),))
    upsell = next(f for f in shop.engine.run() if f.trigger == "upsell"
                  and f.contact_id == "ann")
    assert upsell.message is not None
    assert [r["sku"] for r in upsell.message.variables["recommendations"]] == ["APP-2",
                                                                               "APP-4"]


def test_the_batch_and_the_event_path_share_one_key(shop: Shop) -> None:
    shop.contact("ann")
    shop.cart("k1", "ann", T0 - timedelta(hours=2))
    events = TriggerEvents(shop.engine)
    events.handle([cart_event("k1", "ann", T0 - timedelta(hours=2))])
    assert outcomes(events.run_due()) == [("cart_reminder", "ann", "fired")]
    assert outcomes(shop.engine.run()) == [("cart_reminder", "ann", "duplicate")]
    assert shop.fired() == [("cart_reminder", "ann")]


def test_a_preview_writes_nothing(shop: Shop) -> None:
    shop.contact("ann")
    shop.cart("k1", "ann", T0 - timedelta(hours=2))
    assert outcomes(shop.engine.preview()) == [("cart_reminder", "ann", "fired")]
    assert shop.executions() == []
    with shop.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.outbox)).scalar() == 0


BAD = [
    ("cart: {kind: abandond_cart}", "triggers.cart.kind", "Input should be"),
    ("cart: {kind: abandoned_cart, cooldown: 2 hours}", "triggers.cart.cooldown",
     "at most once per customer per 24 hours"),
    ("w: {kind: segment_entry}", "triggers.w.segment", "names the segment"),
    ("w: {kind: segment_entry, segment: newbies}", "triggers.w.segment",
     "unknown segment 'newbies'"),
    ("c: {kind: churn_risk, after: 45 dayz}", "triggers.c.after", "is not a duration"),
    ("c: {kind: churn_risk, goal: [order.placed]}", "triggers.c.goal[0]",
     "unknown goal 'order.placed'"),
    ("c: {kind: churn_risk, threshold: 3}", "triggers.c.threshold", "only a vip_milestone"),
    ("c: {kind: churn_risk, ofer: {code: X}}", "triggers.c.ofer", "unknown key"),
]


@pytest.mark.parametrize(("body", "field", "message"), BAD)
def test_malformed_triggers_are_refused_with_the_line(body: str, field: str,
                                                      message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_triggers(f"triggers:\n  {body}\n")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.field) == ("hub.yaml", 2, field)
    assert message in problem.message


def test_defaults_follow_the_seed() -> None:
    triggers = make_triggers()
    cart, win_back = triggers.get("cart_reminder"), triggers.get("win_back")
    assert (cart.after, cart.cooldown) == (timedelta(hours=1), timedelta(hours=24))
    assert cart.goal == {"order.created", "cart.cleared", "cart.converted"}
    assert (win_back.after, win_back.cooldown) == (timedelta(days=45), timedelta(days=14))
    assert triggers.get("upsell").after == timedelta(days=2)
    assert triggers.get("vip_reward").re_entry == "once"
    assert datetime(2026, 1, 1, tzinfo=UTC) < T0
