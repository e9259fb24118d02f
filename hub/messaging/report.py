"""A campaign's send funnel and its refusals, from the send path's own tables.

    sent → delivered → opened → clicked   (distinct messages; conversions come from orders)
    refused: suppressed 120, capped 45, no consent 300
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hub.model.messaging import EngagementType
from hub.store import tables as t

STAGES = (EngagementType.DELIVERED, EngagementType.OPENED, EngagementType.CLICKED)


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

    def refusals(self) -> str:
        """`suppressed 120, capped 45, no consent 300` (largest first), or `none`."""
        ranked = sorted(self.refused.items(), key=lambda kv: (-kv[1], kv[0]))
        return ", ".join(f"{reason.replace('_', ' ')} {n:,}" for reason, n in ranked) or "none"

    def as_dict(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "intents": self.intents,
                "queued": self.queued, "sent": self.sent, "delivered": self.delivered,
                "opened": self.opened, "clicked": self.clicked, "failed": self.failed,
                "refused": dict(self.refused)}


def send_funnel(conn: sa.Connection, tenant: str, campaign_id: str) -> SendFunnel:
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
                      statuses.get("failed", 0), refused)


def _counts(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in rows}
