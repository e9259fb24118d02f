"""Messages the hub sends, the engagement that comes back, and marketing touchpoints."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field

from hub.model.base import NonEmpty, TenantRecord, UtcDatetime, utcnow
from hub.model.people import Channel


class Message(TenantRecord):
    """An intent to send one message to one contact; the idempotency key makes it send once."""

    id: NonEmpty
    channel: Channel
    contact_id: NonEmpty
    to: NonEmpty = Field(description="address on the channel: an email or an E.164 number")
    campaign_id: str | None = None
    variant: str | None = None
    template: str | None = None
    subject: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: NonEmpty
    created_at: UtcDatetime = Field(default_factory=utcnow)


class EngagementType(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    DEFERRED = "deferred"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED_SOFT = "bounced_soft"
    BOUNCED_HARD = "bounced_hard"
    COMPLAINED = "complained"
    UNSUBSCRIBED = "unsubscribed"
    FAILED = "failed"
    REPLIED = "replied"


# When statuses arrive out of order, the one ranked higher wins (a late "delivered" never
# overwrites "bounced_hard"); opens and clicks are engagement, not delivery states.
DELIVERY_PRECEDENCE: dict[EngagementType, int] = {
    EngagementType.SENT: 1,
    EngagementType.DEFERRED: 2,
    EngagementType.DELIVERED: 3,
    EngagementType.BOUNCED_SOFT: 4,
    EngagementType.FAILED: 5,
    EngagementType.BOUNCED_HARD: 6,
    EngagementType.COMPLAINED: 7,
}


class EngagementEvent(TenantRecord):
    id: NonEmpty
    type: EngagementType
    channel: Channel
    contact_id: str | None = None
    message_id: str | None = None
    campaign_id: str | None = None
    variant: str | None = None
    provider: NonEmpty
    provider_event_id: NonEmpty = Field(description="the provider's id, used to drop duplicates")
    provider_message_id: str | None = None
    url: str | None = None
    reason: str | None = None
    occurred_at: UtcDatetime


class Touchpoint(TenantRecord):
    """A contact's interaction with marketing, credited by attribution models."""

    id: NonEmpty
    contact_id: NonEmpty
    channel: NonEmpty = Field(description="e.g. email, sms, paid_search, organic, direct")
    campaign_id: str | None = None
    kind: str | None = Field(default=None, description="e.g. open, click, visit, form")
    occurred_at: UtcDatetime
    value: Decimal | None = None
