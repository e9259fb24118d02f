"""Benchmark of the analytics core: attribution models and A/B evaluation.

Run with `python -m bench.analytics`. Generates a seeded synthetic data set (1,000,000
touchpoints over 200,000 contacts, about 50,000 conversions), times every attribution model
end to end, then A/B evaluations, then the same work as `hub report abtest` and `hub report
attribution` do it, reading a SQLite state store (100,000 exposures; 200,000 touchpoints),
prints a table (`--out FILE` keeps the figures as JSON).
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import scipy
from rich.console import Console
from rich.table import Table

from bench.options import parse, write
from hub.marketing.attribution import (
    AttributionModel,
    Conversion,
    Touchpoint,
    attribute,
    attribution_report,
    build_journeys,
    credit,
)
from hub.marketing.campaigns.performance import ab_counts, ab_evaluation
from hub.marketing.experiments import Allocation, VariantCounts, evaluate
from hub.model import Campaign, CampaignType, Variant
from hub.store import StateStore
from hub.store import tables as t

SEED = 20240118
CONTACTS = 200_000
TOUCHPOINTS = 1_000_000
CONVERSIONS = 50_000
PERIOD_DAYS = 180
AB_RUNS = 1_000
ASSIGNMENTS = 100_000
STORE_EXPOSURES = 100_000
STORE_TOUCHPOINTS = 200_000

CHANNELS = ("email", "sms", "paid_search", "social", "display", "referral", "organic", "direct")
CHANNEL_ODDS = (0.30, 0.10, 0.15, 0.15, 0.08, 0.05, 0.10, 0.07)
CAMPAIGNS_PER_CHANNEL = 25  # organic and direct touches carry no campaign

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    name: str
    seconds: float
    note: str


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    outcome = action()
    return outcome, time.perf_counter() - started


def synthetic_data(rng: np.random.Generator) -> tuple[list[Touchpoint], list[Conversion]]:
    """Touches spread over the period; conversions follow a contact's touch by up to 10 days."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    contact = rng.integers(0, CONTACTS, TOUCHPOINTS)
    offset = rng.uniform(0, PERIOD_DAYS * 86_400, TOUCHPOINTS)
    channel = rng.choice(len(CHANNELS), TOUCHPOINTS, p=CHANNEL_ODDS)
    campaign = rng.integers(0, CAMPAIGNS_PER_CHANNEL, TOUCHPOINTS)
    untracked = {CHANNELS.index("organic"), CHANNELS.index("direct")}
    touchpoints = [
        Touchpoint(
            contact_id=f"contact-{c}",
            occurred_at=start + timedelta(seconds=s),
            channel=CHANNELS[ch],
            campaign_id=None if ch in untracked else f"{CHANNELS[ch]}-{k}",
        )
        for c, s, ch, k in zip(
            contact.tolist(), offset.tolist(), channel.tolist(), campaign.tolist(), strict=True
        )
    ]
    anchor = rng.choice(TOUCHPOINTS, CONVERSIONS, replace=False)
    delay = rng.uniform(0, 40 * 86_400, CONVERSIONS)  # some fall outside the 30-day lookback
    revenue = rng.lognormal(mean=4.5, sigma=1.0, size=CONVERSIONS).round(2)
    conversions = [
        Conversion(
            contact_id=f"contact-{contact[a]}",
            occurred_at=start + timedelta(seconds=offset[a] + d),
            revenue=r,
            id=f"order-{i}",
        )
        for i, (a, d, r) in enumerate(
            zip(anchor.tolist(), delay.tolist(), revenue.tolist(), strict=True)
        )
    ]
    return touchpoints, conversions


def bench_attribution(
    touchpoints: list[Touchpoint], conversions: list[Conversion]
) -> tuple[list[Timing], dict[str, float]]:
    """Each model end to end (`attribute`), then crediting alone on journeys built once."""
    timings: list[Timing] = []
    attributed: dict[str, float] = {}
    for model in AttributionModel:
        result, seconds = timed(partial(attribute, touchpoints, conversions, model))
        credited = sum(result.revenue_by_channel.values())
        if abs(credited - result.attributed_revenue) > 1e-6 * result.attributed_revenue:
            raise AssertionError(f"{model}: credits {credited} != {result.attributed_revenue}")
        attributed[model.value] = result.attributed_revenue
        timings.append(
            Timing(
                f"attribute: {model.value}",
                seconds,
                f"{result.attributed_conversions:,} of {result.conversions:,} attributed",
            )
        )
    journeys, seconds = timed(partial(build_journeys, touchpoints, conversions))
    timings.append(
        Timing("build_journeys", seconds, f"{len(journeys.pair_touch):,} touches in windows")
    )
    for model in AttributionModel:
        _, seconds = timed(partial(credit, journeys, model))
        timings.append(Timing(f"credit: {model.value}", seconds, "journeys built once"))
    return timings, attributed


def bench_abtest(rng: np.random.Generator) -> list[Timing]:
    variants = [VariantCounts("control", 10_000, 1_000), VariantCounts("treatment", 10_000, 1_100)]
    single, seconds = timed(lambda: evaluate(variants))
    timings = [Timing("evaluate (1 test)", seconds, f"verdict {single.verdict.value}")]

    cases = []
    for _ in range(AB_RUNS):
        arms = int(rng.integers(2, 5))
        sizes = rng.integers(100, 50_000, arms)
        rates = rng.uniform(0.01, 0.3, arms)
        cases.append(
            [
                VariantCounts(f"v{i}", int(n), int(rng.binomial(n, p)))
                for i, (n, p) in enumerate(zip(sizes, rates, strict=True))
            ]
        )
    _, seconds = timed(lambda: [evaluate(case) for case in cases])
    timings.append(Timing(f"evaluate ({AB_RUNS:,} tests)", seconds, "2-4 variants each"))

    allocation = Allocation("subject-line", {"control": 1.0, "treatment": 1.0})
    ids = [f"contact-{i}" for i in range(ASSIGNMENTS)]
    _, seconds = timed(lambda: [allocation.assign(i) for i in ids])
    timings.append(Timing(f"assign ({ASSIGNMENTS:,} contacts)", seconds, "sha-256 buckets"))
    return timings


def _fill_store(store: StateStore, touchpoints: list[Touchpoint],
                conversions: list[Conversion], rng: np.random.Generator) -> Campaign:
    """A campaign's exposures and orders, and a slice of the touchpoints, in the store."""
    campaign = Campaign(id="bench", name="Bench", type=CampaignType.PROMOTION,
                        variants=[Variant(name="control"), Variant(name="treatment")])
    sent = datetime(2024, 3, 1, tzinfo=UTC)
    allocation = Allocation(campaign.id, ["control", "treatment"])
    messages = [{"tenant": "default", "id": f"m{i}", "channel": "email",
                 "contact_id": f"contact-{i}", "campaign_id": campaign.id,
                 "variant": allocation.assign(f"contact-{i}"), "idempotency_key": f"k{i}",
                 "created_at": sent} for i in range(STORE_EXPOSURES)]
    buyers = rng.choice(STORE_EXPOSURES, STORE_EXPOSURES // 10, replace=False)
    orders = [{"tenant": "default", "id": c.id, "contact_id": c.contact_id,
               "status": "completed", "currency": "USD", "total": round(c.revenue, 2),
               "placed_at": c.occurred_at} for c in conversions]
    orders += [{"tenant": "default", "id": f"ab-{b}", "contact_id": f"contact-{b}",
                "status": "paid", "currency": "USD", "total": 50,
                "placed_at": sent + timedelta(days=2)} for b in buyers.tolist()]
    touches = [{"tenant": "default", "id": f"t{i}", "contact_id": tp.contact_id,
                "channel": tp.channel, "campaign_id": tp.campaign_id,
                "occurred_at": tp.occurred_at}
               for i, tp in enumerate(touchpoints[:STORE_TOUCHPOINTS])]
    with store.transaction() as tx:
        tx.conn.execute(t.campaigns.insert().values(
            tenant="default", id=campaign.id, name=campaign.name, type=campaign.type.value,
            status=campaign.status.value, document=campaign.model_dump(mode="json")))
        for table, rows in ((t.messages, messages), (t.orders, orders), (t.touchpoints, touches)):
            tx.conn.execute(table.insert(), rows)
    return campaign


def bench_store(touchpoints: list[Touchpoint], conversions: list[Conversion],
                rng: np.random.Generator) -> list[Timing]:
    """`hub report abtest` and `hub report attribution`, minus the printing, on SQLite."""
    with tempfile.TemporaryDirectory() as folder:
        store = StateStore(f"sqlite:///{Path(folder) / 'hub.db'}")
        store.upgrade()
        try:
            campaign = _fill_store(store, touchpoints, conversions, rng)
            with store.engine.connect() as conn:
                verdict, seconds = timed(lambda: ab_evaluation(ab_counts(conn, campaign)))
                models = tuple(AttributionModel)
                report, attribution_seconds = timed(
                    lambda: attribution_report(conn, "default", models))
        finally:
            store.close()
    note = f"{STORE_EXPOSURES:,} exposures, verdict {verdict.verdict.value if verdict else '-'}"
    first = next(iter(report.results.values()))
    return [
        Timing("store: A/B counts + evaluate", seconds, note),
        Timing("store: attribution, 7 models", attribution_seconds,
               f"{STORE_TOUCHPOINTS:,} touchpoints read, "
               f"{first.attributed_conversions:,} orders credited"),
    ]


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    console = Console()
    rng = np.random.default_rng(SEED)
    (touchpoints, conversions), generation = timed(lambda: synthetic_data(rng))
    console.print(
        f"generated {len(touchpoints):,} touchpoints, {len(conversions):,} conversions "
        f"in {generation:.1f} s"
    )
    attribution, attributed = bench_attribution(touchpoints, conversions)
    timings = attribution + bench_abtest(rng) + bench_store(touchpoints, conversions, rng)

    table = Table(title="Analytics benchmark")
    table.add_column("operation")
    table.add_column("seconds", justify="right")
    table.add_column("note")
    for timing in timings:
        table.add_row(timing.name, f"{timing.seconds:.3f}", timing.note)
    console.print(table)

    report = {
        "seed": SEED,
        "data": {
            "contacts": CONTACTS,
            "touchpoints": len(touchpoints),
            "conversions": len(conversions),
            "generation_seconds": generation,
        },
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "cpus": os.cpu_count(),
        },
        "timings": {t.name: {"seconds": t.seconds, "note": t.note} for t in timings},
        "attributed_revenue": attributed,
    }
    write(args.out, report, console)


if __name__ == "__main__":
    main()
