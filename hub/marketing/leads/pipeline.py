"""The lead pipeline (seed 003): validate, deduplicate and merge, score and qualify, assign a
sales rep, and trigger the follow-up, one batch per transaction.

Leads persist in the store's `leads` table. A new lead's id derives from its dedup key, so
two workers capturing the same new lead converge on one row instead of creating two. The
audit trail records each capture and merge with the sources, where each surviving value came
from, the score's reasons and the data-quality score. A lead that becomes qualified emits
`LeadFollowUpRequested` into the outbox in the same transaction, for the follow-up sequence
(a trigger, a CRM task) to pick up; `on_new` is called in that transaction for each lead new
to the hub and to the CRM (the follow-up trigger, `follow_up.py`).

Records read back from a CRM (`crm`) are merged like captured ones, under the per-field
conflict `policy` of the two-way sync; a lead found there keeps the hub id it carries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from hub.errors import DomainRuleError
from hub.marketing.common.clock import Clock, system_clock
from hub.marketing.leads.assignment import Assigner
from hub.marketing.leads.merge import DedupKey, MergedLead, group, key_of, merge
from hub.marketing.leads.scoring import DEFAULT_SCORING, LeadScore, ScoringModel, qualify
from hub.marketing.leads.validation import (
    InvalidLead,
    LeadCandidate,
    QualityScore,
    data_quality,
    validate_lead,
)
from hub.model import DomainEvent, Lead, LeadStatus
from hub.store import StateStore
from hub.store import tables as t
from hub.store.state import Tx
from hub.store.upsert import upsert

LEAD_FOLLOW_UP_REQUESTED = "LeadFollowUpRequested"
_RECENT_OWNERS = 500  # assignments looked back on to resume the rotations


def lead_id(tenant: str, key: DedupKey) -> str:
    digest = hashlib.sha256("\0".join((tenant, *key)).encode("utf-8")).hexdigest()
    return f"lead_{digest[:32]}"


@dataclass(frozen=True)
class ProcessedLead:
    lead: Lead
    action: Literal["created", "merged"]
    merged: MergedLead
    score: LeadScore
    quality: QualityScore
    newly_qualified: bool

    @property
    def is_new(self) -> bool:
        return self.merged.existing is None and not self.merged.from_crm


@dataclass(frozen=True)
class RefusedLead:
    position: int  # in the batch
    raw: Mapping[str, Any]
    error: InvalidLead
    quality: QualityScore


@dataclass(frozen=True)
class LeadBatch:
    processed: tuple[ProcessedLead, ...]
    refused: tuple[RefusedLead, ...]
    events: tuple[DomainEvent, ...]

    @property
    def new(self) -> tuple[ProcessedLead, ...]:
        """Leads neither stored nor found in the CRM before this batch."""
        return tuple(p for p in self.processed if p.is_new)


OnNew = Callable[[Tx, "ProcessedLead", datetime], None]


class LeadPipeline:
    """Runs raw leads through the pipeline into one tenant's store."""

    def __init__(self, store: StateStore, *, tenant: str = "default",
                 scoring: ScoringModel = DEFAULT_SCORING, assigner: Assigner | None = None,
                 actor: str = "lead-pipeline", clock: Clock = system_clock,
                 policy: Mapping[str, str] | None = None, on_new: OnNew | None = None) -> None:
        self.store = store
        self.policy = dict(policy or {})
        self.on_new = on_new
        self.tenant = tenant
        self.scoring = scoring
        self.assigner = assigner
        self.actor = actor
        self.clock = clock

    def process(self, raws: Iterable[Mapping[str, Any]],
                crm: Sequence[LeadCandidate] = ()) -> LeadBatch:
        now = self.clock()
        candidates: list[LeadCandidate] = list(crm)
        refused: list[RefusedLead] = []
        for position, raw in enumerate(raws):
            try:
                candidates.append(validate_lead(raw, now=now))
            except InvalidLead as error:
                refused.append(RefusedLead(position, raw, error, data_quality(raw)))
        groups = group(candidates)
        processed: list[ProcessedLead] = []
        events: list[DomainEvent] = []
        with self.store.transaction() as tx:
            existing = self._existing(tx, groups)
            if self.assigner is not None:
                self.assigner.resume(self._recent_owners(tx))
            for key, records in groups.items():
                done = self._one(tx, merge(records, existing.get(key), self.policy), now)
                processed.append(done)
                if done.is_new and self.on_new is not None:
                    self.on_new(tx, done, now)
                if done.newly_qualified:
                    events.append(self._follow_up(done, now))
            tx.outbox.append_events(events)
        return LeadBatch(tuple(processed), tuple(refused), tuple(events))

    def _one(self, tx: Tx, merged: MergedLead, now: datetime) -> ProcessedLead:
        old = merged.existing
        score = self.scoring.score(merged)
        # a lead's score never drops because a later record carried less activity
        total = max(score.total, old.score if old else 0.0)
        previous = old.status if old else LeadStatus.NEW
        status = qualify(previous, total, self.scoring.threshold)
        owner = old.owner if old else None
        if owner is None and status is LeadStatus.QUALIFIED and self.assigner is not None:
            owner = self.assigner.assign(score=total, country=merged.values.get("country"))
        v = merged.values
        lead = Lead(
            tenant=self.tenant,
            id=old.id if old else merged.known_id or lead_id(self.tenant, merged.key),
            email=v["email"], first_name=v["first_name"], last_name=v.get("last_name"),
            company=v["company"], phone=v.get("phone"), source=v.get("source"),
            status=status, score=total, owner=owner, campaign_id=v.get("campaign_id"),
            external_ids=dict(merged.source_ids),
            created_at=(old.created_at if old else None) or now, updated_at=now)
        upsert(tx.conn, t.leads, [lead.model_dump(mode="python")])
        quality = data_quality({k: v.get(k) for k in ("email", "first_name", "last_name",
                                                      "company", "phone", "source",
                                                      "country")})
        action: Literal["created", "merged"] = "merged" if old or merged.records > 1 \
            else "created"
        tx.conn.execute(t.audit_log.insert().values(
            tenant=self.tenant, actor=self.actor,
            action="MergeLead" if action == "merged" else "CaptureLead",
            subject_type="lead", subject_id=lead.id, at=now, detail={
                "records": merged.records, "merged_with_stored": old is not None,
                "sources": list(merged.sources), "source_ids": dict(merged.source_ids),
                "provenance": dict(merged.provenance), "score": total,
                "score_by_category": dict(score.by_category), "matched": list(score.matched),
                "status": status.value, "owner": owner, "quality": quality.overall,
                "issues": list(merged.issues + quality.issues)}))
        return ProcessedLead(lead, action, merged, score, quality,
                             status is LeadStatus.QUALIFIED and previous is not status)

    def _follow_up(self, done: ProcessedLead, now: datetime) -> DomainEvent:
        lead = done.lead
        assert lead.id is not None
        return DomainEvent(type=LEAD_FOLLOW_UP_REQUESTED, tenant=self.tenant, key=lead.id,
                           occurred_at=now, payload={
                               "lead_id": lead.id, "owner": lead.owner, "score": lead.score,
                               "email": lead.email, "first_name": lead.first_name,
                               "company": lead.company, "campaign_id": lead.campaign_id,
                               "reasons": list(done.score.matched)})

    def _existing(self, tx: Tx, groups: Mapping[DedupKey, Sequence[LeadCandidate]]
                  ) -> dict[DedupKey, Lead]:
        """Stored leads matching the batch's keys; of stored duplicates, the latest."""
        found: dict[DedupKey, Lead] = {}
        emails = sorted({key[0] for key in groups})
        c = t.leads.c
        for start in range(0, len(emails), 500):
            rows = tx.conn.execute(
                sa.select(t.leads).where(c.tenant == self.tenant,
                                         sa.func.lower(c.email).in_(emails[start:start + 500]))
                .order_by(c.updated_at).with_for_update())
            for row in rows:
                lead = Lead.model_validate(row._asdict())
                if key_of(lead) in groups:
                    found[key_of(lead)] = lead
        return found

    def _recent_owners(self, tx: Tx) -> list[str]:
        c = t.leads.c
        rows = tx.conn.execute(
            sa.select(c.owner).where(c.tenant == self.tenant, c.owner.is_not(None))
            .order_by(c.updated_at.desc(), c.id.desc()).limit(_RECENT_OWNERS))
        return [r.owner for r in rows][::-1]


def capture_one(pipeline: LeadPipeline, raw: Mapping[str, Any]) -> ProcessedLead:
    """Run one lead; its refusal is raised rather than returned."""
    batch = pipeline.process([raw])
    if batch.refused:
        raise batch.refused[0].error
    if not batch.processed:  # pragma: no cover - a valid lead always lands somewhere
        raise DomainRuleError("lead.invalid", "the lead was neither kept nor refused")
    return batch.processed[0]
