"""The campaign command handlers: one per command, each one transaction.

A handler locks what its rule depends on, loads the campaign, applies the rules, saves the
new state, writes the audit row and appends its domain event to the outbox, all in the same
transaction: an event is never published for a change that did not happen, and a change is
never made without its event. A refused command changes nothing; its refusal is still written
to the audit trail (in a transaction of its own), because "who tried what" matters as much as
"who did what".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from hub.errors import DomainRuleError
from hub.marketing.campaigns import repository as repo
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
from hub.marketing.campaigns.performance import campaign_performance
from hub.marketing.campaigns.rules import (
    DEFAULT_POLICY,
    CampaignPolicy,
    check_ab_audience,
    check_active_limit,
    check_budget_allocation,
    check_creative_approval,
    check_currency,
    check_launchable,
    check_within_budget,
    is_active,
    launched,
    over_budget,
)
from hub.marketing.common.clock import Clock, system_clock
from hub.marketing.experiments import Allocation
from hub.model import Campaign, CampaignStatus, DomainEvent
from hub.model.campaigns import ApprovalStatus, CreativeApproval
from hub.model.events import (
    CAMPAIGN_BUDGET_ALLOCATED,
    CAMPAIGN_CREATIVE_APPROVED,
    CAMPAIGN_LAUNCHED,
    CAMPAIGN_PERFORMANCE_ANALYZED,
    TARGET_AUDIENCE_DEFINED,
    TARGET_AUDIENCE_SEGMENTED,
)
from hub.store import StateStore
from hub.store.state import Tx

# Events the seeds do not name but consumers need: spend accrual and every status change
# (including the automatic budget pause).
CAMPAIGN_SPEND_RECORDED = "CampaignSpendRecorded"
CAMPAIGN_STATUS_CHANGED = "CampaignStatusChanged"
BUDGET_ACTOR = "hub:budget-rule"  # the audit trail's actor for the automatic pause

C = TypeVar("C", bound=CreateCampaign | CampaignCommand)


@dataclass(frozen=True)
class Outcome:
    """The campaign after the command, and the events it published."""

    campaign: Campaign
    events: tuple[DomainEvent, ...]
    report: dict[str, Any] | None = None  # AnalyzeCampaignPerformance only


class CampaignService:
    """Handles campaign commands against one state store."""

    def __init__(self, store: StateStore, *, policy: CampaignPolicy = DEFAULT_POLICY,
                 clock: Clock = system_clock) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, command: Command) -> Outcome:
        handlers: dict[type[Any], Callable[[Tx, Any, datetime], Outcome]] = {
            CreateCampaign: self._create,
            DefineTargetAudience: self._define_audience,
            SegmentTargetAudience: self._segment_audience,
            AllocateCampaignBudget: self._allocate_budget,
            ApproveCampaignCreative: self._approve_creative,
            LaunchCampaign: self._launch,
            RecordCampaignSpend: self._record_spend,
            ChangeCampaignStatus: self._change_status,
            AnalyzeCampaignPerformance: self._analyze,
        }
        return self._run(command, handlers[type(command)])

    def record_spend(self, command: RecordCampaignSpend) -> Outcome:
        return self.handle(command)

    def _run(self, command: C, handler: Callable[[Tx, C, datetime], Outcome]) -> Outcome:
        at = self.clock()
        try:
            with self.store.transaction() as tx:
                return handler(tx, command, at)
        except DomainRuleError as refusal:
            tenant, subject = _subject(command)
            with self.store.transaction() as tx:
                repo.audit(tx, tenant=tenant, actor=command.actor,
                           action=type(command).__name__, subject_id=subject, at=at,
                           detail={"outcome": "refused", "rule": refusal.rule,
                                   "reason": str(refusal), "command": _fields(command)})
            raise

    def _done(self, tx: Tx, command: CreateCampaign | CampaignCommand, campaign: Campaign,
              at: datetime, events: list[DomainEvent], **detail: Any) -> Outcome:
        repo.audit(tx, tenant=campaign.tenant, actor=command.actor,
                   action=type(command).__name__, subject_id=campaign.id, at=at,
                   detail={"outcome": "done", "command": _fields(command), **detail})
        tx.outbox.append_events(events)
        return Outcome(campaign, tuple(events))

    @staticmethod
    def _event(command: CreateCampaign | CampaignCommand, campaign: Campaign, type: str,
               at: datetime, payload: dict[str, Any]) -> DomainEvent:
        return DomainEvent(type=type, tenant=campaign.tenant, key=campaign.id, occurred_at=at,
                           correlation_id=command.correlation_id,
                           payload={"campaign_id": campaign.id, **payload})

    def _load(self, tx: Tx, command: CampaignCommand, *, tenant_wide: bool = False) -> Campaign:
        if tenant_wide:
            repo.lock_tenant(tx, command.tenant)
        else:
            repo.lock_campaign(tx, command.tenant, command.campaign_id)
        return repo.get(tx, command.tenant, command.campaign_id)

    # -- handlers ---------------------------------------------------------------------------
    def _create(self, tx: Tx, command: CreateCampaign, at: datetime) -> Outcome:
        campaign = command.campaign.model_copy(update={
            "created_by": command.campaign.created_by or command.actor,
            "created_at": command.campaign.created_at or at, "updated_at": at})
        repo.lock_tenant(tx, campaign.tenant)
        repo.insert(tx, campaign, at)
        return self._done(tx, command, campaign, at, [])

    def _define_audience(self, tx: Tx, command: DefineTargetAudience, at: datetime) -> Outcome:
        campaign = self._load(tx, command)
        _editable(campaign, "change the audience of")
        size = command.size
        counted = size is None
        if size is None:
            size = repo.segment_size(tx, command.tenant, command.segment)
            if size is None:
                raise DomainRuleError(
                    "campaign.audience",
                    f"segment {command.segment!r} is unknown to tenant {command.tenant!r}; "
                    "build it first or give the audience size",
                )
        changed = campaign.model_copy(update={"audience_segment": command.segment,
                                              "audience_size": size, "updated_at": at})
        # an existing A/B split must still be testable on the new audience
        check_ab_audience(changed, len(changed.variants), self.policy)
        repo.update(tx, changed, at)
        event = self._event(command, changed, TARGET_AUDIENCE_DEFINED, at, {
            "segment": command.segment, "size": size, "counted_from_store": counted})
        return self._done(tx, command, changed, at, [event], size=size)

    def _segment_audience(self, tx: Tx, command: SegmentTargetAudience, at: datetime) -> Outcome:
        campaign = self._load(tx, command)
        _editable(campaign, "split the audience of")
        if campaign.audience_size is None or campaign.audience_segment is None:
            raise DomainRuleError(
                "campaign.audience",
                f"campaign {campaign.id!r} has no target audience to split; define it first",
            )
        changed = campaign.model_copy(update={"variants": command.variants, "updated_at": at})
        check_ab_audience(changed, len(command.variants), self.policy)
        allocation = Allocation(changed.id, {v.name: v.weight for v in command.variants})
        members = repo.segment_members(tx, command.tenant, campaign.audience_segment)
        if members:
            planned = allocation.counts(members)
        else:  # an audience known by its size only: plan by the weights
            planned = {name: round(campaign.audience_size * share)
                       for name, share in allocation.weights.items()}
        repo.update(tx, changed, at)
        event = self._event(command, changed, TARGET_AUDIENCE_SEGMENTED, at, {
            "segment": campaign.audience_segment, "audience_size": campaign.audience_size,
            "variants": [{"name": v.name, "weight": allocation.weights[v.name],
                          "planned_contacts": planned[v.name]} for v in command.variants]})
        return self._done(tx, command, changed, at, [event], planned=planned)

    def _allocate_budget(self, tx: Tx, command: AllocateCampaignBudget, at: datetime) -> Outcome:
        campaign = self._load(tx, command)
        if campaign.status is CampaignStatus.COMPLETED:
            raise _final(campaign, "allocate a budget to")
        check_currency(campaign, command.currency, "the budget")
        check_budget_allocation(campaign, command.amount)
        changed = campaign.model_copy(update={"budget": command.amount, "updated_at": at})
        repo.update(tx, changed, at)
        event = self._event(command, changed, CAMPAIGN_BUDGET_ALLOCATED, at, {
            "amount": str(command.amount), "currency": changed.currency,
            "previous": None if campaign.budget is None else str(campaign.budget),
            "spend": str(changed.spend)})
        return self._done(tx, command, changed, at, [event])

    def _approve_creative(self, tx: Tx, command: ApproveCampaignCreative,
                          at: datetime) -> Outcome:
        campaign = self._load(tx, command)
        if campaign.status is CampaignStatus.COMPLETED:
            raise _final(campaign, "review the creative of")
        decision = ApprovalStatus.APPROVED if command.approved else ApprovalStatus.REJECTED
        changed = campaign.model_copy(update={"updated_at": at, "creative": CreativeApproval(
            status=decision, approved_by=command.actor, decided_at=at)})
        repo.update(tx, changed, at)
        events = [self._event(command, changed, CAMPAIGN_CREATIVE_APPROVED, at, {
            "approved_by": command.actor, "note": command.note})] if command.approved else []
        return self._done(tx, command, changed, at, events, decision=decision.value)

    def _launch(self, tx: Tx, command: LaunchCampaign, at: datetime) -> Outcome:
        campaign = self._load(tx, command, tenant_wide=True)
        check_launchable(campaign, at, self.policy)
        check_active_limit(campaign, repo.tenant_campaigns(tx, command.tenant), self.policy)
        changed = launched(campaign).model_copy(update={"start_at": campaign.start_at or at,
                                                        "updated_at": at})
        repo.update(tx, changed, at)
        event = self._event(command, changed, CAMPAIGN_LAUNCHED, at, {
            "name": changed.name, "type": changed.type.value,
            "channels": [c.value for c in changed.channels],
            "audience_segment": changed.audience_segment, "audience_size": changed.audience_size,
            "variants": [v.name for v in changed.variants],
            "budget": None if changed.budget is None else str(changed.budget),
            "currency": changed.currency, "launched_by": command.actor})
        return self._done(tx, command, changed, at, [event])

    def _record_spend(self, tx: Tx, command: RecordCampaignSpend, at: datetime) -> Outcome:
        campaign = self._load(tx, command)
        check_currency(campaign, command.currency, "the spend")
        changed = campaign.model_copy(update={"spend": campaign.spend + command.amount,
                                              "updated_at": at})
        events = [self._event(command, changed, CAMPAIGN_SPEND_RECORDED, at, {
            "amount": str(command.amount), "spend": str(changed.spend),
            "budget": None if changed.budget is None else str(changed.budget),
            "currency": changed.currency, "reference": command.reference})]
        paused = changed.status is CampaignStatus.RUNNING and over_budget(changed)
        if paused:
            # the spend that crosses the budget stops the campaign in the same transaction
            changed = changed.transition(CampaignStatus.PAUSED)
            reason = (f"spend {changed.spend} {changed.currency} exceeds the budget of "
                      f"{changed.budget} {changed.currency}")
            events.append(self._event(command, changed, CAMPAIGN_STATUS_CHANGED, at, {
                "from": CampaignStatus.RUNNING.value, "to": CampaignStatus.PAUSED.value,
                "reason": reason, "rule": "campaign.budget"}))
            repo.audit(tx, tenant=changed.tenant, actor=BUDGET_ACTOR, action="PauseCampaign",
                       subject_id=changed.id, at=at,
                       detail={"outcome": "done", "rule": "campaign.budget", "reason": reason})
        repo.update(tx, changed, at)
        return self._done(tx, command, changed, at, events, paused=paused)

    def _change_status(self, tx: Tx, command: ChangeCampaignStatus, at: datetime) -> Outcome:
        campaign = self._load(tx, command, tenant_wide=command.to in {
            CampaignStatus.SCHEDULED, CampaignStatus.RUNNING})
        if command.to is CampaignStatus.RUNNING and campaign.status is CampaignStatus.SCHEDULED:
            return self._launch(tx, LaunchCampaign(
                tenant=command.tenant, campaign_id=command.campaign_id, actor=command.actor,
                correlation_id=command.correlation_id), at)
        changed = campaign.transition(command.to).model_copy(update={"updated_at": at})
        if is_active(changed) and not is_active(campaign):
            # scheduling or resuming claims an active slot: the launch rules apply again (the
            # audience may have changed while the campaign was paused)
            if command.to is CampaignStatus.SCHEDULED:
                check_launchable(campaign, at, self.policy)
            else:
                check_creative_approval(changed, self.policy)
                check_ab_audience(changed, len(changed.variants), self.policy)
                check_within_budget(changed, "resume")
            check_active_limit(changed, repo.tenant_campaigns(tx, command.tenant), self.policy)
        repo.update(tx, changed, at)
        event = self._event(command, changed, CAMPAIGN_STATUS_CHANGED, at, {
            "from": campaign.status.value, "to": changed.status.value, "by": command.actor})
        return self._done(tx, command, changed, at, [event])

    def _analyze(self, tx: Tx, command: AnalyzeCampaignPerformance, at: datetime) -> Outcome:
        campaign = repo.get(tx, command.tenant, command.campaign_id)
        report = campaign_performance(tx.conn, campaign, window=command.conversion_window,
                                      as_of=at).as_dict()
        event = self._event(command, campaign, CAMPAIGN_PERFORMANCE_ANALYZED, at, report)
        outcome = self._done(tx, command, campaign, at, [event])
        return Outcome(outcome.campaign, outcome.events, report)

    # -- reads ------------------------------------------------------------------------------
    def get(self, tenant: str, campaign_id: str) -> Campaign:
        with self.store.transaction() as tx:
            return repo.get(tx, tenant, campaign_id)

    def tenant_campaigns(self, tenant: str) -> list[Campaign]:
        with self.store.transaction() as tx:
            return repo.tenant_campaigns(tx, tenant)

    def audit_trail(self, tenant: str, campaign_id: str) -> list[dict[str, Any]]:
        with self.store.transaction() as tx:
            return repo.audit_trail(tx, tenant, campaign_id)


def _editable(campaign: Campaign, doing: str) -> None:
    if campaign.status in (CampaignStatus.RUNNING, CampaignStatus.COMPLETED):
        hint = "; pause it first" if campaign.status is CampaignStatus.RUNNING else ""
        raise DomainRuleError(
            "campaign.status",
            f"cannot {doing} campaign {campaign.id!r} while it is {campaign.status}{hint}",
        )


def _final(campaign: Campaign, doing: str) -> DomainRuleError:
    return DomainRuleError(
        "campaign.status", f"cannot {doing} campaign {campaign.id!r}: it is completed"
    )


def _subject(command: CreateCampaign | CampaignCommand) -> tuple[str, str]:
    if isinstance(command, CreateCampaign):
        return command.campaign.tenant, command.campaign.id
    return command.tenant, command.campaign_id


def _fields(command: CreateCampaign | CampaignCommand) -> dict[str, Any]:
    fields = command.model_dump(mode="json", exclude={"actor", "correlation_id"})
    if isinstance(command, CreateCampaign):  # the document is in the table; keep the gist
        fields = {"campaign": {k: fields["campaign"][k] for k in ("id", "name", "type")}}
    return fields
