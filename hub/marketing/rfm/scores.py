"""RFM scores: the definitions, the named segments, and the one query that computes them.

Definitions (fixed here, checked against an independent pandas computation in the tests):

- **Customers scored**: every contact of the tenant with at least one *completed* order
  (status `paid` or `completed`) placed at or before the as-of moment. That is the population
  the completeness check expects one snapshot row for.
- **Recency** = whole days since the last completed order:
  `(epoch_seconds(as_of) - epoch_seconds(last)) // 86400`, fractions of a second dropped.
- **Frequency** = completed orders placed in the window `[as_of - N days, as_of]`
  (N = `window_days`, default 180); 0 for a customer who bought only before the window.
- **Monetary** = the total of those orders, summed in whole cents.
- **Scores 1-5** by rank, 5 best: rank the population by the measure from worst to best
  (recency descending, frequency and monetary ascending), with SQL `RANK()` — tied values
  share the lowest rank of their group — and score = 1 + floor(5 * (rank - 1) / n).
  Tie rule: equal values always get equal scores; a tied group takes the score of its first
  position, so a large tie (most customers bought once) sits in the lower quintile rather
  than being split arbitrarily by id. The result depends on the data only, never on ids.
- **Composite** = w_R*R + w_F*F + w_M*M (default 4R + 3F + 3M, at most 50).
- **Named segments**: the classic R x F map in `RFM_SEGMENTS` (data, not code); every one of
  the 25 (R, F) cells has exactly one name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.marketing.common.clock import DAY_SECONDS, as_utc, epoch_seconds
from hub.marketing.common.dialect import EpochSeconds, Unindexed, cents_of
from hub.marketing.common.orders import completed
from hub.marketing.segments.definitions import RfmSettings
from hub.store import tables as t


@dataclass(frozen=True)
class RfmSegment:
    name: str
    recency: tuple[int, int]  # inclusive score ranges
    frequency: tuple[int, int]


RFM_SEGMENTS: tuple[RfmSegment, ...] = (
    RfmSegment("champions", (5, 5), (4, 5)),
    RfmSegment("loyal", (3, 4), (4, 5)),
    RfmSegment("potential_loyalists", (4, 5), (2, 3)),
    RfmSegment("new_customers", (5, 5), (1, 1)),
    RfmSegment("promising", (4, 4), (1, 1)),
    RfmSegment("need_attention", (3, 3), (3, 3)),
    RfmSegment("about_to_sleep", (3, 3), (1, 2)),
    RfmSegment("cant_lose", (1, 2), (5, 5)),
    RfmSegment("at_risk", (1, 2), (3, 4)),
    RfmSegment("hibernating", (1, 2), (1, 2)),
)


def segment_name(r: int, f: int, table: Sequence[RfmSegment] = RFM_SEGMENTS) -> str | None:
    """The named segment of an (R, F) score pair."""
    for seg in table:
        if seg.recency[0] <= r <= seg.recency[1] and seg.frequency[0] <= f <= seg.frequency[1]:
            return seg.name
    return None


def score(rank: int, population: int) -> int:
    """The 1-5 score of a 1-based rank (worst first) among `population` customers."""
    return 1 + (5 * (rank - 1)) // population


def scoring_query(tenant: str, as_of: datetime, settings: RfmSettings | None = None,
                  table: Sequence[RfmSegment] = RFM_SEGMENTS) -> sa.Select[tuple[object, ...]]:
    """One row per scored customer, in the columns of `rfm_snapshots` (less tenant and date)."""
    settings = settings or RfmSettings()
    as_of = as_utc(as_of)
    window_start = as_of - timedelta(days=settings.window_days)
    o, c = t.orders.alias("o"), t.contacts.alias("c")
    in_window = o.c.placed_at >= window_start
    base = (
        sa.select(o.c.contact_id, sa.func.max(o.c.placed_at).label("last_at"),
                  sa.func.sum(sa.case((in_window, 1), else_=0)).label("frequency"),
                  sa.func.sum(sa.case((in_window, cents_of(o.c.total)), else_=0))
                  .label("monetary_cents"))
        # a table scan and one sort beat SQLite's walk of the contact index (a row lookup
        # per order): see Unindexed
        .where(Unindexed(o.c.tenant) == tenant, completed(o, until=as_of))
        .group_by(o.c.contact_id).subquery("base"))
    recency = (sa.literal(epoch_seconds(as_of), sa.BigInteger)
               - EpochSeconds(base.c.last_at)) // DAY_SECONDS
    known = (sa.select(base.c.contact_id, recency.label("recency_days"), base.c.frequency,
                       base.c.monetary_cents)
             .select_from(base.join(c, sa.and_(c.c.tenant == tenant,
                                               c.c.id == base.c.contact_id)))
             .subquery("measured"))
    population = sa.func.count().over()
    ranked = sa.select(
        known,
        sa.func.rank().over(order_by=known.c.recency_days.desc()).label("r_rank"),
        sa.func.rank().over(order_by=known.c.frequency).label("f_rank"),
        sa.func.rank().over(order_by=known.c.monetary_cents).label("m_rank"),
        population.label("n"),
    ).subquery("ranked")
    scores = sa.select(
        ranked.c.contact_id, ranked.c.recency_days, ranked.c.frequency, ranked.c.monetary_cents,
        *((1 + (5 * (ranked.c[f"{d}_rank"] - 1)) // ranked.c.n).label(f"{d}_score")
          for d in "rfm"),
    ).subquery("scores")
    w = settings.weights
    composite = (scores.c.r_score * w.recency + scores.c.f_score * w.frequency
                 + scores.c.m_score * w.monetary)
    named = sa.case(*((sa.and_(scores.c.r_score.between(*seg.recency),
                               scores.c.f_score.between(*seg.frequency)), seg.name)
                      for seg in table), else_=sa.null())
    return sa.select(
        scores.c.contact_id, scores.c.recency_days, scores.c.frequency,
        (scores.c.monetary_cents / 100.0).label("monetary"),
        scores.c.r_score, scores.c.f_score, scores.c.m_score,
        sa.cast(composite, sa.Float).label("composite"), named.label("segment"))
