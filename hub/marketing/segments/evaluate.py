"""The reference evaluator: segment membership computed in plain Python over a `Dataset`.

It is written for clarity, not speed: one contact at a time, straight from the definitions
in `catalogue`. The SQL compiler must return exactly the same members; property tests hold
the two together on random data and random trees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from hub.marketing.common.clock import as_utc, days_since
from hub.marketing.common.orders import ACTIVE_DAYS, COMPLETED_STATUSES
from hub.marketing.segments import catalogue as cat
from hub.marketing.segments import language as lang
from hub.marketing.segments.dataset import ByContact, Dataset, Row
from hub.marketing.segments.definitions import SegmentDefinition, SegmentSet
from hub.marketing.segments.operands import Test, cents
from hub.marketing.segments.timeexpr import TimePoint

T = cat.ValueType


def bucket_of(salt: str, contact_id: str) -> int:
    """The stable 0-99 bucket of a contact for a salt (the SQL evaluator hashes the same)."""
    digest = hashlib.md5(f"{salt}:{contact_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % 100


class MissingCategories:
    """Categories absent from a set: contains everything except what the last order had."""

    def __init__(self, present: frozenset[str]) -> None:
        self.present = present

    def __contains__(self, category: object) -> bool:
        return category not in self.present


@dataclass
class _Facts:
    """What the computed properties need to know about one contact's completed orders."""

    orders: list[Row]
    promoted: set[str]
    lines: dict[str, list[Row]]

    @cached_property
    def first_at(self) -> datetime | None:
        return min((o["placed_at"] for o in self.orders), default=None)

    @cached_property
    def last_at(self) -> datetime | None:
        return max((o["placed_at"] for o in self.orders), default=None)

    def last_order_categories(self) -> frozenset[str]:
        last = [o for o in self.orders if o["placed_at"] == self.last_at]
        return frozenset(line["category"] for o in last for line in self.lines.get(o["id"], [])
                         if line["category"] is not None)


class PythonEvaluator:
    """Members of the segments in `segments`, over `data`, for `tenant` at `now`."""

    def __init__(self, data: Dataset, segments: SegmentSet, *, now: datetime) -> None:
        self.now = as_utc(now)
        self.segments = segments
        self.index = ByContact(data, self.now.date())
        self._memo: dict[tuple[str, str], bool] = {}
        self._facts: dict[str, _Facts] = {}

    def members(self, name: str) -> set[str]:
        definition = self.segments.get(name)
        return {c["id"] for c in self.index.contacts if self.is_member(definition, c)}

    def is_member(self, definition: SegmentDefinition, contact: Row) -> bool:
        key = (definition.name, contact["id"])
        if key not in self._memo:
            spec = definition.spec
            reachable = (not spec.for_messaging
                         or self._subscribed(contact["id"], spec.channel, spec.topic or ""))
            self._memo[key] = reachable and self.matches(definition.criteria, contact)
        return self._memo[key]

    def matches(self, node: lang.Node, contact: Row) -> bool:
        handler: Callable[[Any, Row], bool] = getattr(self, f"_{type(node).__name__}")
        return handler(node, contact)

    # -- groups ----------------------------------------------------------------------------
    def _All(self, node: lang.All, contact: Row) -> bool:
        return all(self.matches(child, contact) for child in node.children)

    def _AnyOf(self, node: lang.AnyOf, contact: Row) -> bool:
        return any(self.matches(child, contact) for child in node.children)

    def _Not(self, node: lang.Not, contact: Row) -> bool:
        return not self.matches(node.child, contact)

    def _SegmentRef(self, node: lang.SegmentRef, contact: Row) -> bool:
        return self.is_member(self.segments.get(node.name), contact)

    # -- values ----------------------------------------------------------------------------
    def _Attribute(self, node: lang.Attribute, contact: Row) -> bool:
        if node.path.startswith(cat.PROPERTY_PREFIX):
            value = (contact.get("properties") or {}).get(
                node.path.removeprefix(cat.PROPERTY_PREFIX))
            value = value if _has_type(value, node.type) else None
        else:
            value = contact.get(node.path)
        return all(self.test(value, node.type, test) for test in node.tests)

    def _ComputedValue(self, node: lang.ComputedValue, contact: Row) -> bool:
        value = self.computed(node.name, contact["id"])
        return all(self.test(value, node.type, test) for test in node.tests)

    def _RandomBucket(self, node: lang.RandomBucket, contact: Row) -> bool:
        value = bucket_of(node.salt, contact["id"])
        return all(self.test(value, T.NUMBER, test) for test in node.tests)

    def computed(self, name: str, contact_id: str) -> Any:
        if name.startswith("rfm."):
            row = self.index.rfm.get(contact_id)
            return None if row is None else row[_RFM_COLUMNS[name]]
        facts = self.facts(contact_id)
        if name == "orders.count":
            return len(facts.orders)
        if name == "orders.total_spent":
            return Decimal(sum(cents(o["total"]) for o in facts.orders)) / 100
        if facts.last_at is None or facts.first_at is None:
            return "prospect" if name == "lifecycle.stage" else None
        if name == "days_since_last_order":
            return days_since(self.now, facts.last_at)
        if name == "days_since_first_order":
            return days_since(self.now, facts.first_at)
        if name == "promotions.redeemed_ratio":
            used = sum(1 for o in facts.orders if o["id"] in facts.promoted)
            return used / len(facts.orders)
        if name == "categories.last_order_missing":
            return MissingCategories(facts.last_order_categories())
        if name == "lifecycle.stage":
            recent = days_since(self.now, facts.last_at) <= ACTIVE_DAYS
            return "active" if recent else "lapsed"
        raise AssertionError(f"computed property {name!r} has no Python definition")

    def facts(self, contact_id: str) -> _Facts:
        if contact_id not in self._facts:
            completed = [o for o in self.index.rows("orders", contact_id)
                         if o["status"] in COMPLETED_STATUSES and o["placed_at"] <= self.now]
            self._facts[contact_id] = _Facts(completed, self.index.promoted_orders,
                                             self.index.lines_by_order)
        return self._facts[contact_id]

    # -- behaviour -------------------------------------------------------------------------
    def _Event(self, node: lang.Event, contact: Row) -> bool:
        source = cat.EVENTS[node.name]
        rows = [r for r in self.index.rows(source.table, contact["id"])
                if all(r[col] in values for col, values in source.fixed.items())
                and self._in_window(r[source.time_column], node.window)
                and all(self.test(_field(r, f), f.type, test)
                        for f in node.where for test in f.tests)]
        return _count_ok(len(rows), node.at_least, node.at_most)

    def _Engagement(self, node: lang.Engagement, contact: Row) -> bool:
        rows = [r for r in self.index.rows("engagement_events", contact["id"])
                if r["type"] in node.types and r["channel"] == node.channel
                and (node.campaign is None or r["campaign_id"] == node.campaign)
                and self._in_window(r["occurred_at"], node.window)]
        return _count_ok(len(rows), node.at_least, node.at_most)

    def _in_window(self, moment: datetime, window: lang.Window) -> bool:
        if moment > self.now:
            return False  # the future has not happened yet
        if window.after is not None and moment < window.after.resolve(self.now):
            return False
        return window.before is None or moment <= window.before.resolve(self.now)

    # -- consent ---------------------------------------------------------------------------
    def _ConsentIs(self, node: lang.ConsentIs, contact: Row) -> bool:
        status = self.index.consent_status(contact["id"], node.channel, node.topic)
        return status in node.statuses

    def _Subscribed(self, node: lang.Subscribed, contact: Row) -> bool:
        return self._subscribed(contact["id"], node.channel, node.topic)

    def _subscribed(self, contact_id: str, channel: str, topic: str) -> bool:
        return ((contact_id, channel) not in self.index.suppressed
                and self.index.consent_status(contact_id, channel, topic) == "opted_in")

    # -- comparisons -----------------------------------------------------------------------
    def test(self, value: Any, value_type: T, test: Test) -> bool:
        if test.op == "exists":
            return (value is not None) is test.operand
        if value is None:
            return False
        if value_type is T.MONEY:
            value = Decimal(cents(value)) / 100  # compared at cent precision
        operand = self._resolve(test.operand)
        op = test.op
        if op == "eq":
            return bool(value == operand)
        if op == "ne":
            return bool(value != operand)
        if op == "in":
            return value in operand
        if op == "between":
            return bool(operand[0] <= value <= operand[1])
        if op == "contains":
            if value_type is T.SET:
                return all(item in value for item in operand)
            return bool(operand in value)
        return bool(_ORDER[op](value, operand))

    def _resolve(self, operand: Any) -> Any:
        if isinstance(operand, TimePoint):
            return operand.resolve(self.now)
        if isinstance(operand, tuple):
            return tuple(self._resolve(o) for o in operand)
        return operand


_RFM_COLUMNS = {"rfm.recency_days": "recency_days", "rfm.frequency": "frequency",
                "rfm.monetary": "monetary", "rfm.r": "r_score", "rfm.f": "f_score",
                "rfm.m": "m_score", "rfm.composite": "composite", "rfm.segment": "segment"}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
}


def _has_type(value: Any, value_type: T) -> bool:
    """A JSON property takes part in a comparison only when its value has the compared type."""
    if value is None:
        return False
    if value_type is T.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if value_type is T.STRING:
        return isinstance(value, str)
    if value_type is T.BOOL:
        return isinstance(value, bool)
    return True


def _field(row: Row, field: lang.FieldTest) -> Any:
    return row.get(field.field)


def _count_ok(count: int, at_least: int | None, at_most: int | None) -> bool:
    return (at_least is None or count >= at_least) and (at_most is None or count <= at_most)


def evaluate(data: Dataset, segments: SegmentSet, name: str, *, now: datetime) -> set[str]:
    """Members of segment `name` by the reference evaluator."""
    return PythonEvaluator(data, segments, now=now).members(name)
