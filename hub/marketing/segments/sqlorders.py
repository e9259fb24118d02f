"""SQL for the computed properties that come from a contact's completed orders.

Two shapes, chosen per property for speed on both databases:

- *Existence tests* for whole-day and lifecycle conditions. "Last order 45 days ago or more"
  is "has a completed order, and none placed since the 45-day cutoff": EXISTS / NOT EXISTS
  over the (tenant, contact_id, placed_at) index. SQLite probes it per contact and stops at
  the first hit; PostgreSQL turns top-level EXISTS into hash semi- and anti-joins.
- *One aggregate per query* (count, spend, last order instant, promotion use) for the
  properties that need the whole history, LEFT JOINed to contacts. On SQLite its WHERE
  marks the tenant term `Unindexed`: grouping 5 M orders by index order costs one random
  row lookup per order, scanning the table and sorting is several times faster.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hub.marketing.common.clock import day_cutoff
from hub.marketing.common.dialect import Unindexed, cents_of
from hub.marketing.common.orders import ACTIVE_DAYS, completed
from hub.marketing.segments import catalogue as cat
from hub.marketing.segments.operands import Test, integer_range
from hub.store import tables as t

Pred = sa.ColumnElement[bool]
Expr = sa.ColumnElement[Any]
Within = Callable[[int | None, int | None], Pred]


def ranges(op: str, operand: Any, within: Within, scale: int = 1) -> Pred:
    """An integer-valued quantity compared with a real operand, through inclusive ranges.

    `within(low, high)` builds the predicate "low <= quantity <= high" (None: open end).
    """
    def one(value: Any, kind: str) -> Pred:
        bounds = integer_range(kind, Decimal(str(value)) * scale)
        return sa.false() if bounds is None else within(*bounds)
    if op == "ne":
        return sa.not_(one(operand, "eq"))
    if op == "in":
        return sa.or_(*(one(o, "eq") for o in operand))
    if op == "between":
        return sa.and_(one(operand[0], "gte"), one(operand[1], "lte"))
    return one(operand, op)


class OrderFacts:
    """Order-derived predicates and expressions for one query over `contacts`."""

    def __init__(self, tenant: str, now: datetime, contact_id: Expr, *,
                 with_promotions: bool = False, with_spend: bool = False) -> None:
        self.tenant, self.now, self.contact_id = tenant, now, contact_id
        # the aggregate computes only what the query reads: cents per order cost time
        self.with_promotions, self.with_spend = with_promotions, with_spend
        # set while compiling the siblings of a condition that already implies "has a
        # completed order": A ∧ B(has) ≡ A ∧ B(true) when A implies has
        self.customer_known = False
        self._stats: sa.Subquery | None = None

    @property
    def joins(self) -> list[sa.Subquery]:
        return [self._stats] if self._stats is not None else []

    # -- existence tests -------------------------------------------------------------------
    def has_orders(self) -> Pred:
        return sa.true() if self.customer_known else self.placed()

    def placed(self, *, since: datetime | None = None, before: datetime | None = None) -> Pred:
        """EXISTS a completed order of this contact, optionally since / before an instant."""
        o = t.orders.alias("xo")
        conds = [o.c.tenant == self.tenant, o.c.contact_id == self.contact_id,
                 completed(o, until=self.now)]
        if since is not None:
            conds.append(o.c.placed_at >= since)
        if before is not None:
            conds.append(o.c.placed_at < before)
        return sa.exists(sa.select(sa.literal(1)).select_from(o).where(*conds))

    def days_since_last(self, tests: tuple[Test, ...]) -> Pred:
        def within(low: int | None, high: int | None) -> Pred:
            parts = [] if high is not None else [self.has_orders()]
            if low is not None:  # nothing more recent than `low` days
                parts.append(~self.placed(since=day_cutoff(self.now, low)))
            if high is not None:  # something at most `high` days old
                parts.append(self.placed(since=day_cutoff(self.now, high + 1)))
            return sa.and_(*parts)
        return self._days(tests, within)

    def days_since_first(self, tests: tuple[Test, ...]) -> Pred:
        def within(low: int | None, high: int | None) -> Pred:
            parts = [] if low is not None else [self.has_orders()]
            if low is not None:  # something at least `low` days old
                parts.append(self.placed(before=day_cutoff(self.now, low)))
            if high is not None:  # nothing older than `high` days
                parts.append(~self.placed(before=day_cutoff(self.now, high + 1)))
            return sa.and_(*parts)
        return self._days(tests, within)

    def _days(self, tests: tuple[Test, ...], within: Within) -> Pred:
        parts: list[Pred] = []
        for test in tests:
            if test.op == "exists":
                parts.append(self.has_orders() if test.operand else ~self.has_orders())
            elif test.op == "ne":  # a contact without orders has no value to differ
                parts.append(sa.and_(self.has_orders(), ranges(test.op, test.operand, within)))
            else:
                parts.append(ranges(test.op, test.operand, within))
        return sa.and_(*parts)

    def lifecycle(self, accepts: Callable[[str], bool]) -> Pred:
        """Contacts whose stage satisfies `accepts` (the leaf's tests, applied to each name)."""
        active = self.placed(since=day_cutoff(self.now, ACTIVE_DAYS + 1))
        stage: dict[str, Pred] = {"prospect": ~self.has_orders(), "active": active,
                                  "lapsed": sa.and_(self.has_orders(), ~active)}
        chosen = [stage[name] for name in cat.LIFECYCLE_STAGES if accepts(name)]
        return sa.or_(*chosen) if chosen else sa.false()

    # -- the aggregate ---------------------------------------------------------------------
    def stats(self) -> sa.Subquery:
        """Per contact: completed orders, the last one's instant, spend in cents and, when
        the query needs it, how many of those orders used a promotion."""
        if self._stats is None:
            o = t.orders.alias("o")
            columns: list[Expr] = [
                o.c.contact_id, sa.func.count().label("orders"),
                sa.func.max(o.c.placed_at).label("last_at")]
            if self.with_spend:
                columns.append(sa.func.sum(cents_of(o.c.total)).label("spent_cents"))
            source: sa.FromClause = o
            if self.with_promotions:
                ap = t.applied_promotions
                # one row per promoted order, however many promotions it carried
                used = (sa.select(ap.c.order_id).where(ap.c.tenant == self.tenant)
                        .distinct().subquery("promoted_orders"))
                source = o.outerjoin(used, used.c.order_id == o.c.id)
                columns.append(sa.func.count(used.c.order_id).label("promoted"))
            self._stats = (
                sa.select(*columns).select_from(source)
                .where(Unindexed(o.c.tenant) == self.tenant,
                       completed(o, until=self.now))
                .group_by(o.c.contact_id).subquery("order_stats"))
        return self._stats

    def count(self) -> Expr:
        return sa.func.coalesce(self.stats().c.orders, 0)

    def spent_cents(self) -> Expr:
        return sa.func.coalesce(self.stats().c.spent_cents, 0)

    def redeemed_ratio(self) -> Expr:
        if not self.with_promotions:
            raise AssertionError("the query was not prepared for promotion counts")
        stats = self.stats()
        ratio = sa.cast(stats.c.promoted, sa.Float) / sa.cast(stats.c.orders, sa.Float)
        return sa.case((stats.c.orders.is_not(None), ratio))

    def missing_categories(self, tests: tuple[Test, ...]) -> Pred:
        """The last purchase (every completed order at the latest instant) lacks them all."""
        last_at = self.stats().c.last_at
        parts: list[Pred] = []
        for test in tests:
            if test.op == "exists":
                parts.append(last_at.is_not(None) if test.operand else last_at.is_(None))
                continue
            o, line = t.orders.alias("last_order"), t.order_lines.alias("last_line")
            bought = (sa.select(sa.literal(1))
                      .select_from(o.join(line, sa.and_(line.c.tenant == o.c.tenant,
                                                        line.c.order_id == o.c.id)))
                      .where(o.c.tenant == self.tenant, o.c.contact_id == self.contact_id,
                             completed(o), o.c.placed_at == last_at,
                             line.c.category.in_(test.operand)))
            parts.append(sa.and_(last_at.is_not(None), ~sa.exists(bought)))
        return sa.and_(*parts)
