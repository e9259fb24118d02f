"""Engagement as touchpoints: an email or SMS opened or clicked is an interaction with
marketing, on the message's channel and credited to its campaign (or trigger).

The send path records them (`engagement_events`, from the providers' webhooks), so they are
read from there; loading them into `touchpoints` as well would count each twice.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from hub.marketing.attribution.records import Touchpoint
from hub.model import EngagementType
from hub.store import tables as t

TOUCHING = (EngagementType.OPENED.value, EngagementType.CLICKED.value)


def engagement_touchpoints(conn: sa.Connection, tenant: str, *, since: datetime | None = None,
                           until: datetime | None = None) -> list[Touchpoint]:
    """Opens and clicks in [since, until] of messages to a known contact."""
    e = t.engagement_events.c
    stmt = (sa.select(e.contact_id, e.occurred_at, e.channel, e.campaign_id)
            .where(e.tenant == tenant, e.type.in_(TOUCHING), e.contact_id.is_not(None))
            .order_by(e.occurred_at, e.id))
    if since is not None:
        stmt = stmt.where(e.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(e.occurred_at <= until)
    return [Touchpoint(r.contact_id, r.occurred_at, r.channel, r.campaign_id)
            for r in conn.execute(stmt)]
