"""The campaign commands (event storming, seed 000) and what each one asks for.

A command names its tenant, the campaign, and the person or system issuing it (`actor`, which
the audit trail records). Commands are validated on construction, so a handler only ever sees
well-formed requests; whether the business allows them is the handler's question.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pydantic import Field, field_validator

from hub.model import Campaign, CampaignStatus, HubModel, Variant
from hub.model.base import NonEmpty


class CampaignCommand(HubModel):
    """What every command about one campaign carries."""

    tenant: NonEmpty = "default"
    campaign_id: NonEmpty
    actor: NonEmpty = Field(description="who asks: a user id, or a system name")
    correlation_id: str | None = Field(
        default=None, description="carried into the events, to follow one request end to end"
    )


class CreateCampaign(HubModel):
    """Register a campaign as a draft; every other command acts on an existing campaign."""

    actor: NonEmpty
    campaign: Campaign
    correlation_id: str | None = None

    @field_validator("campaign")
    @classmethod
    def _draft(cls, campaign: Campaign) -> Campaign:
        if campaign.status is not CampaignStatus.DRAFT:
            raise ValueError(f"a new campaign starts as a draft, not {campaign.status}")
        if campaign.spend:
            raise ValueError("a new campaign has spent nothing yet")
        return campaign


class DefineTargetAudience(CampaignCommand):
    """Aim the campaign at a segment. Without `size`, the segment's stored members are counted."""

    segment: NonEmpty
    size: int | None = Field(default=None, ge=0)


class SegmentTargetAudience(CampaignCommand):
    """Split the audience into variants (the arms of an A/B test), each with its weight."""

    variants: list[Variant] = Field(min_length=2)

    @field_validator("variants")
    @classmethod
    def _unique(cls, variants: list[Variant]) -> list[Variant]:
        names = [v.name for v in variants]
        if len(names) != len(set(names)):
            raise ValueError(f"variant names must be unique, got {names}")
        return variants


class AllocateCampaignBudget(CampaignCommand):
    """Set the campaign's budget (replacing an earlier allocation)."""

    amount: Decimal = Field(gt=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class ApproveCampaignCreative(CampaignCommand):
    """Record the creative review's decision; `approved=False` records a rejection."""

    approved: bool = True
    note: str | None = None


class LaunchCampaign(CampaignCommand):
    """Start a draft or scheduled campaign now."""


class RecordCampaignSpend(CampaignCommand):
    """Money spent on the campaign (media, sends, production). Over budget, it pauses itself."""

    amount: Decimal = Field(gt=0)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    reference: str | None = Field(default=None, description="an invoice or cost-line id")


class ChangeCampaignStatus(CampaignCommand):
    """Pause, resume, complete, schedule or unschedule: only the legal moves are accepted."""

    to: CampaignStatus


class AnalyzeCampaignPerformance(CampaignCommand):
    """Measure the campaign (sends, engagement, conversions, revenue, ROI, A/B) and publish it."""

    conversion_window: timedelta = Field(
        default=timedelta(days=7),
        description="an order this long after a contact's first message counts as a conversion",
    )

    @field_validator("conversion_window")
    @classmethod
    def _positive(cls, window: timedelta) -> timedelta:
        if window <= timedelta(0):
            raise ValueError("the conversion window must be positive")
        return window


Command = (
    CreateCampaign
    | DefineTargetAudience
    | SegmentTargetAudience
    | AllocateCampaignBudget
    | ApproveCampaignCreative
    | LaunchCampaign
    | RecordCampaignSpend
    | ChangeCampaignStatus
    | AnalyzeCampaignPerformance
)
