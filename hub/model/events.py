"""The domain-event envelope and the event types the seeds name."""

from __future__ import annotations

from typing import Any, Final
from uuid import uuid4

from pydantic import Field

from hub.model.base import HubModel, NonEmpty, UtcDatetime, utcnow

# Campaign lifecycle (event storming): past-tense names, as the business speaks them.
CAMPAIGN_LAUNCHED: Final = "CampaignLaunched"
CAMPAIGN_PERFORMANCE_ANALYZED: Final = "CampaignPerformanceAnalyzed"
CAMPAIGN_BUDGET_ALLOCATED: Final = "CampaignBudgetAllocated"
TARGET_AUDIENCE_DEFINED: Final = "TargetAudienceDefined"
TARGET_AUDIENCE_SEGMENTED: Final = "TargetAudienceSegmented"
CAMPAIGN_CREATIVE_APPROVED: Final = "CampaignCreativeApproved"
# Commerce and engagement taxonomy (dotted names, as the platform emits them).
ORDER_CREATED: Final = "order.created"
CART_UPDATED: Final = "cart.updated"
CUSTOMER_SEGMENTED: Final = "customer.segmented"
PROMOTION_REDEEMED: Final = "promotion.redeemed"
EMAIL_SENT: Final = "email.sent"
EMAIL_OPEN: Final = "email.open"
EMAIL_CLICK: Final = "email.click"

EVENT_TYPES: Final = frozenset({
    CAMPAIGN_LAUNCHED, CAMPAIGN_PERFORMANCE_ANALYZED, CAMPAIGN_BUDGET_ALLOCATED,
    TARGET_AUDIENCE_DEFINED, TARGET_AUDIENCE_SEGMENTED, CAMPAIGN_CREATIVE_APPROVED,
    ORDER_CREATED, CART_UPDATED, CUSTOMER_SEGMENTED, PROMOTION_REDEEMED,
    EMAIL_SENT, EMAIL_OPEN, EMAIL_CLICK,
})


def new_event_id() -> str:
    return uuid4().hex


class DomainEvent(HubModel):
    """Envelope of every event the hub emits or consumes; `key` orders events of one entity."""

    id: NonEmpty = Field(default_factory=new_event_id)
    type: NonEmpty
    tenant: NonEmpty
    key: NonEmpty = Field(description="the entity the event is about; partitions and orders events")
    occurred_at: UtcDatetime = Field(default_factory=utcnow)
    correlation_id: str | None = None
    causation_id: str | None = None
    version: int = Field(default=1, ge=1)
    payload: dict[str, Any] = Field(default_factory=dict)

    def caused(self, type: str, key: str, payload: dict[str, Any]) -> DomainEvent:
        """A follow-up event that keeps the correlation chain intact."""
        return DomainEvent(
            type=type, tenant=self.tenant, key=key, payload=payload,
            correlation_id=self.correlation_id or self.id, causation_id=self.id,
        )
