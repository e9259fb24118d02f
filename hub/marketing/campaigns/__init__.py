"""Campaign management: commands, business rules, persistence with an audit trail, and
performance.

    from hub.marketing.campaigns import CampaignService, LaunchCampaign
    service = CampaignService(store)
    service.handle(LaunchCampaign(tenant="acme", campaign_id="spring", actor="maria"))

Every refusal is a `DomainRuleError` whose `rule` names the rule (see `rules`).
"""

from __future__ import annotations

from hub.marketing.campaigns.commands import (
    AllocateCampaignBudget,
    AnalyzeCampaignPerformance,
    ApproveCampaignCreative,
    CampaignCommand,
    ChangeCampaignStatus,
    Command,
    CreateCampaign,
    DefineTargetAudience,
    LaunchCampaign,
    RecordCampaignSpend,
    SegmentTargetAudience,
)
from hub.marketing.campaigns.performance import (
    CampaignPerformance,
    ab_counts,
    ab_evaluation,
    campaign_performance,
)
from hub.marketing.campaigns.rules import ACTIVE_STATUSES, DEFAULT_POLICY, CampaignPolicy
from hub.marketing.campaigns.service import (
    BUDGET_ACTOR,
    CAMPAIGN_SPEND_RECORDED,
    CAMPAIGN_STATUS_CHANGED,
    CampaignService,
    Outcome,
)

__all__ = [
    "ACTIVE_STATUSES",
    "BUDGET_ACTOR",
    "CAMPAIGN_SPEND_RECORDED",
    "CAMPAIGN_STATUS_CHANGED",
    "DEFAULT_POLICY",
    "AllocateCampaignBudget",
    "AnalyzeCampaignPerformance",
    "ApproveCampaignCreative",
    "CampaignCommand",
    "CampaignPerformance",
    "CampaignPolicy",
    "CampaignService",
    "ChangeCampaignStatus",
    "Command",
    "CreateCampaign",
    "DefineTargetAudience",
    "LaunchCampaign",
    "Outcome",
    "RecordCampaignSpend",
    "SegmentTargetAudience",
    "ab_counts",
    "ab_evaluation",
    "campaign_performance",
]
