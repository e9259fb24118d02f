"""The SQL evaluator: a segment's tree compiled to ONE SELECT of contact ids.

SQLAlchemy Core, the same statement on SQLite and PostgreSQL (the few spellings that differ
live in `hub.marketing.common.dialect`). Computed properties are aggregate subqueries over
the tenant's orders (and the latest RFM snapshot), LEFT JOINed once per query however often
the tree uses them; behaviour leaves are correlated EXISTS / COUNT subqueries that walk the
store's (tenant, contact_id, time) indexes. Every leaf is two-valued (never NULL), so `not`
means exactly what it means in Python. Whole days and cents are compared as integer ranges
converted to bounds (`operands.integer_range`, `clock.day_cutoff`), so the database never
does date arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hub.marketing.common.clock import as_utc
from hub.marketing.common.dialect import Contains, HashBucket, JsonProperty, cents_of
from hub.marketing.segments import catalogue as cat
from hub.marketing.segments import language as lang
from hub.marketing.segments.definitions import SegmentSet
from hub.marketing.segments.operands import Test, integer_range
from hub.marketing.segments.sqlorders import OrderFacts, ranges
from hub.marketing.segments.timeexpr import TimePoint
from hub.store import tables as t

T = cat.ValueType
Pred = sa.ColumnElement[bool]
Expr = sa.ColumnElement[Any]


class SqlCompiler:
    """Compiles the segments of one tenant, at one moment, to SELECT statements."""

    def __init__(self, segments: SegmentSet, *, tenant: str, now: datetime) -> None:
        self.segments = segments
        self.tenant = tenant
        self.now = as_utc(now)

    def members_query(self, name: str) -> sa.Select[str]:
        """SELECT contacts.id of every member of segment `name`."""
        query = _Query(self, name)
        predicate = query.membership(name)
        return query.select(predicate)


class _Query:
    """One statement under construction: the joins it needs and its WHERE clause."""

    def __init__(self, owner: SqlCompiler, name: str) -> None:
        self.segments, self.tenant, self.now = owner.segments, owner.tenant, owner.now
        self.c = t.contacts
        used = computed_names(self.segments.get(name).criteria, self.segments)
        self.orders = OrderFacts(self.tenant, self.now, self.c.c.id,
                                 with_promotions="promotions.redeemed_ratio" in used,
                                 with_spend="orders.total_spent" in used)
        self._rfm: sa.Subquery | None = None

    def select(self, predicate: Pred) -> sa.Select[str]:
        source: sa.FromClause = self.c
        for sub in [*self.orders.joins, self._rfm]:
            if sub is not None:
                source = source.outerjoin(sub, sub.c.contact_id == self.c.c.id)
        return (sa.select(self.c.c.id).select_from(source)
                .where(self.c.c.tenant == self.tenant, predicate))

    def membership(self, name: str) -> Pred:
        definition = self.segments.get(name)
        spec = definition.spec
        criteria = self.node(definition.criteria)
        if not spec.for_messaging:
            return criteria
        return sa.and_(self.subscribed(spec.channel, spec.topic or ""), criteria)

    def node(self, node: lang.Node) -> Pred:
        handler: Callable[[Any], Pred] = getattr(self, f"_{type(node).__name__}")
        return handler(node)

    # -- groups ----------------------------------------------------------------------------
    def _All(self, node: lang.All) -> Pred:
        anchor = next((c for c in node.children if implies_customer(c)), None)
        if anchor is None or self.orders.customer_known:
            return sa.and_(*(self.node(child) for child in node.children))
        # the anchor keeps its own "has a completed order" test; its siblings may drop theirs
        parts = [self.node(anchor)]
        self.orders.customer_known = True
        try:
            parts += [self.node(child) for child in node.children if child is not anchor]
        finally:
            self.orders.customer_known = False
        return sa.and_(*parts)

    def _AnyOf(self, node: lang.AnyOf) -> Pred:
        return sa.or_(*(self.node(child) for child in node.children))

    def _Not(self, node: lang.Not) -> Pred:
        return sa.not_(self.node(node.child))

    def _SegmentRef(self, node: lang.SegmentRef) -> Pred:
        return self.membership(node.name)  # definitions are acyclic: checked at load

    # -- values ----------------------------------------------------------------------------
    def _Attribute(self, node: lang.Attribute) -> Pred:
        if node.path.startswith(cat.PROPERTY_PREFIX):
            kind = {T.STRING: "string", T.NUMBER: "number", T.BOOL: "bool"}.get(node.type, "any")
            key = node.path.removeprefix(cat.PROPERTY_PREFIX)
            value: Expr = JsonProperty(self.c.c.properties, key, kind)
        else:
            value = self.c.c[node.path]
        return self.compare(value, node.type, node.tests)

    def _RandomBucket(self, node: lang.RandomBucket) -> Pred:
        value = HashBucket(sa.literal(f"{node.salt}:") + self.c.c.id)
        return self.compare(value, T.NUMBER, node.tests)

    def _ComputedValue(self, node: lang.ComputedValue) -> Pred:
        name, tests, orders = node.name, node.tests, self.orders
        if name == "days_since_last_order":
            return orders.days_since_last(tests)
        if name == "days_since_first_order":
            return orders.days_since_first(tests)
        if name == "lifecycle.stage":
            return orders.lifecycle(lambda stage: all(_accepts(stage, test) for test in tests))
        if name == "categories.last_order_missing":
            return orders.missing_categories(tests)
        if name == "orders.count" and all(_existence_only(test) for test in tests):
            # "ordered at all" needs no count: an existence test is far cheaper
            return sa.and_(*(orders.placed() if _existence_only(test) == "some"
                             else ~orders.placed() for test in tests))
        return self.compare(self.computed(name), node.type, tests)

    def computed(self, name: str) -> Expr:
        if name.startswith("rfm."):
            column = self.rfm().c[name.removeprefix("rfm.")]
            return cents_of(column) if name == "rfm.monetary" else column
        if name == "orders.count":
            return self.orders.count()
        if name == "orders.total_spent":
            return self.orders.spent_cents()
        if name == "promotions.redeemed_ratio":
            return self.orders.redeemed_ratio()
        raise AssertionError(f"computed property {name!r} has no SQL definition")

    def rfm(self) -> sa.Subquery:
        if self._rfm is None:
            r = t.rfm_snapshots
            latest = (sa.select(sa.func.max(r.c.snapshot_date))
                      .where(r.c.tenant == self.tenant, r.c.snapshot_date <= self.now.date())
                      .scalar_subquery())
            self._rfm = (
                sa.select(r.c.contact_id, r.c.recency_days, r.c.frequency, r.c.monetary,
                          r.c.r_score.label("r"), r.c.f_score.label("f"),
                          r.c.m_score.label("m"), r.c.composite, r.c.segment)
                .where(r.c.tenant == self.tenant, r.c.snapshot_date == latest)
                .subquery("rfm"))
        return self._rfm

    # -- behaviour -------------------------------------------------------------------------
    def _Event(self, node: lang.Event) -> Pred:
        source = cat.EVENTS[node.name]
        table, columns, contact = self.event_table(source.table)
        when = columns[source.time_column]
        conds: list[Pred] = [columns["tenant"] == self.tenant, contact == self.c.c.id,
                             *self.window(when, node.window)]
        conds += [columns[col].in_(values) for col, values in source.fixed.items()]
        conds += [self.compare(self.field(columns[f.field], f.type), f.type, f.tests)
                  for f in node.where]
        return self.count(table, conds, node.at_least, node.at_most)

    def event_table(self, name: str) -> tuple[sa.FromClause, dict[str, Expr], Expr]:
        """The selectable for an event source, its columns by name, and its contact column."""
        if name == "redemptions":
            ap, o = t.applied_promotions.alias("ev_ap"), t.orders.alias("ev_o")
            joined = ap.join(o, sa.and_(o.c.tenant == ap.c.tenant, o.c.id == ap.c.order_id))
            columns: dict[str, Expr] = {c.name: c for c in ap.c}
            columns["placed_at"] = o.c.placed_at
            return joined, columns, o.c.contact_id
        table = t.metadata.tables[name].alias(f"ev_{name}")
        return table, {c.name: c for c in table.c}, table.c.contact_id

    def field(self, column: Expr, value_type: T) -> Expr:
        return cents_of(column) if value_type is T.MONEY else column

    def _Engagement(self, node: lang.Engagement) -> Pred:
        e = t.engagement_events.alias("eng")
        conds: list[Pred] = [e.c.tenant == self.tenant, e.c.contact_id == self.c.c.id,
                             e.c.type.in_(node.types), e.c.channel == node.channel,
                             *self.window(e.c.occurred_at, node.window)]
        if node.campaign is not None:
            conds.append(e.c.campaign_id == node.campaign)
        return self.count(e, conds, node.at_least, node.at_most)

    def window(self, when: Expr, window: lang.Window) -> list[Pred]:
        conds = [when <= self.now]
        if window.after is not None:
            conds.append(when >= window.after.resolve(self.now))
        if window.before is not None:
            conds.append(when <= window.before.resolve(self.now))
        return conds

    def count(self, table: sa.FromClause, conds: list[Pred], at_least: int | None,
              at_most: int | None) -> Pred:
        if at_most is None and at_least == 1:
            return sa.exists(sa.select(sa.literal(1)).select_from(table).where(*conds))
        if at_most == 0 and not at_least:
            return ~sa.exists(sa.select(sa.literal(1)).select_from(table).where(*conds))
        counted = sa.select(sa.func.count()).select_from(table).where(*conds).scalar_subquery()
        bounds: list[Pred] = []
        if at_least:
            bounds.append(counted >= at_least)
        if at_most is not None:
            bounds.append(counted <= at_most)
        return sa.and_(*bounds) if bounds else sa.true()

    # -- consent ---------------------------------------------------------------------------
    def consent_in(self, channel: str, topic: str, statuses: tuple[str, ...]) -> Pred:
        """The effective consent is one of `statuses`: the topic's own decision when there
        is one, else the channel-wide one, else `unknown`. Written as EXISTS tests (which
        PostgreSQL joins by hash) rather than as a per-contact scalar lookup."""
        cs = t.consents

        def recorded(for_topic: str, among: tuple[str, ...] | None = None) -> Pred:
            conds = [cs.c.tenant == self.tenant, cs.c.contact_id == self.c.c.id,
                     cs.c.channel == channel, cs.c.topic == for_topic]
            if among is not None:
                conds.append(cs.c.status.in_(among))
            return sa.exists().where(*conds)

        by_channel = recorded("", statuses)
        if "unknown" in statuses:
            by_channel = sa.or_(by_channel, ~recorded(""))
        if not topic:
            return by_channel
        return sa.or_(recorded(topic, statuses), sa.and_(~recorded(topic), by_channel))

    def subscribed(self, channel: str, topic: str) -> Pred:
        s = t.suppressions
        suppressed = sa.exists().where(s.c.tenant == self.tenant, s.c.contact_id == self.c.c.id,
                                       s.c.channel == channel)
        return sa.and_(~suppressed, self.consent_in(channel, topic, ("opted_in",)))

    def _ConsentIs(self, node: lang.ConsentIs) -> Pred:
        return self.consent_in(node.channel, node.topic, node.statuses)

    def _Subscribed(self, node: lang.Subscribed) -> Pred:
        return self.subscribed(node.channel, node.topic)

    # -- comparisons -----------------------------------------------------------------------
    def compare(self, value: Expr, value_type: T, tests: tuple[Test, ...]) -> Pred:
        return sa.and_(*(self.test(value, value_type, test) for test in tests))

    def test(self, value: Expr, value_type: T, test: Test) -> Pred:
        op, operand = test.op, self.resolve(test.operand)
        if op == "exists":
            return value.is_not(None) if operand else value.is_(None)
        present = value.is_not(None)
        if value_type is T.MONEY:  # cents compared with the operand's cent range
            return sa.and_(present, ranges(op, operand, _between(value), scale=100))
        if value_type is T.BOOL:
            return sa.and_(present, value == (1 if operand else 0))
        if op == "contains":
            return sa.and_(present, Contains(value, sa.literal(operand)))
        return sa.and_(present, _plain(value, op, operand))

    def resolve(self, operand: Any) -> Any:
        if isinstance(operand, TimePoint):
            return operand.resolve(self.now)
        if isinstance(operand, tuple):
            return tuple(self.resolve(o) for o in operand)
        return operand


def _plain(value: Expr, op: str, operand: Any) -> Pred:
    if op == "in":
        return value.in_([_bound(o) for o in operand])
    if op == "between":
        return value.between(_bound(operand[0]), _bound(operand[1]))
    return {"eq": value.__eq__, "ne": value.__ne__, "gt": value.__gt__, "gte": value.__ge__,
            "lt": value.__lt__, "lte": value.__le__}[op](_bound(operand))


def _bound(operand: Any) -> Any:
    """A number bound with its own type: left to the column's type, 0.5 compared with an
    integer column would be sent as an integer (PostgreSQL casts it: 0.5 becomes 1)."""
    if isinstance(operand, float):
        return sa.literal(operand, sa.Float())
    if isinstance(operand, int) and not isinstance(operand, bool):
        return sa.literal(operand, sa.BigInteger())
    return operand


def _between(value: Expr) -> Callable[[int | None, int | None], Pred]:
    def within(low: int | None, high: int | None) -> Pred:
        parts = ([value >= low] if low is not None else []) + (
            [value <= high] if high is not None else [])
        return sa.and_(*parts) if parts else sa.true()
    return within


def _accepts(value: str, test: Test) -> bool:
    """A string test applied to a known value (the finite lifecycle stages)."""
    op, operand = test.op, test.operand
    if op == "exists":
        return bool(operand)  # every contact has a stage
    if op == "in":
        return value in operand
    if op == "contains":
        return bool(operand in value)
    return bool(value == operand) if op == "eq" else bool(value != operand)


def _existence_only(test: Test) -> str | None:
    """`some` / `none` when an order-count test only asks whether any order exists."""
    if test.op in ("gte", "gt") and isinstance(test.operand, int | float):
        bound = integer_range(test.op, Decimal(str(test.operand)))
        if bound is not None and bound[0] == 1:
            return "some"
    if test.op in ("lte", "lt", "eq") and isinstance(test.operand, int | float):
        bound = integer_range(test.op, Decimal(str(test.operand)))
        if bound is not None and bound[1] == 0 and (test.op != "eq" or bound[0] == 0):
            return "none"
    return None


def computed_names(node: lang.Node, segments: SegmentSet) -> set[str]:
    """Every computed property a tree reads, through `segment:` references too."""
    if isinstance(node, lang.All | lang.AnyOf):
        return {n for child in node.children for n in computed_names(child, segments)}
    if isinstance(node, lang.Not):
        return computed_names(node.child, segments)
    if isinstance(node, lang.SegmentRef):
        return computed_names(segments.get(node.name).criteria, segments)
    return {node.name} if isinstance(node, lang.ComputedValue) else set()


def implies_customer(node: lang.Node) -> bool:
    """True when the condition can only hold for a contact with a completed order."""
    if not isinstance(node, lang.ComputedValue):
        return False
    if node.name in ("days_since_last_order", "days_since_first_order"):
        return any(test.op != "exists" or test.operand for test in node.tests)
    if node.name == "lifecycle.stage":
        return not all(_accepts("prospect", test) for test in node.tests)
    return node.name == "orders.count" and any(
        _existence_only(test) == "some" for test in node.tests)
