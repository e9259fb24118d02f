"""Campaigns (seed US-003-02 data model), their status machine, variants and segments."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from hub.errors import DomainRuleError
from hub.model.base import HubModel, NonEmpty, TenantRecord, UtcDatetime
from hub.model.people import Channel


class CampaignType(StrEnum):
    ENROLLMENT = "enrollment"
    RETENTION = "retention"
    EVENT = "event"
    NURTURE = "nurture"
    PROMOTION = "promotion"
    WIN_BACK = "win_back"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"


# draft → scheduled → running ⇄ paused → completed; a scheduled campaign may go back to draft.
TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.SCHEDULED}),
    CampaignStatus.SCHEDULED: frozenset({CampaignStatus.RUNNING, CampaignStatus.DRAFT}),
    CampaignStatus.RUNNING: frozenset({CampaignStatus.PAUSED, CampaignStatus.COMPLETED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.RUNNING, CampaignStatus.COMPLETED}),
    CampaignStatus.COMPLETED: frozenset(),
}


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CreativeApproval(HubModel):
    status: ApprovalStatus = ApprovalStatus.PENDING
    approved_by: str | None = None
    decided_at: UtcDatetime | None = None


class Variant(HubModel):
    """One arm of an A/B test: a name, a weight and what differs (subject, template …)."""

    name: NonEmpty
    weight: float = Field(default=1.0, gt=0)
    subject: str | None = None
    template: str | None = None


class Campaign(TenantRecord):
    id: NonEmpty
    name: NonEmpty
    type: CampaignType
    status: CampaignStatus = CampaignStatus.DRAFT
    objective: str | None = None
    budget: Decimal | None = Field(default=None, ge=0)
    spend: Decimal = Field(default=Decimal(0), ge=0)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    channels: list[Channel] = Field(default_factory=list)
    start_at: UtcDatetime | None = None
    end_at: UtcDatetime | None = None
    audience_segment: str | None = None
    audience_size: int | None = Field(default=None, ge=0)
    variants: list[Variant] = Field(default_factory=list)
    creative: CreativeApproval = Field(default_factory=CreativeApproval)
    created_by: str | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        names = [v.name for v in self.variants]
        if len(names) != len(set(names)):
            raise ValueError("variant names must be unique")
        return self

    def transition(self, to: CampaignStatus) -> Campaign:
        """Return a copy in status `to`, or refuse an illegal move with the reason."""
        if to not in TRANSITIONS[self.status]:
            allowed = ", ".join(sorted(TRANSITIONS[self.status])) or "none (it is final)"
            raise DomainRuleError(
                "campaign.status",
                f"campaign {self.id!r} cannot go from {self.status} to {to}; "
                f"from {self.status} it may go to: {allowed}",
            )
        return self.model_copy(update={"status": to})


class Segment(TenantRecord):
    """A named audience; its criteria tree is interpreted by the segment service."""

    name: NonEmpty
    description: str | None = None
    criteria: dict[str, Any] = Field(default_factory=dict)
    for_messaging: bool = True
