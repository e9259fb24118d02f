"""Campaign commands: each rule refusing with its reason, the budget pause, events in the
outbox with the state change, and the audit trail. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from hub.errors import DomainRuleError
from hub.marketing.campaigns import (
    BUDGET_ACTOR,
    CAMPAIGN_STATUS_CHANGED,
    AllocateCampaignBudget,
    ApproveCampaignCreative,
    CampaignPolicy,
    CampaignService,
    ChangeCampaignStatus,
    CreateCampaign,
    DefineTargetAudience,
    LaunchCampaign,
    RecordCampaignSpend,
    SegmentTargetAudience,
)
from hub.model import Campaign, CampaignStatus, CampaignType, Channel, Variant
from hub.store import StateStore
from hub.store import tables as t

TENANT = "acme"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
AB = [Variant(name="control"), Variant(name="emoji-subject")]


# --- helpers (the race and performance tests import these) -----------------------------------


def draft(campaign_id: str, **fields: Any) -> Campaign:
    return Campaign(tenant=TENANT, id=campaign_id, name=f"Campaign {campaign_id}",
                    type=CampaignType.PROMOTION, channels=[Channel.EMAIL], **fields)


def create(service: CampaignService, campaign_id: str, *, audience: int | None = 500,
           budget: str | None = None, **fields: Any) -> None:
    service.handle(CreateCampaign(actor="maria", campaign=draft(campaign_id, **fields)))
    if audience is not None:
        service.handle(DefineTargetAudience(tenant=TENANT, campaign_id=campaign_id,
                                            actor="maria", segment="newsletter", size=audience))
    if budget is not None:
        service.handle(AllocateCampaignBudget(tenant=TENANT, campaign_id=campaign_id,
                                              actor="finance", amount=Decimal(budget)))


def launch(service: CampaignService, campaign_id: str, actor: str = "maria") -> Campaign:
    return service.handle(LaunchCampaign(tenant=TENANT, campaign_id=campaign_id,
                                         actor=actor)).campaign


def spend(service: CampaignService, campaign_id: str, amount: str) -> Campaign:
    return service.record_spend(RecordCampaignSpend(
        tenant=TENANT, campaign_id=campaign_id, actor="ads-sync", amount=Decimal(amount))).campaign


def outbox(store: StateStore, campaign_id: str | None = None) -> list[dict[str, Any]]:
    o = t.outbox.c
    stmt = sa.select(o.type, o.key, o.envelope).order_by(o.seq)
    if campaign_id is not None:
        stmt = stmt.where(o.key == campaign_id)
    with store.engine.connect() as conn:
        return [r._asdict() for r in conn.execute(stmt)]


def stored_status(store: StateStore, campaign_id: str) -> str:
    c = t.campaigns.c
    with store.engine.connect() as conn:
        return str(conn.execute(sa.select(c.status).where(
            c.tenant == TENANT, c.id == campaign_id)).scalar_one())


@pytest.fixture
def service(store: StateStore) -> CampaignService:
    return CampaignService(store, clock=lambda: NOW)


def refused(rule: str, action: Any) -> DomainRuleError:
    with pytest.raises(DomainRuleError) as caught:
        action()
    assert caught.value.rule == rule, str(caught.value)
    return caught.value


# --- each command emits its event with its state change --------------------------------------


def test_launch_saves_state_emits_event_and_audits(store: StateStore,
                                                   service: CampaignService) -> None:
    create(service, "spring", budget="1500")
    launched = launch(service, "spring")
    assert launched.status is CampaignStatus.RUNNING
    assert launched.start_at == NOW
    assert stored_status(store, "spring") == "running"
    assert [e["type"] for e in outbox(store, "spring")] == [
        "TargetAudienceDefined", "CampaignBudgetAllocated", "CampaignLaunched"]
    event = outbox(store, "spring")[-1]["envelope"]
    assert event["tenant"] == TENANT
    assert event["payload"]["audience_size"] == 500
    assert event["payload"]["launched_by"] == "maria"
    trail = service.audit_trail(TENANT, "spring")
    assert [(a["actor"], a["action"]) for a in trail] == [
        ("maria", "CreateCampaign"), ("maria", "DefineTargetAudience"),
        ("finance", "AllocateCampaignBudget"), ("maria", "LaunchCampaign")]
    assert all(a["at"] == NOW for a in trail)
    assert trail[2]["detail"]["command"]["amount"] == "1500"


def test_creative_approval_and_segmentation_emit_their_events(store: StateStore,
                                                              service: CampaignService) -> None:
    create(service, "ab", audience=400)
    outcome = service.handle(SegmentTargetAudience(tenant=TENANT, campaign_id="ab",
                                                   actor="maria", variants=AB))
    planned = outcome.events[0].payload["variants"]
    assert [v["name"] for v in planned] == ["control", "emoji-subject"]
    assert sum(v["planned_contacts"] for v in planned) == 400
    approved = service.handle(ApproveCampaignCreative(tenant=TENANT, campaign_id="ab",
                                                      actor="lee", note="on brand"))
    assert approved.campaign.creative.approved_by == "lee"
    assert [e["type"] for e in outbox(store, "ab")][-2:] == [
        "TargetAudienceSegmented", "CampaignCreativeApproved"]


def test_a_rejected_creative_is_recorded_without_an_approval_event(
        store: StateStore, service: CampaignService) -> None:
    create(service, "c", audience=2000)
    before = len(outbox(store))
    rejected = service.handle(ApproveCampaignCreative(tenant=TENANT, campaign_id="c",
                                                      actor="lee", approved=False))
    assert rejected.campaign.creative.status == "rejected"
    assert len(outbox(store)) == before
    assert service.audit_trail(TENANT, "c")[-1]["detail"]["decision"] == "rejected"
    refused("campaign.creative_approval", lambda: launch(service, "c"))


def test_define_audience_counts_the_stored_segment(store: StateStore,
                                                   service: CampaignService) -> None:
    with store.engine.begin() as conn:
        conn.execute(t.segment_members.insert(), [
            {"tenant": TENANT, "segment": "vip", "contact_id": f"c{i}", "entered_at": NOW}
            for i in range(150)])
    create(service, "vip", audience=None)
    outcome = service.handle(DefineTargetAudience(tenant=TENANT, campaign_id="vip",
                                                  actor="maria", segment="vip"))
    assert outcome.campaign.audience_size == 150
    assert outcome.events[0].payload["counted_from_store"] is True
    split = service.handle(SegmentTargetAudience(tenant=TENANT, campaign_id="vip",
                                                 actor="maria", variants=AB))
    counts = {v["name"]: v["planned_contacts"] for v in split.events[0].payload["variants"]}
    assert sum(counts.values()) == 150
    assert min(counts.values()) > 0


def test_unknown_segment_without_a_size_is_refused(service: CampaignService) -> None:
    create(service, "x", audience=None)
    error = refused("campaign.audience", lambda: service.handle(DefineTargetAudience(
        tenant=TENANT, campaign_id="x", actor="maria", segment="nobody-built-this")))
    assert "nobody-built-this" in str(error)


# --- the rules, each refusing with its reason -------------------------------------------------


def test_at_most_ten_active_campaigns_per_tenant(store: StateStore,
                                                 service: CampaignService) -> None:
    for i in range(10):
        create(service, f"c{i:02d}")
        launch(service, f"c{i:02d}")
    create(service, "eleventh")
    error = refused("campaign.active_limit", lambda: launch(service, "eleventh"))
    assert "already has 10 active campaigns" in str(error)
    assert "pause or complete one first" in str(error)
    assert stored_status(store, "eleventh") == "draft"
    # another tenant is not affected by acme's campaigns
    other = draft("eleventh").model_copy(update={"tenant": "globex", "audience_size": 50,
                                                 "audience_segment": "all"})
    service.handle(CreateCampaign(actor="kim", campaign=other))
    service.handle(LaunchCampaign(tenant="globex", campaign_id="eleventh", actor="kim"))
    # pausing one frees a slot
    service.handle(ChangeCampaignStatus(tenant=TENANT, campaign_id="c03", actor="maria",
                                        to=CampaignStatus.PAUSED))
    assert launch(service, "eleventh").status is CampaignStatus.RUNNING
    # and resuming the paused one is now the refused activation
    refused("campaign.active_limit", lambda: service.handle(ChangeCampaignStatus(
        tenant=TENANT, campaign_id="c03", actor="maria", to=CampaignStatus.RUNNING)))


def test_scheduled_campaigns_hold_their_slot(service: CampaignService) -> None:
    small = CampaignService(service.store, policy=CampaignPolicy(max_active=1),
                            clock=lambda: NOW)
    create(small, "first")
    create(small, "second")
    small.handle(ChangeCampaignStatus(tenant=TENANT, campaign_id="first", actor="maria",
                                      to=CampaignStatus.SCHEDULED))
    refused("campaign.active_limit", lambda: launch(small, "second"))


@pytest.mark.parametrize(("audience", "approved", "rule"), [
    (1000, False, None),  # the rule says more than 1,000
    (1001, False, "campaign.creative_approval"),
    (1001, True, None),
    (250_000, True, None),
])
def test_creative_approval_above_a_thousand_contacts(
        service: CampaignService, audience: int, approved: bool, rule: str | None) -> None:
    create(service, "big", audience=audience)
    if approved:
        service.handle(ApproveCampaignCreative(tenant=TENANT, campaign_id="big", actor="lee"))
    if rule is None:
        assert launch(service, "big").status is CampaignStatus.RUNNING
    else:
        error = refused(rule, lambda: launch(service, "big"))
        assert "1,001 contacts, more than 1,000" in str(error)
        assert "must be approved before launch (it is pending)" in str(error)


def test_ab_test_needs_a_hundred_contacts(service: CampaignService) -> None:
    create(service, "tiny", audience=99)
    error = refused("campaign.ab_min_audience", lambda: service.handle(SegmentTargetAudience(
        tenant=TENANT, campaign_id="tiny", actor="maria", variants=AB)))
    assert "2 variants but 99 contacts" in str(error)
    assert "at least 100 contacts" in str(error)
    create(service, "enough", audience=100)
    service.handle(SegmentTargetAudience(tenant=TENANT, campaign_id="enough", actor="maria",
                                         variants=AB))
    # shrinking the audience under a running split is refused too
    refused("campaign.ab_min_audience", lambda: service.handle(DefineTargetAudience(
        tenant=TENANT, campaign_id="enough", actor="maria", segment="newsletter", size=80)))
    assert launch(service, "enough").status is CampaignStatus.RUNNING


def test_a_campaign_created_with_variants_is_checked_at_launch(service: CampaignService) -> None:
    create(service, "preset", audience=None, variants=AB, audience_segment="few",
           audience_size=60)
    refused("campaign.ab_min_audience", lambda: launch(service, "preset"))


@pytest.mark.parametrize(("audience", "fields", "rule", "reason"), [
    (None, {}, "campaign.audience", "has no target audience"),
    (0, {}, "campaign.audience", "is empty"),
    (10, {"end_at": NOW - timedelta(hours=1), "start_at": NOW - timedelta(days=3)},
     "campaign.schedule", "ended at"),
])
def test_launch_needs_an_audience_and_a_future(service: CampaignService, audience: int | None,
                                               fields: dict[str, Any], rule: str,
                                               reason: str) -> None:
    create(service, "c", audience=audience, **fields)
    assert reason in str(refused(rule, lambda: launch(service, "c")))


def test_budget_pause_fires_the_moment_spend_exceeds_the_budget(
        store: StateStore, service: CampaignService) -> None:
    create(service, "paid", budget="1000")
    launch(service, "paid")
    assert spend(service, "paid", "600").status is CampaignStatus.RUNNING
    at_budget = spend(service, "paid", "400")
    assert (at_budget.spend, at_budget.status) == (Decimal("1000"), CampaignStatus.RUNNING)
    over = spend(service, "paid", "0.01")
    assert (over.spend, over.status) == (Decimal("1000.01"), CampaignStatus.PAUSED)
    assert stored_status(store, "paid") == "paused"
    events = outbox(store, "paid")
    assert [e["type"] for e in events][-2:] == ["CampaignSpendRecorded", CAMPAIGN_STATUS_CHANGED]
    assert events[-1]["envelope"]["payload"]["rule"] == "campaign.budget"
    assert "exceeds the budget of 1000" in events[-1]["envelope"]["payload"]["reason"]
    pause = service.audit_trail(TENANT, "paid")[-2]
    assert (pause["actor"], pause["action"]) == (BUDGET_ACTOR, "PauseCampaign")
    # late costs still accrue on a paused campaign, and it stays paused
    assert spend(service, "paid", "50").status is CampaignStatus.PAUSED
    resume = ChangeCampaignStatus(tenant=TENANT, campaign_id="paid", actor="maria",
                                  to=CampaignStatus.RUNNING)
    error = refused("campaign.budget", lambda: service.handle(resume))
    assert "spent 1050.01 USD of a 1000 USD budget" in str(error)
    service.handle(AllocateCampaignBudget(tenant=TENANT, campaign_id="paid", actor="finance",
                                          amount=Decimal("2000")))
    assert service.handle(resume).campaign.status is CampaignStatus.RUNNING


def test_spend_without_a_budget_never_pauses(service: CampaignService) -> None:
    create(service, "free")
    launch(service, "free")
    assert spend(service, "free", "99999").status is CampaignStatus.RUNNING


def test_budget_and_spend_refusals(service: CampaignService) -> None:
    create(service, "b", budget="500")
    spend(service, "b", "300")
    error = refused("campaign.budget", lambda: service.handle(AllocateCampaignBudget(
        tenant=TENANT, campaign_id="b", actor="finance", amount=Decimal("299.99"))))
    assert "below what it has already spent (300 USD)" in str(error)
    error = refused("campaign.currency", lambda: service.handle(RecordCampaignSpend(
        tenant=TENANT, campaign_id="b", actor="ads", amount=Decimal(5), currency="eur")))
    assert "is in EUR, but the campaign counts in USD" in str(error)
    spend(service, "b", "250")  # a draft over budget cannot be launched
    assert "allocate more budget first" in str(
        refused("campaign.budget", lambda: launch(service, "b")))


@pytest.mark.parametrize(("path", "to"), [
    ([], CampaignStatus.PAUSED),  # draft -> paused
    ([], CampaignStatus.COMPLETED),  # draft -> completed
    (["launch", CampaignStatus.COMPLETED], CampaignStatus.RUNNING),  # completed is final
    (["launch"], CampaignStatus.DRAFT),  # running -> draft
])
def test_only_legal_status_transitions(service: CampaignService, path: list[Any],
                                       to: CampaignStatus) -> None:
    create(service, "s")
    for step in path:
        if step == "launch":
            launch(service, "s")
        else:
            service.handle(ChangeCampaignStatus(tenant=TENANT, campaign_id="s", actor="m",
                                                to=step))
    error = refused("campaign.status", lambda: service.handle(ChangeCampaignStatus(
        tenant=TENANT, campaign_id="s", actor="m", to=to)))
    assert f"to {to}" in str(error)


def test_a_running_or_completed_campaign_refuses_edits(service: CampaignService) -> None:
    create(service, "live")
    launch(service, "live")
    error = refused("campaign.status", lambda: service.handle(DefineTargetAudience(
        tenant=TENANT, campaign_id="live", actor="m", segment="all", size=5)))
    assert "pause it first" in str(error)
    refused("campaign.status", lambda: launch(service, "live"))
    service.handle(ChangeCampaignStatus(tenant=TENANT, campaign_id="live", actor="m",
                                        to=CampaignStatus.COMPLETED))
    refused("campaign.status", lambda: service.handle(ApproveCampaignCreative(
        tenant=TENANT, campaign_id="live", actor="lee")))


def test_unknown_and_duplicate_campaigns(service: CampaignService) -> None:
    refused("campaign.unknown", lambda: launch(service, "ghost"))
    create(service, "twice")
    refused("campaign.exists", lambda: create(service, "twice"))


def test_a_refusal_changes_nothing_but_is_audited(store: StateStore,
                                                  service: CampaignService) -> None:
    create(service, "big", audience=5000)
    events_before = outbox(store)
    refused("campaign.creative_approval", lambda: launch(service, "big", actor="intern"))
    assert outbox(store) == events_before
    assert stored_status(store, "big") == "draft"
    last = service.audit_trail(TENANT, "big")[-1]
    assert (last["actor"], last["action"]) == ("intern", "LaunchCampaign")
    assert last["detail"]["outcome"] == "refused"
    assert last["detail"]["rule"] == "campaign.creative_approval"


def test_events_carry_the_correlation_id(store: StateStore, service: CampaignService) -> None:
    create(service, "corr")
    service.handle(LaunchCampaign(tenant=TENANT, campaign_id="corr", actor="m",
                                  correlation_id="req-42"))
    assert outbox(store, "corr")[-1]["envelope"]["correlation_id"] == "req-42"
