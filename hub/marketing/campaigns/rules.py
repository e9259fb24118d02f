"""The campaign business rules (seed US-003-02), as pure checks that refuse with a reason.

Each check raises `DomainRuleError(rule, message)`: `rule` is a stable name a program can
branch on, the message says what was asked, what stands in the way and what to do about it.

    campaign.active_limit       at most 10 active (scheduled or running) campaigns per tenant
    campaign.creative_approval  audiences over 1,000 contacts need an approved creative
    campaign.ab_min_audience    an A/B test needs an audience of at least 100 contacts
    campaign.budget             no running over budget; a budget cannot undercut the spend
    campaign.audience           a campaign launches to a defined, non-empty audience
    campaign.schedule           a campaign cannot launch after its end date
    campaign.currency           money comes in the campaign's currency
    campaign.status             only the status machine's moves (hub.model.campaigns)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hub.errors import ConfigError, DomainRuleError
from hub.model import Campaign, CampaignStatus
from hub.model.campaigns import ApprovalStatus

# A scheduled campaign holds its slot: counting it keeps the limit true when it starts.
ACTIVE_STATUSES = frozenset({CampaignStatus.SCHEDULED, CampaignStatus.RUNNING})


@dataclass(frozen=True)
class CampaignPolicy:
    """The rule thresholds; the defaults are the seed's."""

    max_active: int = 10
    approval_threshold: int = 1_000  # approval needed above this many contacts
    min_ab_audience: int = 100

    def __post_init__(self) -> None:
        for name in ("max_active", "approval_threshold", "min_ab_audience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"campaign policy {name} must be a whole number >= 1, "
                                  f"got {value!r}")


DEFAULT_POLICY = CampaignPolicy()


def is_active(campaign: Campaign) -> bool:
    return campaign.status in ACTIVE_STATUSES


def check_active_limit(campaign: Campaign, tenant_campaigns: Sequence[Campaign],
                       policy: CampaignPolicy = DEFAULT_POLICY) -> None:
    """Refuse to make `campaign` active when the tenant already has the maximum active."""
    active = sorted(c.id for c in tenant_campaigns if is_active(c) and c.id != campaign.id)
    if len(active) >= policy.max_active:
        shown = ", ".join(active[:12]) + (" …" if len(active) > 12 else "")
        raise DomainRuleError(
            "campaign.active_limit",
            f"cannot activate campaign {campaign.id!r}: tenant {campaign.tenant!r} already has "
            f"{len(active)} active campaigns (scheduled or running), the maximum is "
            f"{policy.max_active} ({shown}); pause or complete one first",
        )


def check_ab_audience(campaign: Campaign, variants: int,
                      policy: CampaignPolicy = DEFAULT_POLICY) -> None:
    """An A/B test (two variants or more) needs `min_ab_audience` contacts."""
    size = campaign.audience_size
    if variants >= 2 and (size is None or size < policy.min_ab_audience):
        have = "an undefined audience" if size is None else f"{size} contacts"
        raise DomainRuleError(
            "campaign.ab_min_audience",
            f"campaign {campaign.id!r} has {variants} variants but {have}; an A/B test needs "
            f"at least {policy.min_ab_audience} contacts: widen the audience or drop the test",
        )


def check_creative_approval(campaign: Campaign, policy: CampaignPolicy = DEFAULT_POLICY) -> None:
    size = campaign.audience_size or 0
    if size > policy.approval_threshold and campaign.creative.status is not ApprovalStatus.APPROVED:
        raise DomainRuleError(
            "campaign.creative_approval",
            f"campaign {campaign.id!r} targets {size:,} contacts, more than "
            f"{policy.approval_threshold:,}, so its creative must be approved before launch "
            f"(it is {campaign.creative.status})",
        )


def over_budget(campaign: Campaign) -> bool:
    """Spend strictly above the budget; spending exactly the budget is allowed."""
    return campaign.budget is not None and campaign.spend > campaign.budget


def check_within_budget(campaign: Campaign, doing: str) -> None:
    if over_budget(campaign):
        raise DomainRuleError(
            "campaign.budget",
            f"cannot {doing} campaign {campaign.id!r}: it has spent {campaign.spend} "
            f"{campaign.currency} of a {campaign.budget} {campaign.currency} budget; "
            "allocate more budget first",
        )


def check_currency(campaign: Campaign, currency: str | None, what: str) -> None:
    if currency is not None and currency.upper() != campaign.currency.upper():
        raise DomainRuleError(
            "campaign.currency",
            f"{what} for campaign {campaign.id!r} is in {currency.upper()}, but the campaign "
            f"counts in {campaign.currency}; convert it first",
        )


def check_budget_allocation(campaign: Campaign, amount: Decimal) -> None:
    if amount < campaign.spend:
        raise DomainRuleError(
            "campaign.budget",
            f"a budget of {amount} {campaign.currency} for campaign {campaign.id!r} is below "
            f"what it has already spent ({campaign.spend} {campaign.currency})",
        )


def check_launchable(campaign: Campaign, now: datetime,
                     policy: CampaignPolicy = DEFAULT_POLICY) -> None:
    """Every launch rule except the tenant-wide limit (which needs the other campaigns)."""
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        hint = "; resume it instead" if campaign.status is CampaignStatus.PAUSED else ""
        raise DomainRuleError(
            "campaign.status",
            f"campaign {campaign.id!r} is {campaign.status}: only a draft or scheduled "
            f"campaign can be launched{hint}",
        )
    if campaign.audience_size is None or not campaign.audience_segment:
        raise DomainRuleError(
            "campaign.audience",
            f"campaign {campaign.id!r} has no target audience; define one before launch",
        )
    if campaign.audience_size == 0:
        raise DomainRuleError(
            "campaign.audience",
            f"the audience of campaign {campaign.id!r} (segment "
            f"{campaign.audience_segment!r}) is empty; there is nobody to reach",
        )
    if campaign.end_at is not None and campaign.end_at <= now:
        raise DomainRuleError(
            "campaign.schedule",
            f"campaign {campaign.id!r} ended at {campaign.end_at:%Y-%m-%d %H:%M} UTC; "
            "move its end date before launching it",
        )
    check_creative_approval(campaign, policy)
    check_ab_audience(campaign, len(campaign.variants), policy)
    check_within_budget(campaign, "launch")


def launched(campaign: Campaign) -> Campaign:
    """The campaign running, through the status machine (a draft is scheduled on the way)."""
    if campaign.status is CampaignStatus.DRAFT:
        campaign = campaign.transition(CampaignStatus.SCHEDULED)
    return campaign.transition(CampaignStatus.RUNNING)
