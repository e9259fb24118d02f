"""The records the KPIs need, read from the state store, and the tenant-wide KPI report.

Revenue is that of completed orders (`hub.marketing.common.orders`). Every reader takes an
open connection and a tenant; none of them writes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hub.marketing.common.orders import completed_orders
from hub.marketing.kpis.formulas import (
    CART_INACTIVITY,
    RECOVERY_WINDOW,
    WIN_BACK_WINDOW,
    CartRecord,
    CartRecovery,
    Engagement,
    EngagementSummary,
    PromotionCredit,
    Rate,
    Uplift,
    cart_recovery,
    conversion_uplift,
    promotion_attribution,
    summarise_by_variant,
    summarise_engagement,
    win_back_rate,
)
from hub.model import CampaignType
from hub.store import tables as t


def campaign_engagement(conn: sa.Connection, tenant: str, campaign_id: str) -> list[Engagement]:
    e = t.engagement_events.c
    rows = conn.execute(
        sa.select(e.id, e.message_id, e.type, e.contact_id, e.variant)
        .where(e.tenant == tenant, e.campaign_id == campaign_id))
    return [Engagement(r.message_id or r.id, r.type, r.contact_id, r.variant) for r in rows]


def campaign_rates(conn: sa.Connection, tenant: str, campaign_id: str
                   ) -> dict[str | None, EngagementSummary]:
    """The campaign's engagement per A/B variant (None: messages without one): open, click,
    bounce, complaint and unsubscribe rates over the messages sent, from the events the
    providers reported."""
    return summarise_by_variant(campaign_engagement(conn, tenant, campaign_id))


def first_messages(conn: sa.Connection, tenant: str,
                   campaign_ids: Collection[str]) -> dict[str, datetime]:
    """Each contact's first message from any of the campaigns."""
    m = t.messages.c
    if not campaign_ids:
        return {}
    rows = conn.execute(
        sa.select(m.contact_id, sa.func.min(m.created_at).label("first"))
        .where(m.tenant == tenant, m.campaign_id.in_(sorted(campaign_ids)))
        .group_by(m.contact_id))
    return {r.contact_id: r.first for r in rows}


def campaigns_of_type(conn: sa.Connection, tenant: str, kind: CampaignType) -> list[str]:
    c = t.campaigns.c
    rows = conn.execute(sa.select(c.id).where(c.tenant == tenant, c.type == kind.value))
    return [r.id for r in rows]


def carts(conn: sa.Connection, tenant: str) -> list[CartRecord]:
    c = t.carts.c
    rows = conn.execute(sa.select(c.id, c.contact_id, c.updated_at, c.status)
                        .where(c.tenant == tenant).order_by(c.id))
    return [CartRecord(r.id, r.contact_id, r.updated_at, cleared=r.status == "cleared")
            for r in rows]


def segment_members(conn: sa.Connection, tenant: str, segment: str) -> set[str]:
    s = t.segment_members.c
    rows = conn.execute(sa.select(s.contact_id).where(s.tenant == tenant, s.segment == segment))
    return {r.contact_id for r in rows}


def promotion_revenue(conn: sa.Connection, tenant: str, *, since: datetime | None = None,
                      until: datetime | None = None) -> dict[str, PromotionCredit]:
    p, a = t.promotions.c, t.applied_promotions.c
    campaigns = {r.id: r.campaign_id for r in conn.execute(
        sa.select(p.id, p.campaign_id).where(p.tenant == tenant))}
    applied = [(r.order_id, r.promotion_id, Decimal(r.discount)) for r in conn.execute(
        sa.select(a.order_id, a.promotion_id, a.discount).where(a.tenant == tenant))]
    orders = completed_orders(conn, tenant, since=since, until=until)
    return promotion_attribution(orders, applied, campaigns)


def segment_uplift(conn: sa.Connection, tenant: str, segment: str, campaign_id: str, *,
                   since: datetime, until: datetime) -> Uplift:
    """Conversion of the segment's members the campaign messaged, against those it did not.

    The members it never messaged are the holdout: hold a share of the segment out (an A/B
    variant that sends nothing) to make this a controlled comparison rather than a baseline.
    A member converts with a completed order placed in [since, until].
    """
    members = segment_members(conn, tenant, segment)
    messaged = set(first_messages(conn, tenant, [campaign_id])) & members
    ordered = {o.contact_id for o in completed_orders(conn, tenant, since=since, until=until,
                                                      contact_ids=members)}
    return conversion_uplift(messaged, members - messaged, ordered)


@dataclass(frozen=True)
class TenantKpis:
    """The seed's KPI table for one tenant and period."""

    as_of: datetime
    period: timedelta
    engagement: EngagementSummary
    cart_recovery: CartRecovery
    win_back: Rate
    promotion_revenue: dict[str, PromotionCredit]

    def as_dict(self) -> dict[str, Any]:
        def rate(r: Rate) -> dict[str, Any]:
            return {"numerator": r.numerator, "denominator": r.denominator, "value": r.value}

        return {
            "as_of": self.as_of.isoformat(), "period_days": self.period / timedelta(days=1),
            "open_rate": rate(self.engagement.open_rate),
            "click_rate": rate(self.engagement.click_rate),
            "bounce_rate": rate(self.engagement.bounce_rate),
            "unsubscribe_rate": rate(self.engagement.unsubscribe_rate),
            "cart_recovery_rate": rate(self.cart_recovery.rate),
            "cart_recovered_revenue": str(self.cart_recovery.recovered_revenue),
            "churn_win_back_rate": rate(self.win_back),
            "promotion_revenue": {c: {"orders": v.orders, "revenue": str(v.revenue),
                                      "discount": str(v.discount)}
                                  for c, v in self.promotion_revenue.items()},
        }


def tenant_kpis(conn: sa.Connection, tenant: str, *, as_of: datetime,
                period: timedelta = timedelta(days=30)) -> TenantKpis:
    """Open and click rates over the period's engagement, carts abandoned by `as_of`,
    win-back over messages of win-back campaigns, promotion revenue over the period."""
    since = as_of - period
    e = t.engagement_events.c
    engagement = summarise_engagement(
        Engagement(r.message_id or r.id, r.type, r.contact_id) for r in conn.execute(
            sa.select(e.id, e.message_id, e.type, e.contact_id).where(
                e.tenant == tenant, e.occurred_at >= since, e.occurred_at <= as_of)))
    orders = completed_orders(conn, tenant, since=since - RECOVERY_WINDOW, until=as_of)
    recovery = cart_recovery([c for c in carts(conn, tenant) if c.last_activity_at >= since],
                             orders, as_of=as_of, inactivity=CART_INACTIVITY)
    recipients = {c: at for c, at in first_messages(
        conn, tenant, campaigns_of_type(conn, tenant, CampaignType.WIN_BACK)).items()
        if since <= at <= as_of}
    return TenantKpis(
        as_of=as_of, period=period, engagement=engagement, cart_recovery=recovery,
        win_back=win_back_rate(recipients, orders, window=WIN_BACK_WINDOW),
        promotion_revenue=promotion_revenue(conn, tenant, since=since, until=as_of),
    )
