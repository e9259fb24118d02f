"""A campaign's send funnel and its refusals, from the send path's own tables.

    sent → delivered → opened → clicked → converted
    refused: suppressed 120, capped 45, no consent 300

Stages count distinct messages; `converted` counts the contacts who placed a completed order
(paid or completed) after their first click on the campaign and within the attribution
window of that click (7 days unless told).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hub.model.messaging import EngagementType
from hub.store import tables as t

STAGES = (EngagementType.DELIVERED, EngagementType.OPENED, EngagementType.CLICKED)
ATTRIBUTION_WINDOW = timedelta(days=7)
ORDERED = ("paid", "completed")  # hub.marketing.common.orders' completed orders


@dataclass(frozen=True)
class SendFunnel:
    campaign_id: str
    intents: int
    queued: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    failed: int
    refused: dict[str, int] = field(default_factory=dict)
    converted: int = 0

    def refusals(self) -> str:
        """`suppressed 120, capped 45, no consent 300` (largest first), or `none`."""
        ranked = sorted(self.refused.items(), key=lambda kv: (-kv[1], kv[0]))
        return ", ".join(f"{reason.replace('_', ' ')} {n:,}" for reason, n in ranked) or "none"

    def as_dict(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "intents": self.intents,
                "queued": self.queued, "sent": self.sent, "delivered": self.delivered,
                "opened": self.opened, "clicked": self.clicked, "converted": self.converted,
                "failed": self.failed, "refused": dict(self.refused)}


def send_funnel(conn: sa.Connection, tenant: str, campaign_id: str, *,
                window: timedelta = ATTRIBUTION_WINDOW) -> SendFunnel:
    m, e, r = t.messages.c, t.engagement_events.c, t.message_refusals.c
    statuses = _counts(conn.execute(
        sa.select(m.status, sa.func.count()).where(m.tenant == tenant,
                                                   m.campaign_id == campaign_id)
        .group_by(m.status)))
    engaged = _counts(conn.execute(
        sa.select(e.type, sa.func.count(sa.distinct(e.message_id))).where(
            e.tenant == tenant, e.campaign_id == campaign_id,
            e.type.in_([s.value for s in STAGES])).group_by(e.type)))
    refused = _counts(conn.execute(
        sa.select(r.reason, sa.func.count()).where(r.tenant == tenant,
                                                   r.campaign_id == campaign_id)
        .group_by(r.reason)))
    return SendFunnel(campaign_id, sum(statuses.values()),
                      statuses.get("queued", 0) + statuses.get("reserved", 0),
                      statuses.get("sent", 0), engaged.get("delivered", 0),
                      engaged.get("opened", 0), engaged.get("clicked", 0),
                      statuses.get("failed", 0), refused,
                      converted_after_click(conn, tenant, campaign_id, window))


def converted_after_click(conn: sa.Connection, tenant: str, campaign_id: str,
                          window: timedelta) -> int:
    """Contacts with a completed order placed after their first click on the campaign, at
    most `window` later."""
    e, o = t.engagement_events.c, t.orders.c
    clicks = (sa.select(e.contact_id, sa.func.min(e.occurred_at).label("clicked_at"))
              .where(e.tenant == tenant, e.campaign_id == campaign_id,
                     e.type == EngagementType.CLICKED.value, e.contact_id.is_not(None))
              .group_by(e.contact_id).subquery())
    rows = conn.execute(
        sa.select(clicks.c.contact_id, clicks.c.clicked_at, o.placed_at)
        .join(t.orders, sa.and_(o.tenant == tenant, o.contact_id == clicks.c.contact_id))
        .where(o.status.in_(ORDERED), o.placed_at >= clicks.c.clicked_at))
    # the window is compared here: date arithmetic differs between SQLite and PostgreSQL
    return len({row.contact_id for row in rows
                if _aware(row.placed_at) <= _aware(row.clicked_at) + window})


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _counts(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in rows}
