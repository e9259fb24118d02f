"""The lead pipeline (seed 003): validate, deduplicate and merge, score and qualify, assign,
and trigger the follow-up; plus a data-quality score per lead.

    pipeline = LeadPipeline(store, tenant="acme", assigner=RoundRobin(["ana", "ben"]))
    batch = pipeline.process(raw_leads)   # batch.processed, batch.refused, batch.events
"""

from __future__ import annotations

from hub.marketing.leads.assignment import Assigner, ByScore, ByTerritory, RoundRobin
from hub.marketing.leads.merge import DedupKey, MergedLead, dedup_key, merge
from hub.marketing.leads.pipeline import (
    LEAD_FOLLOW_UP_REQUESTED,
    LeadBatch,
    LeadPipeline,
    ProcessedLead,
    RefusedLead,
    capture_one,
    lead_id,
)
from hub.marketing.leads.scoring import (
    DEFAULT_SCORING,
    Category,
    LeadScore,
    ScoringModel,
    ScoringRule,
    qualify,
)
from hub.marketing.leads.validation import (
    REQUIRED,
    InvalidLead,
    LeadCandidate,
    QualityScore,
    data_quality,
    validate_lead,
)

__all__ = [
    "DEFAULT_SCORING",
    "LEAD_FOLLOW_UP_REQUESTED",
    "REQUIRED",
    "Assigner",
    "ByScore",
    "ByTerritory",
    "Category",
    "DedupKey",
    "InvalidLead",
    "LeadBatch",
    "LeadCandidate",
    "LeadPipeline",
    "LeadScore",
    "MergedLead",
    "ProcessedLead",
    "QualityScore",
    "RefusedLead",
    "RoundRobin",
    "ScoringModel",
    "ScoringRule",
    "capture_one",
    "data_quality",
    "dedup_key",
    "lead_id",
    "merge",
    "qualify",
    "validate_lead",
]
