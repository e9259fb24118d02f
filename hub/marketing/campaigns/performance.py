"""How a campaign performed, from the store: sends, engagement, conversions, revenue, ROI, A/B.

Definitions (the campaign report and the CampaignPerformanceAnalyzed event use these):
- recipients: distinct contacts with a message of the campaign (the `messages` table; an
  intent the gate refused or the provider failed reached no one and is not counted);
- open and click rates: `kpis.summarise_engagement` over the campaign's engagement events;
- a conversion: a completed order tagged with the campaign, or placed by a recipient
  within `window` after their first message; each order counts once;
- ROI: (revenue - spend) / spend, none while nothing has been spent;
- promotion revenue: orders placed since the launch that used one of the campaign's codes;
- A/B: each contact counts under the variant of their messages; a contact who received two
  variants is left out (and counted as contaminated), since either could have caused the
  outcome. The metric is an order within the window ("order"), an order tagged with the
  campaign after the first message ("attributed": fewer conversions, but only those the
  campaign is known to have caused), a click, or an open.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from hub.errors import ConfigError
from hub.marketing.common.orders import OrderRecord, completed_orders
from hub.marketing.experiments import Evaluation, VariantCounts, evaluate
from hub.marketing.kpis import (
    EngagementSummary,
    PromotionCredit,
    campaign_engagement,
    promotion_revenue,
    summarise_engagement,
)
from hub.model import Campaign, EngagementType
from hub.store import tables as t

Metric = Literal["order", "attributed", "click", "open"]
METRICS: tuple[Metric, ...] = ("order", "attributed", "click", "open")
DEFAULT_WINDOW = timedelta(days=7)
UNSENT = ("refused", "failed")  # intents that reached no one (hub.messaging)


@dataclass(frozen=True)
class Exposure:
    variant: str | None
    first_at: datetime


def exposures(conn: sa.Connection, tenant: str, campaign_id: str
              ) -> tuple[dict[str, Exposure], int]:
    """Per contact: their variant (None without one, or with several) and first message; and
    how many contacts received more than one variant."""
    m = t.messages.c
    # aggregated in the database: one row per contact instead of one per message
    rows = conn.execute(
        sa.select(m.contact_id, sa.func.min(m.created_at).label("first_at"),
                  sa.func.min(m.variant).label("low"), sa.func.max(m.variant).label("high"))
        .where(m.tenant == tenant, m.campaign_id == campaign_id, m.status.not_in(UNSENT))
        .group_by(m.contact_id))
    seen: dict[str, Exposure] = {}
    mixed = 0
    for contact, first_at, low, high in rows:
        mixed += low != high
        seen[contact] = Exposure(low if low == high else None, first_at)
    return seen, mixed


def converted_orders(conn: sa.Connection, tenant: str, campaign_id: str,
                     seen: dict[str, Exposure], window: timedelta) -> list[OrderRecord]:
    """Orders tagged with the campaign, or by a recipient within the window of a first send."""
    chosen = {x.id: x for x in completed_orders(conn, tenant, campaign_id=campaign_id)}
    if seen:
        # one range scan, filtered here, beats a query per chunk of recipients
        firsts = [e.first_at for e in seen.values()]
        for x in completed_orders(conn, tenant, since=min(firsts), until=max(firsts) + window):
            exposure = seen.get(x.contact_id)
            if exposure is not None and \
                    exposure.first_at <= x.placed_at <= exposure.first_at + window:
                chosen[x.id] = x
    return sorted(chosen.values(), key=lambda x: (x.placed_at, x.id))


def engaged_contacts(conn: sa.Connection, tenant: str, campaign_id: str, kind: EngagementType
                     ) -> set[str]:
    """Contacts with an engagement event of `kind` for the campaign (through its message
    when the event itself does not name the contact)."""
    e, m = t.engagement_events.c, t.messages.c
    joined = t.engagement_events.outerjoin(
        t.messages, sa.and_(m.tenant == e.tenant, m.id == e.message_id))
    rows = conn.execute(
        sa.select(sa.func.coalesce(e.contact_id, m.contact_id)).select_from(joined)
        .where(e.tenant == tenant, e.campaign_id == campaign_id, e.type == kind.value)
        .distinct())
    return {contact for (contact,) in rows if contact is not None}


@dataclass(frozen=True)
class ABData:
    counts: tuple[VariantCounts, ...]
    weights: dict[str, float] | None
    contaminated: int
    metric: Metric


def ab_counts(conn: sa.Connection, campaign: Campaign, *, metric: Metric = "order",
              window: timedelta = DEFAULT_WINDOW) -> ABData:
    """Exposed and converted contacts per variant, in the campaign's variant order."""
    if metric not in METRICS:
        raise ConfigError(f"unknown A/B metric {metric!r}; choose one of {', '.join(METRICS)}")
    seen, mixed = exposures(conn, campaign.tenant, campaign.id)
    if metric == "order":
        converted = {x.contact_id for x in converted_orders(conn, campaign.tenant, campaign.id,
                                                            seen, window)}
    elif metric == "attributed":
        converted = {x.contact_id for x in completed_orders(conn, campaign.tenant,
                                                            campaign_id=campaign.id)
                     if x.contact_id in seen and x.placed_at >= seen[x.contact_id].first_at}
    else:
        kind = EngagementType.CLICKED if metric == "click" else EngagementType.OPENED
        converted = engaged_contacts(conn, campaign.tenant, campaign.id, kind)
    exposed: dict[str, set[str]] = defaultdict(set)
    for contact, exposure in seen.items():
        if exposure.variant is not None:
            exposed[exposure.variant].add(contact)
    planned = [v.name for v in campaign.variants]
    names = planned + sorted(set(exposed) - set(planned))
    counts = tuple(VariantCounts(n, len(exposed[n]), len(exposed[n] & converted)) for n in names)
    weights = {v.name: v.weight for v in campaign.variants} if names == planned else None
    return ABData(counts, weights, mixed, metric)


def ab_evaluation(data: ABData) -> Evaluation | None:
    """The verdict, or None while fewer than two variants have been sent."""
    if len(data.counts) < 2:
        return None
    return evaluate(data.counts, weights=data.weights)


@dataclass(frozen=True)
class CampaignPerformance:
    campaign: Campaign
    as_of: datetime
    window: timedelta
    messages: int
    recipients: int
    engagement: EngagementSummary
    conversions: int  # converting contacts
    orders: int
    revenue: Decimal
    promotion: PromotionCredit | None
    ab: ABData | None
    evaluation: Evaluation | None

    @property
    def roi(self) -> float | None:
        spend = self.campaign.spend
        return float((self.revenue - spend) / spend) if spend else None

    @property
    def cost_per_conversion(self) -> Decimal | None:
        return (self.campaign.spend / self.conversions).quantize(Decimal("0.01")) \
            if self.conversions else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: the event payload and `hub report campaign --format json`."""
        c, e = self.campaign, self.engagement

        def money(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        ab: dict[str, Any] | None = None
        if self.ab is not None:
            ab = {"metric": self.ab.metric, "contaminated_contacts": self.ab.contaminated,
                  "variants": [{"name": v.name, "exposures": v.exposures,
                                "conversions": v.conversions, "rate": v.rate}
                               for v in self.ab.counts]}
            if self.evaluation is not None:
                ab |= {"verdict": self.evaluation.verdict.value,
                       "winner": self.evaluation.winner, "reason": self.evaluation.reason}
        return {
            "campaign_id": c.id, "name": c.name, "status": c.status.value,
            "as_of": self.as_of.isoformat(), "window_days": self.window / timedelta(days=1),
            "currency": c.currency, "budget": money(c.budget), "spend": money(c.spend),
            "remaining_budget": money(None if c.budget is None else c.budget - c.spend),
            "messages": self.messages, "recipients": self.recipients,
            "sent": e.sent, "delivered": e.delivered, "opened": e.opened, "clicked": e.clicked,
            "bounced": e.bounced, "complained": e.complained, "unsubscribed": e.unsubscribed,
            "open_rate": e.open_rate.value, "click_rate": e.click_rate.value,
            "conversions": self.conversions, "orders": self.orders,
            "revenue": money(self.revenue), "roi": self.roi,
            "cost_per_conversion": money(self.cost_per_conversion),
            "promotion_revenue": None if self.promotion is None else {
                "orders": self.promotion.orders, "revenue": money(self.promotion.revenue),
                "discount": money(self.promotion.discount)},
            "ab_test": ab,
        }


def campaign_performance(conn: sa.Connection, campaign: Campaign, *, as_of: datetime,
                         window: timedelta = DEFAULT_WINDOW,
                         ab_metric: Metric = "order") -> CampaignPerformance:
    m = t.messages.c
    messages = int(conn.execute(sa.select(sa.func.count()).where(
        m.tenant == campaign.tenant, m.campaign_id == campaign.id,
        m.status.not_in(UNSENT))).scalar_one())
    seen, _ = exposures(conn, campaign.tenant, campaign.id)
    orders = converted_orders(conn, campaign.tenant, campaign.id, seen, window)
    ab = ab_counts(conn, campaign, metric=ab_metric, window=window) if campaign.variants else None
    return CampaignPerformance(
        campaign=campaign, as_of=as_of, window=window, messages=messages,
        recipients=len(seen),
        engagement=summarise_engagement(campaign_engagement(conn, campaign.tenant, campaign.id)),
        conversions=len({x.contact_id for x in orders}), orders=len(orders),
        revenue=sum((x.total for x in orders), Decimal(0)),
        promotion=promotion_revenue(conn, campaign.tenant, since=campaign.start_at,
                                    until=as_of).get(campaign.id),
        ab=ab, evaluation=None if ab is None else ab_evaluation(ab),
    )
