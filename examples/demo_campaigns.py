"""The demo's campaign stage: campaign rules at work, then the reports marketing reads.

`run(console, var, config)` works on the hub's store (var/hub.db, filled from the sample shop
by the earlier stages). It runs five campaigns through the campaign commands, so the rules
show themselves: a launch refused until its creative is approved, an A/B split refused on a
small audience, a paid campaign pausing itself the moment its spend passes the budget. Then
it generates what those campaigns would have caused, from a fixed seed: messages with their
A/B variant, opens and clicks, touchpoints on every channel before the shop's recent orders,
orders won by the campaigns, carts recovered. Last, the `hub report` commands show
attribution by model side by side, the A/B verdicts, a campaign report and the KPIs.

Everything generated has an id starting with "demo-", and is replaced on every run.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from examples.shop import ANCHOR
from hub.cli import main as hub
from hub.errors import DomainRuleError
from hub.marketing.campaigns import (
    AllocateCampaignBudget,
    AnalyzeCampaignPerformance,
    ApproveCampaignCreative,
    CampaignService,
    ChangeCampaignStatus,
    Command,
    CreateCampaign,
    DefineTargetAudience,
    LaunchCampaign,
    RecordCampaignSpend,
    SegmentTargetAudience,
)
from hub.marketing.experiments import Allocation
from hub.model import Campaign, CampaignStatus, CampaignType, Channel, Variant
from hub.store import StateStore
from hub.store import tables as t

SEED = 2026
TENANT = "default"
CAMPAIGNS = ("spring-sale", "win-back", "paid-social", "search-brand", "vip-preview")
SPRING_SEND = ANCHOR - timedelta(days=22)  # 10 October
WIN_BACK_SEND = ANCHOR - timedelta(days=27)
SINCE = ANCHOR - timedelta(days=90)
# (open rate, click rate given an open, order rate within a week) per subject line
SPRING_ARMS = {"control": (0.21, 0.16, 0.030), "emoji-subject": (0.27, 0.17, 0.050)}
JOURNEY_CHANNELS = [("paid_search", "search-brand", 0.24), ("social", "paid-social", 0.22),
                    ("email", "spring-sale", 0.18), ("organic", None, 0.16),
                    ("direct", None, 0.12), ("sms", "win-back", 0.05), ("referral", None, 0.03)]


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def reset(store: StateStore) -> None:
    """Forget what an earlier run of this stage generated."""
    with store.transaction() as tx:
        for table in (t.touchpoints, t.engagement_events, t.messages):
            tx.conn.execute(sa.delete(table).where(table.c.id.like("demo-%")))
        tx.conn.execute(sa.delete(t.applied_promotions)
                        .where(t.applied_promotions.c.order_id.like("demo-%")))
        tx.conn.execute(sa.delete(t.orders).where(t.orders.c.id.like("demo-%")))
        tx.conn.execute(sa.delete(t.campaigns).where(t.campaigns.c.id.in_(CAMPAIGNS)))
        tx.conn.execute(sa.delete(t.audit_log).where(t.audit_log.c.subject_id.in_(CAMPAIGNS)))
        tx.conn.execute(sa.delete(t.outbox).where(t.outbox.c.key.in_(CAMPAIGNS)))


def campaign(cid: str, kind: CampaignType, channels: list[Channel], **fields: Any) -> Campaign:
    return Campaign(tenant=TENANT, id=cid, name=cid.replace("-", " ").title(), type=kind,
                    channels=channels, **fields)


def run_campaigns(service: CampaignService, clock: Clock, contacts: int) -> list[tuple[str, str]]:
    """The campaign commands, as the marketing team would issue them; refusals included."""
    log: list[tuple[str, str]] = []

    def do(what: str, command: Command) -> None:
        try:
            outcome = service.handle(command)
            events = ", ".join(e.type for e in outcome.events) or "recorded"
            log.append((what, f"[green]done[/] → {events}"))
        except DomainRuleError as refusal:
            log.append((what, f"[red]refused[/] {refusal}"))

    def c(cid: str, actor: str = "maria") -> dict[str, str]:
        return {"tenant": TENANT, "campaign_id": cid, "actor": actor}

    clock.now = SPRING_SEND - timedelta(days=40)
    spring = campaign("spring-sale", CampaignType.PROMOTION, [Channel.EMAIL],
                      objective="Spring collection, 20% off with SPRING20")
    do("create spring-sale", CreateCampaign(actor="maria", campaign=spring))
    do("aim it at the newsletter", DefineTargetAudience(**c("spring-sale"), segment="newsletter",
                                                        size=contacts))
    do("budget 5,000", AllocateCampaignBudget(**c("spring-sale", "finance"),
                                              amount=Decimal(5000)))
    do("A/B test two subject lines", SegmentTargetAudience(**c("spring-sale"), variants=[
        Variant(name="control", subject="Spring is here"),
        Variant(name="emoji-subject", subject="🌷 Spring is here")]))
    do("launch before review", LaunchCampaign(**c("spring-sale")))
    do("brand lead approves the creative", ApproveCampaignCreative(**c("spring-sale", "lee")))
    clock.now = SPRING_SEND - timedelta(hours=1)
    do("launch", LaunchCampaign(**c("spring-sale")))
    for amount, bill in ((1450, "design and photography"), (380, "email sends")):
        do(f"spring-sale bill: {bill}", RecordCampaignSpend(
            **c("spring-sale", "finance"), amount=Decimal(amount), reference=bill))

    clock.now = WIN_BACK_SEND - timedelta(days=2)
    do("create win-back", CreateCampaign(actor="maria", campaign=campaign(
        "win-back", CampaignType.WIN_BACK, [Channel.EMAIL, Channel.SMS])))
    do("aim it at churn risks", DefineTargetAudience(**c("win-back"), segment="churn-risk",
                                                     size=800))
    do("launch", LaunchCampaign(**c("win-back")))

    clock.now = ANCHOR - timedelta(days=60)
    for cid, budget, audience in (("paid-social", 1200, 40_000), ("search-brand", 3000, 25_000)):
        do(f"create {cid}", CreateCampaign(actor="ads-team", campaign=campaign(
            cid, CampaignType.PROMOTION, [Channel.SOCIAL if "social" in cid else Channel.WEB])))
        do(f"budget {budget:,}", AllocateCampaignBudget(**c(cid, "finance"),
                                                        amount=Decimal(budget)))
        do("aim it at a lookalike audience", DefineTargetAudience(**c(cid, "ads-team"),
                                                                  segment="lookalike",
                                                                  size=audience))
        do("approve creative", ApproveCampaignCreative(**c(cid, "lee")))
        do("launch", LaunchCampaign(**c(cid, "ads-team")))

    do("create vip-preview", CreateCampaign(actor="maria", campaign=campaign(
        "vip-preview", CampaignType.EVENT, [Channel.EMAIL])))
    do("aim it at 60 VIPs", DefineTargetAudience(**c("vip-preview"), segment="vip", size=60))
    do("A/B test on 60 contacts", SegmentTargetAudience(**c("vip-preview"), variants=[
        Variant(name="a"), Variant(name="b")]))

    # the ad platform bills paid-social 100 a day; the 13th bill crosses the 1,200 budget
    for day in range(1, 15):
        clock.now = ANCHOR - timedelta(days=46 - day)
        outcome = service.record_spend(RecordCampaignSpend(
            **c("paid-social", "ads-sync"), amount=Decimal(100), reference=f"invoice-{day}"))
        if outcome.campaign.status is CampaignStatus.PAUSED and len(outcome.events) > 1:
            log.append((f"paid-social bill {day} of 100",
                        f"[yellow]paused itself[/]: {outcome.events[-1].payload['reason']}"))
    log.append(("paid-social bills 1-14", f"spend {service.get(TENANT, 'paid-social').spend} "
                                          "of a 1200 budget"))
    do("resume paid-social", ChangeCampaignStatus(**c("paid-social"),
                                                  to=CampaignStatus.RUNNING))
    return log


def generate(store: StateStore, rng: random.Random) -> dict[str, int]:
    """Messages, engagement, touchpoints and orders the campaigns would have produced."""
    rows: dict[str, list[dict[str, Any]]] = {n: [] for n in (
        "messages", "engagement_events", "touchpoints", "orders", "applied_promotions")}
    serial = iter(range(1, 10**9))

    def add(table: str, **row: Any) -> str:
        row.setdefault("id", f"demo-{table[0]}{next(serial)}")
        rows[table].append({"tenant": TENANT, **row})
        return str(row["id"])

    def engage(kind: str, contact: str, message: str, cid: str, at: datetime,
               variant: str | None = None) -> None:
        # opens and clicks are touchpoints too: attribution reads them from here
        add("engagement_events", type=kind, channel="email", contact_id=contact,
            message_id=message, campaign_id=cid, variant=variant, provider="resend",
            provider_event_id=f"demo-{message}-{kind}", occurred_at=at)

    def order(contact: str, at: datetime, cid: str | None, cart: str | None = None) -> str:
        total = Decimal(rng.choice([29, 49, 59, 89, 119, 129, 169]))
        return add("orders", contact_id=contact, status="completed", currency="USD",
                   total=total, discount=Decimal(0), cart_id=cart, campaign_id=cid,
                   placed_at=at)

    with store.engine.connect() as conn:
        contacts = [r.id for r in conn.execute(sa.select(t.contacts.c.id).where(
            t.contacts.c.tenant == TENANT, t.contacts.c.email.is_not(None))
            .order_by(t.contacts.c.id))]
        last_order = dict(conn.execute(
            sa.select(t.orders.c.contact_id, sa.func.max(t.orders.c.placed_at))
            .where(t.orders.c.tenant == TENANT).group_by(t.orders.c.contact_id)).all())
        recent = conn.execute(sa.select(t.orders.c.contact_id, t.orders.c.placed_at).where(
            t.orders.c.tenant == TENANT, t.orders.c.placed_at >= SINCE,
            t.orders.c.status.in_(["paid", "completed"])).order_by(t.orders.c.id)).all()
        carts = conn.execute(sa.select(t.carts.c.id, t.carts.c.contact_id, t.carts.c.updated_at)
                             .where(t.carts.c.tenant == TENANT, t.carts.c.status == "active")
                             .order_by(t.carts.c.id)).all()

    arms = Allocation("spring-sale", dict.fromkeys(SPRING_ARMS, 1.0))
    for contact in contacts:
        variant = arms.assign(contact)
        opens, clicks, buys = SPRING_ARMS[variant]
        message = add("messages", id=f"demo-spring-{contact}", channel="email", status="sent",
                      contact_id=contact, campaign_id="spring-sale", variant=variant,
                      idempotency_key=f"demo-spring-sale-{contact}", created_at=SPRING_SEND)
        engage("sent", contact, message, "spring-sale", SPRING_SEND, variant)
        if rng.random() < 0.02:
            engage("bounced_hard", contact, message, "spring-sale",
                   SPRING_SEND + timedelta(minutes=2), variant)
            continue
        engage("delivered", contact, message, "spring-sale",
               SPRING_SEND + timedelta(minutes=1), variant)
        if rng.random() < opens:
            opened = SPRING_SEND + timedelta(hours=rng.uniform(0.2, 48))
            engage("opened", contact, message, "spring-sale", opened, variant)
            if rng.random() < clicks:
                engage("clicked", contact, message, "spring-sale",
                       opened + timedelta(minutes=rng.uniform(1, 30)), variant)
        if rng.random() < buys:
            placed = SPRING_SEND + timedelta(days=rng.uniform(0.1, 6.5))
            oid = order(contact, placed, "spring-sale")
            if rng.random() < 0.7:
                rows["applied_promotions"].append({
                    "tenant": TENANT, "order_id": oid, "promotion_id": "2", "code": "SPRING20",
                    "discount": Decimal("10.00")})

    churned = [c for c in contacts if c in last_order
               and last_order[c] < WIN_BACK_SEND - timedelta(days=45)][:800]
    for contact in churned:
        message = add("messages", id=f"demo-winback-{contact}", channel="email", status="sent",
                      contact_id=contact, campaign_id="win-back", variant=None,
                      idempotency_key=f"demo-win-back-{contact}", created_at=WIN_BACK_SEND)
        engage("sent", contact, message, "win-back", WIN_BACK_SEND)
        if rng.random() < 0.18:
            engage("opened", contact, message, "win-back",
                   WIN_BACK_SEND + timedelta(hours=rng.uniform(1, 72)))
        if rng.random() < 0.09:
            order(contact, WIN_BACK_SEND + timedelta(days=rng.uniform(0.5, 13.5)), "win-back")

    for cart_id, contact, touched in carts:
        abandoned = touched + timedelta(hours=1)
        if rng.random() < 0.15 and abandoned < ANCHOR:
            order(contact, abandoned + (ANCHOR - abandoned) * rng.uniform(0.1, 0.9), None,
                  cart=cart_id)

    # journeys before the shop's recent orders, and touches that led nowhere
    names, campaigns, odds = zip(*JOURNEY_CHANNELS, strict=True)
    buyers = [(r.contact_id, r.placed_at) for r in recent]
    buyers += [(o["contact_id"], o["placed_at"]) for o in rows["orders"]]
    for contact, placed in buyers:
        if rng.random() < 0.85:
            for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
                i = rng.choices(range(len(names)), odds)[0]
                add("touchpoints", contact_id=contact, channel=names[i], campaign_id=campaigns[i],
                    kind="visit", occurred_at=placed - timedelta(days=rng.uniform(0.01, 28)))
    for _ in range(4000):
        i = rng.choices(range(len(names)), odds)[0]
        add("touchpoints", contact_id=rng.choice(contacts), channel=names[i],
            campaign_id=campaigns[i], kind="visit",
            occurred_at=SINCE + timedelta(days=rng.uniform(0, 90)))

    with store.transaction() as tx:
        for table, batch in rows.items():
            if batch:
                tx.conn.execute(t.metadata.tables[table].insert(), batch)
        # the SPRING20 code belongs to the spring sale: its revenue counts as promotion revenue
        tx.conn.execute(sa.update(t.promotions).where(
            t.promotions.c.tenant == TENANT, t.promotions.c.code == "SPRING20").values(
            campaign_id="spring-sale"))
    return {table: len(batch) for table, batch in rows.items()}


def run(console: Console, var: Path, config: Path) -> None:
    store = StateStore(f"sqlite:///{var / 'hub.db'}")
    store.ensure_schema()
    clock = Clock(ANCHOR)
    service = CampaignService(store, clock=clock)
    try:
        reset(store)
        console.print(Rule("[bold]Campaigns: the rules at work"))
        contacts = store.count(t.contacts, t.contacts.c.tenant == TENANT)
        table = Table("command", "outcome", title="Campaign commands, in order")
        for what, outcome in run_campaigns(service, clock, contacts):
            table.add_row(what, outcome)
        console.print(table)
        console.print(Rule("[bold]What the campaigns caused (generated, seed "
                           f"{SEED})"))
        made = generate(store, random.Random(SEED))
        console.print(", ".join(f"{n:,} {table}" for table, n in made.items()))
        clock.now = ANCHOR
        service.handle(AnalyzeCampaignPerformance(tenant=TENANT, campaign_id="spring-sale",
                                                  actor="analyst"))
    finally:
        store.close()
    since, until = f"{SINCE:%Y-%m-%d}", f"{ANCHOR:%Y-%m-%dT%H:%M}"
    reports: list[tuple[str, list[str]]] = [
        ("Attribution by channel, every model side by side",
         ["report", "attribution", "--since", since, "--until", until]),
        ("Attribution by campaign: linear against Markov",
         ["report", "attribution", "--by", "campaign", "-m", "linear", "-m", "markov",
          "--since", since, "--until", until]),
        ("A/B test of the subject lines: opens", ["report", "abtest", "spring-sale",
                                                  "--metric", "open"]),
        ("A/B test of the subject lines: orders within a week",
         ["report", "abtest", "spring-sale", "--metric", "order"]),
        ("The spring sale's report", ["report", "campaign", "spring-sale"]),
        ("KPIs of the last 30 days", ["report", "kpis", "--as-of", until]),
    ]
    for title, args in reports:
        step(console, config, title, *args)


def step(console: Console, config: Path, title: str, *args: str,
         runner: Callable[[list[str]], int] = hub) -> None:
    console.print(Rule(f"[bold]{title}"))
    console.print(f"$ hub {' '.join(args)}", style="dim")
    code = runner(["--config", str(config), *args])
    if code != 0:
        console.print(f"[red]`hub {' '.join(args)}` exited with {code}[/]")
        sys.exit(code)


if __name__ == "__main__":
    demo = Path(__file__).with_name("demo")
    run(Console(), demo / "var", demo / "hub.yaml")
