"""KPIs computed by hand on small cases, and read from the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportions_ztest

from hub.errors import ConfigError
from hub.marketing.campaigns import (
    AnalyzeCampaignPerformance,
    CampaignService,
    CreateCampaign,
    RecordCampaignSpend,
    campaign_performance,
)
from hub.marketing.common import OrderRecord
from hub.marketing.kpis import (
    CartRecord,
    Engagement,
    Rate,
    cart_recovery,
    conversion_uplift,
    promotion_attribution,
    segment_uplift,
    summarise_engagement,
    tenant_kpis,
    win_back_rate,
)
from hub.model import Campaign, CampaignType, Channel, EngagementType, Variant
from hub.store import StateStore
from hub.store import tables as t

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
TENANT = "acme"


def order(oid: str, contact: str, at: datetime, total: str = "10", **fields: Any) -> OrderRecord:
    return OrderRecord(oid, contact, at, Decimal(total), **fields)


# --- formulas ---------------------------------------------------------------------------------


def test_open_and_click_rates_count_distinct_messages() -> None:
    events = [Engagement("m1", "sent"), Engagement("m1", "delivered"), Engagement("m1", "opened"),
              Engagement("m1", "opened"), Engagement("m1", "clicked"), Engagement("m2", "sent"),
              Engagement("m2", "opened"), Engagement("m3", "sent"), Engagement("m4", "failed"),
              Engagement("m5", "opened")]  # m5's "sent" webhook was lost: it was sent anyway
    summary = summarise_engagement(events)
    assert (summary.sent, summary.opened, summary.clicked) == (4, 3, 1)
    assert summary.open_rate == Rate(3, 4)
    assert summary.click_rate.value == 0.25
    assert str(summary.open_rate) == "75.0% (3 of 4)"
    assert str(Rate(0, 0)) == "n/a"
    assert Rate(0, 0).value is None


def test_cart_recovery_rate() -> None:
    as_of = T0 + timedelta(days=20)
    carts = [CartRecord("c1", "a", T0), CartRecord("c2", "b", T0), CartRecord("c3", "c", T0),
             CartRecord("c4", "d", as_of - timedelta(minutes=30)),
             CartRecord("c5", "e", T0, cleared=True), CartRecord("c6", "f", T0),
             CartRecord("c7", "g", T0)]
    orders = [order("o1", "a", T0 + timedelta(hours=2), "80", cart_id="c1"),  # recovered
              order("o2", "b", T0 + timedelta(minutes=30), cart_id="c2"),  # plain checkout
              order("o6", "f", T0 + timedelta(hours=3), "40"),  # no cart link, same contact
              order("o7", "g", T0 + timedelta(days=8), cart_id="c7")]  # after the window
    result = cart_recovery(carts, orders, as_of=as_of)
    assert (result.abandoned, result.recovered) == (4, 2)  # c1, c3, c6, c7; c1 and c6
    assert result.recovered_cart_ids == ("c1", "c6")
    assert result.recovered_revenue == Decimal("120")
    assert result.rate.value == 0.5
    with pytest.raises(ConfigError, match="inactivity must be a positive duration"):
        cart_recovery(carts, orders, as_of=as_of, inactivity=timedelta(0))


def test_churn_win_back_rate_within_fourteen_days() -> None:
    sent = {"a": T0, "b": T0, "c": T0}
    orders = [order("1", "a", T0 + timedelta(days=13)), order("2", "b", T0 + timedelta(days=15)),
              order("3", "c", T0 - timedelta(days=1)), order("4", "x", T0 + timedelta(days=1)),
              order("5", "a", T0 + timedelta(days=2))]
    assert win_back_rate(sent, orders) == Rate(1, 3)


def test_conversion_uplift_against_a_holdout_matches_statsmodels() -> None:
    treated = [f"t{i}" for i in range(1000)]
    holdout = [f"h{i}" for i in range(1000)]
    converters = treated[:120] + holdout[:100]
    uplift = conversion_uplift(treated, holdout, converters)
    assert uplift.treated == Rate(120, 1000)
    assert uplift.holdout == Rate(100, 1000)
    assert uplift.absolute == pytest.approx(0.02)
    assert uplift.relative == pytest.approx(0.2)
    _, p_value = proportions_ztest([120, 100], [1000, 1000])
    assert uplift.p_value == pytest.approx(p_value, abs=1e-12)
    assert uplift.significant is False
    assert conversion_uplift(treated, [], converters).p_value is None
    with pytest.raises(ConfigError, match="both treated and held out"):
        conversion_uplift(["a", "b"], ["b"], [])


def test_promotion_attribution_counts_influenced_revenue() -> None:
    orders = [order("o1", "a", T0, "100"), order("o2", "b", T0, "50"), order("o3", "c", T0, "70")]
    applied = [("o1", "p1", Decimal("10")), ("o2", "p1", Decimal("5")),
               ("o2", "p2", Decimal("2")), ("o3", "p3", Decimal("7")),
               ("o9", "p1", Decimal("1"))]  # o9 is not a revenue order
    credit = promotion_attribution(orders, applied, {"p1": "spring", "p2": "vip", "p3": None})
    assert list(credit) == ["spring", "vip"]
    assert (credit["spring"].orders, credit["spring"].revenue) == (2, Decimal("150"))
    assert credit["spring"].discount == Decimal("15")
    assert (credit["vip"].orders, credit["vip"].revenue) == (1, Decimal("50"))


# --- from the store ---------------------------------------------------------------------------


def _messages(rows: list[tuple[str, str, str | None, datetime]], campaign: str
              ) -> list[dict[str, Any]]:
    return [{"tenant": TENANT, "id": mid, "channel": "email", "contact_id": contact,
             "campaign_id": campaign, "variant": variant, "idempotency_key": f"k-{mid}",
             "created_at": at} for mid, contact, variant, at in rows]


def _event(eid: str, message: str, contact: str | None, kind: str, campaign: str = "spring"
           ) -> dict[str, Any]:
    return {"tenant": TENANT, "id": eid, "type": kind, "channel": "email", "contact_id": contact,
            "message_id": message, "campaign_id": campaign, "provider": "resend",
            "provider_event_id": eid, "occurred_at": T0 + timedelta(hours=1)}


def _order(oid: str, contact: str, at: datetime, total: str, campaign: str | None = None,
           status: str = "completed", cart: str | None = None) -> dict[str, Any]:
    return {"tenant": TENANT, "id": oid, "contact_id": contact, "status": status,
            "currency": "USD", "total": Decimal(total), "discount": Decimal(0),
            "cart_id": cart, "campaign_id": campaign, "placed_at": at}


@pytest.fixture
def shop(store: StateStore) -> StateStore:
    """A campaign with an A/B split: 4 contacts per variant, a double-exposed contact, orders."""
    service = CampaignService(store, clock=lambda: T0)
    campaign = Campaign(tenant=TENANT, id="spring", name="Spring", type=CampaignType.PROMOTION,
                        channels=[Channel.EMAIL], spend=Decimal(0),
                        variants=[Variant(name="a"), Variant(name="b")])
    service.handle(CreateCampaign(actor="m", campaign=campaign))
    service.handle(RecordCampaignSpend(tenant=TENANT, campaign_id="spring", actor="ads",
                                       amount=Decimal("50")))
    sends = [(f"m{i}", f"c{i}", "a" if i < 4 else "b", T0) for i in range(8)]
    sends += [("m8", "c8", "a", T0), ("m9", "c8", "b", T0)]  # c8 saw both variants
    with store.engine.begin() as conn:
        conn.execute(t.messages.insert(), _messages(sends, "spring"))
        conn.execute(t.engagement_events.insert(), [
            _event("e1", "m0", "c0", "sent"), _event("e2", "m0", "c0", "opened"),
            _event("e3", "m0", "c0", "clicked"), _event("e4", "m1", "c1", "sent"),
            _event("e5", "m4", "c4", "sent"), _event("e6", "m4", "c4", "opened"),
            _event("e7", "m5", "c5", "sent")])
        conn.execute(t.orders.insert(), [
            _order("o1", "c0", T0 + timedelta(days=1), "100"),  # in the window
            _order("o2", "c4", T0 + timedelta(days=2), "60"),
            _order("o3", "c5", T0 + timedelta(days=9), "40"),  # too late
            _order("o4", "zz", T0 + timedelta(days=3), "25", campaign="spring"),  # tagged
            _order("o5", "c6", T0 + timedelta(days=1), "999", status="refunded"),
            _order("o6", "c1", T0 - timedelta(days=1), "30")])  # before the send
    return store


def test_campaign_performance_from_the_store(shop: StateStore) -> None:
    service = CampaignService(shop, clock=lambda: T0 + timedelta(days=10))
    outcome = service.handle(AnalyzeCampaignPerformance(tenant=TENANT, campaign_id="spring",
                                                        actor="analyst"))
    report = outcome.report
    assert report is not None
    assert (report["messages"], report["recipients"]) == (10, 9)
    assert (report["sent"], report["opened"], report["clicked"]) == (4, 2, 1)
    assert report["open_rate"] == 0.5
    assert (report["conversions"], report["orders"], report["revenue"]) == (3, 3, "185.0000")
    assert report["spend"] == "50"
    assert report["roi"] == pytest.approx((185 - 50) / 50)
    assert report["cost_per_conversion"] == "16.67"
    ab = report["ab_test"]
    assert ab["contaminated_contacts"] == 1
    assert [(v["name"], v["exposures"], v["conversions"]) for v in ab["variants"]] == [
        ("a", 4, 1), ("b", 4, 1)]
    assert ab["verdict"] == "insufficient_sample"
    assert outcome.events[0].type == "CampaignPerformanceAnalyzed"
    assert outcome.events[0].payload["revenue"] == "185.0000"


def test_ab_metric_clicks_and_opens(shop: StateStore) -> None:
    campaign = CampaignService(shop).get(TENANT, "spring")
    with shop.engine.begin() as conn:  # a click whose webhook did not name the contact
        conn.execute(t.engagement_events.insert(), [_event("e8", "m5", None, "clicked")])
        conn.execute(t.orders.insert(), [  # tagged: counts whenever after the first message
            _order("o8", "c1", T0 + timedelta(days=20), "15", campaign="spring")])
    with shop.engine.connect() as conn:
        opens = campaign_performance(conn, campaign, as_of=T0, ab_metric="open").ab
        clicks = campaign_performance(conn, campaign, as_of=T0, ab_metric="click").ab
        attributed = campaign_performance(conn, campaign, as_of=T0, ab_metric="attributed").ab
    assert opens is not None
    assert clicks is not None
    assert [v.conversions for v in opens.counts] == [1, 1]
    assert [v.conversions for v in clicks.counts] == [1, 1]
    assert attributed is not None
    # c1's tagged order counts; o4's buyer got no message and is no exposure
    assert [v.conversions for v in attributed.counts] == [1, 0]


def test_tenant_kpis_and_segment_uplift_from_the_store(shop: StateStore) -> None:
    as_of = T0 + timedelta(days=10)
    with shop.engine.begin() as conn:
        conn.execute(t.carts.insert(), [
            {"tenant": TENANT, "id": "k1", "contact_id": "c0", "status": "active",
             "updated_at": T0 - timedelta(hours=5)},
            {"tenant": TENANT, "id": "k2", "contact_id": "c7", "status": "active",
             "updated_at": T0}])
        conn.execute(t.segment_members.insert(), [
            {"tenant": TENANT, "segment": "vip", "contact_id": c, "entered_at": T0}
            for c in ("c0", "c1", "c4", "h1", "h2", "h3")])
        conn.execute(t.orders.insert(), [_order("o7", "h1", T0 + timedelta(days=1), "5")])
    with shop.engine.connect() as conn:
        kpis = tenant_kpis(conn, TENANT, as_of=as_of)
        uplift = segment_uplift(conn, TENANT, "vip", "spring", since=T0, until=as_of)
    assert kpis.engagement.open_rate == Rate(2, 4)
    # k1 is recovered by c0's order the next day (no cart link, same contact); k2 is not
    assert kpis.cart_recovery.rate == Rate(1, 2)
    assert kpis.as_dict()["cart_recovery_rate"]["value"] == 0.5
    assert uplift.treated == Rate(2, 3)  # c0 and c4 ordered; c1's order predates the period
    assert uplift.holdout == Rate(1, 3)


# --- properties -------------------------------------------------------------------------------

_kinds = st.sampled_from([k.value for k in EngagementType])


@given(st.lists(st.tuples(st.integers(0, 20), _kinds), max_size=200))
def test_engagement_counts_are_consistent(events: list[tuple[int, str]]) -> None:
    summary = summarise_engagement(Engagement(f"m{m}", kind) for m, kind in events)
    accepted = {m for m, kind in events if kind != "failed"}
    assert summary.sent == len(accepted)
    assert summary.opened <= summary.sent
    assert summary.clicked <= summary.sent
    for rate in (summary.open_rate, summary.click_rate):
        assert rate.value is None or 0 <= rate.value <= 1


_hours = st.floats(0, 24 * 30, allow_nan=False)


@given(carts=st.lists(st.tuples(st.integers(0, 5), _hours, st.booleans()), max_size=30),
       orders=st.lists(st.tuples(st.integers(0, 5), _hours, st.one_of(st.none(),
                                                                      st.integers(0, 29))),
                       max_size=30),
       end=_hours, later=_hours)
def test_cart_recovery_is_bounded_and_grows_with_time(
        carts: list[tuple[int, float, bool]], orders: list[tuple[int, float, int | None]],
        end: float, later: float) -> None:
    records = [CartRecord(f"k{i}", f"c{c}", T0 + timedelta(hours=h), cleared)
               for i, (c, h, cleared) in enumerate(carts)]
    placed = [order(f"o{i}", f"c{c}", T0 + timedelta(hours=h),
                    cart_id=None if k is None else f"k{k}")
              for i, (c, h, k) in enumerate(orders)]
    now = cart_recovery(records, placed, as_of=T0 + timedelta(hours=end))
    then = cart_recovery(records, placed, as_of=T0 + timedelta(hours=end + later))
    assert 0 <= now.recovered <= now.abandoned <= len(records)
    assert set(now.recovered_cart_ids) <= {c.id for c in records if not c.cleared}
    assert now.abandoned <= then.abandoned
    assert set(now.recovered_cart_ids) <= set(then.recovered_cart_ids)
