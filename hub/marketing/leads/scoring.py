"""Lead scoring with configurable rules, and qualification at a threshold.

A scoring model is data (it loads from a mapping, e.g. a YAML block): rules in three
categories (engagement, fit, behaviour), each giving points when a condition on one field
holds. A category may be capped, so that a flood of email opens cannot make a lead qualified
on its own. The score is the capped sum, clamped to 0-100, and it comes with the names of
the rules that matched, so that sales can see why a lead scored what it did.

Fields a rule can test: the lead's own fields (email, company, country, source …),
`email_domain`, `attributes.<name>` (fit data) and `activity.<name>` (counters).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hub.errors import ConfigError
from hub.marketing.leads.merge import MergedLead
from hub.marketing.leads.validation import FREE_MAIL
from hub.model import LeadStatus


class Category(StrEnum):
    ENGAGEMENT = "engagement"
    FIT = "fit"
    BEHAVIOUR = "behaviour"


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "exists":
        return actual not in (None, "")
    if actual in (None, ""):
        return False
    if op in ("gte", "gt", "lte", "lt"):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return bool({"gte": actual >= expected, "gt": actual > expected,
                     "lte": actual <= expected, "lt": actual < expected}[op])
    text = str(actual).casefold()
    if op == "eq":
        return text == str(expected).casefold()
    if op == "ne":
        return text != str(expected).casefold()
    if op == "in":
        return text in {str(e).casefold() for e in expected}
    if op == "not_in":
        return text not in {str(e).casefold() for e in expected}
    if op == "contains":  # any of the words
        words = [expected] if isinstance(expected, str) else expected
        return any(str(w).casefold() in text for w in words)
    raise ConfigError(f"unknown scoring operator {op!r}")


OPERATORS = frozenset({"exists", "eq", "ne", "in", "not_in", "contains", "gte", "gt", "lte",
                       "lt"})


@dataclass(frozen=True)
class ScoringRule:
    name: str
    category: Category
    field: str
    op: str
    points: float
    value: Any = None

    def __post_init__(self) -> None:
        where = f"scoring rule {self.name!r}"
        if self.op not in OPERATORS:
            raise ConfigError(f"{where}: unknown operator {self.op!r}; "
                              f"use one of {', '.join(sorted(OPERATORS))}")
        if self.op in ("gte", "gt", "lte", "lt") and (
                isinstance(self.value, bool) or not isinstance(self.value, int | float)):
            raise ConfigError(f"{where}: {self.op} needs a number, got {self.value!r}")
        if self.op in ("in", "not_in") and not isinstance(self.value, list | tuple | frozenset):
            raise ConfigError(f"{where}: {self.op} needs a list, got {self.value!r}")
        if self.op != "exists" and self.value is None:
            raise ConfigError(f"{where}: {self.op} needs a value")

    def matches(self, lead: MergedLead) -> bool:
        return _compare(self.op, _field(lead, self.field), self.value)


def _field(lead: MergedLead, name: str) -> Any:
    group, _, key = name.partition(".")
    if group == "attributes" and key:
        return lead.attributes.get(key)
    if group == "activity" and key:
        return lead.activity.get(key)
    if name == "email_domain":
        return str(lead.values.get("email", "")).rpartition("@")[2]
    return lead.values.get(name)


@dataclass(frozen=True)
class LeadScore:
    total: float
    by_category: Mapping[str, float]
    matched: tuple[str, ...]


@dataclass(frozen=True)
class ScoringModel:
    rules: tuple[ScoringRule, ...]
    threshold: float = 50.0
    caps: Mapping[Category, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ConfigError(f"scoring rule names must be unique, got {names}")
        if not 0 <= self.threshold <= 100:
            raise ConfigError(f"the qualification threshold must lie in 0-100, "
                              f"got {self.threshold}")

    def score(self, lead: MergedLead) -> LeadScore:
        matched = [r for r in self.rules if r.matches(lead)]
        by_category: dict[str, float] = {}
        for category in Category:
            points = sum(r.points for r in matched if r.category is category)
            cap = self.caps.get(category)
            by_category[category.value] = min(points, cap) if cap is not None else points
        total = max(0.0, min(100.0, sum(by_category.values())))
        return LeadScore(total, by_category, tuple(r.name for r in matched))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ScoringModel:
        """`{threshold: 50, caps: {engagement: 30}, rules: [{name, category, field, op,
        points, value}]}`; errors name the rule and the key."""
        try:
            rules = tuple(
                ScoringRule(name=r["name"], category=Category(r["category"]), field=r["field"],
                            op=r.get("op", "exists"), points=float(r["points"]),
                            value=r.get("value"))
                for r in data.get("rules", ()))
            caps = {Category(k): float(v) for k, v in (data.get("caps") or {}).items()}
        except KeyError as exc:
            raise ConfigError(f"a scoring rule lacks {exc.args[0]!r}") from None
        except ValueError as exc:
            raise ConfigError(f"bad scoring model: {exc}") from None
        return cls(rules, float(data.get("threshold", 50.0)), caps)


def qualify(status: LeadStatus, score: float, threshold: float) -> LeadStatus:
    """New and unqualified leads at or above the threshold become qualified; a lead that
    sales is working on, or has converted, keeps its status whatever its score."""
    if status in (LeadStatus.NEW, LeadStatus.UNQUALIFIED) and score >= threshold:
        return LeadStatus.QUALIFIED
    return status


def _rule(name: str, category: Category, field: str, op: str, points: float,
          value: Any = None) -> ScoringRule:
    return ScoringRule(name, category, field, op, points, value)


E, F, B = Category.ENGAGEMENT, Category.FIT, Category.BEHAVIOUR
DEFAULT_RULES: Sequence[ScoringRule] = (
    _rule("opened an email", E, "activity.email_opens", "gte", 5, 1),
    _rule("clicked an email", E, "activity.email_clicks", "gte", 10, 1),
    _rule("clicked three emails", E, "activity.email_clicks", "gte", 5, 3),
    _rule("attended a webinar", E, "activity.webinars", "gte", 15, 1),
    _rule("business email", F, "email_domain", "not_in", 10, sorted(FREE_MAIL)),
    _rule("decision maker", F, "attributes.title", "contains", 15,
          ["chief", "director", "head", "vp", "vice president", "owner", "founder"]),
    _rule("50+ employees", F, "attributes.employees", "gte", 10, 50),
    _rule("500+ employees", F, "attributes.employees", "gte", 5, 500),
    _rule("visited pricing", B, "activity.pricing_visits", "gte", 15, 1),
    _rule("requested a demo", B, "activity.demo_requests", "gte", 30, 1),
    _rule("several forms", B, "activity.form_submissions", "gte", 10, 2),
)
DEFAULT_SCORING = ScoringModel(tuple(DEFAULT_RULES), threshold=50.0,
                               caps={E: 30.0, F: 40.0, B: 50.0})
