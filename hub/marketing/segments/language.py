"""The segment language: a tree of `all` / `any` / `not` over typed leaves.

    criteria:
      all:
        - {attribute: created_at, lte: 45 days ago}
        - {computed: rfm.composite, gte: 38}
        - {event: order.created, at_least: 2, within: 90 days, where: {total: {gte: 20}}}
        - any:
            - {engagement: opened, within: 30 days}
            - {segment: vip}
        - not: {consent: email, eq: opted_out}
        - {subscribed: email}
        - {random_bucket: holdout-q4, gte: 10}

A leaf names its kind with one key (`attribute`, `computed`, `event`, `engagement`,
`segment`, `consent`, `subscribed`, `random_bucket`); comparisons are operator keys
(eq, ne, gt, gte, lt, lte, between, in, contains, exists), several of which must all hold.
The parser returns frozen dataclasses; `parse_criteria` reports every problem it finds,
located in the YAML document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from hub.config.yaml_source import YamlDocument
from hub.errors import Problem
from hub.marketing.segments import catalogue as cat
from hub.marketing.segments.operands import Test, TypeChecker, check_tests, suggest
from hub.marketing.segments.timeexpr import TimePoint, parse_duration

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Window:
    """Events in [after, before]; open ends default to the beginning of time and to now."""

    after: TimePoint | None = None
    before: TimePoint | None = None


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Attribute:
    path: str  # a contacts column, or `properties.<key>`
    type: cat.ValueType
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class ComputedValue:
    name: str
    type: cat.ValueType
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class FieldTest:
    field: str
    type: cat.ValueType
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Event:
    name: str
    window: Window
    at_least: int | None
    at_most: int | None
    where: tuple[FieldTest, ...] = ()


@dataclass(frozen=True)
class Engagement:
    types: tuple[str, ...]
    channel: str
    campaign: str | None
    window: Window
    at_least: int | None
    at_most: int | None


@dataclass(frozen=True)
class SegmentRef:
    name: str
    loc: Loc


@dataclass(frozen=True)
class ConsentIs:
    channel: str
    topic: str
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class Subscribed:
    """Reachable: effective consent is opted_in and no suppression on the channel."""

    channel: str
    topic: str


@dataclass(frozen=True)
class RandomBucket:
    """A stable bucket 0-99 from a hash of salt and contact id (holdouts, splits)."""

    salt: str
    tests: tuple[Test, ...]


Node: TypeAlias = (All | AnyOf | Not | Attribute | ComputedValue | Event | Engagement
                   | SegmentRef | ConsentIs | Subscribed | RandomBucket)

GROUPS = ("all", "any", "not")
LEAF_KEYS: dict[str, frozenset[str]] = {
    "attribute": frozenset(cat.OPERATORS),
    "computed": frozenset(cat.OPERATORS),
    "random_bucket": frozenset(cat.OPERATORS),
    "event": frozenset({"at_least", "at_most", "within", "after", "before", "where"}),
    "engagement": frozenset({"channel", "campaign", "within", "after", "before", "at_least",
                             "at_most"}),
    "segment": frozenset(),
    "consent": frozenset({"topic", "eq", "in"}),
    "subscribed": frozenset({"topic"}),
}
KINDS = (*GROUPS, *LEAF_KEYS)


def parse_criteria(doc: YamlDocument, data: Any, loc: Loc) -> tuple[Node | None, list[Problem]]:
    """Parse a criteria tree found at `loc` in `doc`; the node is None when problems exist."""
    parser = _Parser(doc)
    node = parser.node(data, loc)
    return (node if not parser.problems else None), parser.problems


def references(node: Node) -> list[SegmentRef]:
    """Every `segment:` leaf in the tree, in document order."""
    if isinstance(node, All | AnyOf):
        return [ref for child in node.children for ref in references(child)]
    if isinstance(node, Not):
        return references(node.child)
    return [node] if isinstance(node, SegmentRef) else []


class _Parser:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.types = TypeChecker(self.fail)

    def fail(self, loc: Loc, message: str) -> None:
        self.problems.append(self.doc.problem(loc, message))

    def node(self, data: Any, loc: Loc) -> Node | None:
        if not isinstance(data, dict) or not data:
            self.fail(loc, "a condition is a mapping such as {computed: orders.count, gte: 2} "
                           "or {all: [...]}")
            return None
        kinds = [k for k in data if k in KINDS]
        if len(kinds) != 1:
            unknown = [k for k in data if k not in KINDS]
            if not kinds and unknown:
                key = str(unknown[0])
                self.fail((*loc, key), f"unknown condition {key!r}{suggest(key, KINDS)}; "
                                       f"a condition is one of: {', '.join(KINDS)}")
            else:
                self.fail(loc, f"a condition has exactly one of {', '.join(KINDS)} "
                               f"(found {', '.join(map(str, kinds)) or 'none'})")
            return None
        kind = str(kinds[0])
        allowed = frozenset() if kind in GROUPS else LEAF_KEYS[kind]
        extra = [k for k in data if k != kind and k not in allowed]
        for key in extra:
            hint = suggest(str(key), allowed) if allowed else ""
            if allowed == frozenset(cat.OPERATORS):
                self.fail((*loc, key), f"unknown operator {key!r}{hint}")
                continue
            self.fail((*loc, key), f"unknown key {key!r} in a {kind} condition{hint}"
                                   + (f" (allowed: {', '.join(sorted(allowed))})"
                                      if allowed else ""))
        if extra:
            return None
        build: Callable[[dict[str, Any], Loc], Node | None] = getattr(self, f"_{kind}")
        return build(data, loc)

    # -- groups ------------------------------------------------------------------------------
    def _children(self, data: dict[str, Any], key: str, loc: Loc) -> tuple[Node, ...] | None:
        items = data[key]
        if not isinstance(items, list) or not items:
            self.fail((*loc, key), f"`{key}` takes a non-empty list of conditions")
            return None
        nodes = [self.node(item, (*loc, key, i)) for i, item in enumerate(items)]
        return None if any(n is None for n in nodes) else tuple(n for n in nodes if n)

    def _all(self, data: dict[str, Any], loc: Loc) -> Node | None:
        children = self._children(data, "all", loc)
        return All(children) if children else None

    def _any(self, data: dict[str, Any], loc: Loc) -> Node | None:
        children = self._children(data, "any", loc)
        return AnyOf(children) if children else None

    def _not(self, data: dict[str, Any], loc: Loc) -> Node | None:
        child = self.node(data["not"], (*loc, "not"))
        return Not(child) if child else None

    # -- value leaves ------------------------------------------------------------------------
    def _attribute(self, data: dict[str, Any], loc: Loc) -> Node | None:
        path = data["attribute"]
        if not isinstance(path, str):
            self.fail((*loc, "attribute"), "`attribute` names a contact field, e.g. email")
            return None
        if path.startswith(cat.PROPERTY_PREFIX):
            key = path.removeprefix(cat.PROPERTY_PREFIX)
            if not key.replace("_", "").isalnum() or not key.isascii():
                self.fail((*loc, "attribute"), f"property name {key!r} may only contain "
                                               "letters, digits and underscores")
                return None
            value_type = self.types.infer_property_type(data, loc)
        elif path in cat.CONTACT_ATTRIBUTES:
            value_type = cat.CONTACT_ATTRIBUTES[path]
        else:
            self.fail((*loc, "attribute"), f"unknown attribute {path!r}"
                      f"{suggest(path, cat.CONTACT_ATTRIBUTES)}; known: "
                      f"{', '.join(cat.CONTACT_ATTRIBUTES)}, or properties.<name>")
            return None
        if value_type is None:
            return None
        tests = check_tests(self.types, data, value_type, loc, exclude={"attribute"})
        return Attribute(path, value_type, tests) if tests is not None else None

    def _computed(self, data: dict[str, Any], loc: Loc) -> Node | None:
        raw = data["computed"]
        name = cat.COMPUTED_ALIASES.get(raw, raw) if isinstance(raw, str) else raw
        if name not in cat.COMPUTED:
            self.fail((*loc, "computed"), f"unknown computed property {raw!r}"
                      f"{suggest(str(raw), cat.COMPUTED)}; known: {', '.join(cat.COMPUTED)}")
            return None
        value_type = cat.COMPUTED[name].type
        tests = check_tests(self.types, data, value_type, loc, exclude={"computed"})
        if tests is None:
            return None
        if name == "lifecycle.stage":
            self.types.check_choices(tests, cat.LIFECYCLE_STAGES, loc)
        return ComputedValue(name, value_type, tests)

    def _random_bucket(self, data: dict[str, Any], loc: Loc) -> Node | None:
        salt = data["random_bucket"]
        if not isinstance(salt, str) or not salt:
            self.fail((*loc, "random_bucket"), "`random_bucket` takes a salt string naming the "
                                               "split, e.g. holdout-2026-q4")
            return None
        tests = check_tests(self.types, data, cat.ValueType.NUMBER, loc,
                            exclude={"random_bucket"})
        return RandomBucket(salt, tests) if tests is not None else None

    # -- behaviour leaves --------------------------------------------------------------------
    def _event(self, data: dict[str, Any], loc: Loc) -> Node | None:
        name = data["event"]
        source = cat.EVENTS.get(name) if isinstance(name, str) else None
        if source is None:
            self.fail((*loc, "event"), f"unknown event {name!r}{suggest(str(name), cat.EVENTS)}"
                                       f"; known: {', '.join(cat.EVENTS)}")
            return None
        window, counts = self._window(data, loc), self._counts(data, loc)
        where = self._where(data.get("where", {}), source, (*loc, "where"))
        if window is None or counts is None or where is None:
            return None
        return Event(name, window, *counts, where=where)

    def _engagement(self, data: dict[str, Any], loc: Loc) -> Node | None:
        kind = data["engagement"]
        types = cat.ENGAGEMENT_TYPES.get(kind) if isinstance(kind, str) else None
        if types is None:
            self.fail((*loc, "engagement"), f"unknown engagement {kind!r}"
                      f"{suggest(str(kind), cat.ENGAGEMENT_TYPES)}; known: "
                      f"{', '.join(cat.ENGAGEMENT_TYPES)}")
            return None
        channel = self.types.channel(data.get("channel", "email"), (*loc, "channel"))
        campaign = data.get("campaign")
        if campaign is not None and not isinstance(campaign, str):
            self.fail((*loc, "campaign"), "`campaign` is a campaign id (a string)")
            return None
        window, counts = self._window(data, loc), self._counts(data, loc)
        if window is None or counts is None or channel is None:
            return None
        return Engagement(types, channel, campaign, window, *counts)

    def _window(self, data: dict[str, Any], loc: Loc) -> Window | None:
        if "within" in data and ("after" in data or "before" in data):
            self.fail((*loc, "within"), "give either `within` or `after`/`before`, not both")
            return None
        if "within" in data:
            try:
                span = parse_duration(str(data["within"]))
            except ValueError as exc:
                self.fail((*loc, "within"), str(exc))
                return None
            return Window(after=TimePoint(f"{data['within']} ago", before_now=span))
        ends: dict[str, TimePoint | None] = {"after": None, "before": None}
        for key in ends:
            if key in data:
                ends[key] = self.types.time_point(data[key], (*loc, key))
                if ends[key] is None:
                    return None
        return Window(ends["after"], ends["before"])

    def _counts(self, data: dict[str, Any], loc: Loc) -> tuple[int | None, int | None] | None:
        bounds: list[int | None] = []
        for key in ("at_least", "at_most"):
            value = data.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                      or value < 0):
                self.fail((*loc, key), f"`{key}` is a whole number of times (0 or more)")
                return None
            bounds.append(value)
        low, high = bounds
        if low is None and high is None:
            low = 1  # "performed the event": at least once
        if low is not None and high is not None and low > high:
            self.fail((*loc, "at_most"), f"at_most {high} is below at_least {low}")
            return None
        return low, high

    def _where(self, data: Any, source: cat.EventSource,
               loc: Loc) -> tuple[FieldTest, ...] | None:
        if not isinstance(data, dict):
            self.fail(loc, "`where` maps event fields to a value or to {operator: operand}")
            return None
        out: list[FieldTest] = []
        for name, spec in data.items():
            if name not in source.fields:
                self.fail((*loc, name), f"unknown field {name!r} for this event"
                          f"{suggest(str(name), source.fields)}; known: "
                          f"{', '.join(source.fields)}")
                continue
            value_type = source.fields[name]
            ops = spec if isinstance(spec, dict) else {"eq": spec}
            tests = check_tests(self.types, ops, value_type, (*loc, name), exclude=set())
            if tests is not None:
                out.append(FieldTest(name, value_type, tests))
        return tuple(out) if len(out) == len(data) else None

    # -- references, consent -----------------------------------------------------------------
    def _segment(self, data: dict[str, Any], loc: Loc) -> Node | None:
        name = data["segment"]
        if not isinstance(name, str) or not name:
            self.fail((*loc, "segment"), "`segment` names another segment")
            return None
        return SegmentRef(name, (*loc, "segment"))

    def _consent(self, data: dict[str, Any], loc: Loc) -> Node | None:
        channel = self.types.channel(data["consent"], (*loc, "consent"))
        topic = self.types.topic(data.get("topic"), (*loc, "topic"))
        wanted = data.get("in", [data["eq"]] if "eq" in data else ["opted_in"])
        key = "in" if "in" in data else "eq"
        if not isinstance(wanted, list) or not wanted or any(
                w not in cat.CONSENT_STATUSES for w in wanted):
            self.fail((*loc, key), f"consent status is one of {', '.join(cat.CONSENT_STATUSES)}")
            return None
        if channel is None or topic is None:
            return None
        return ConsentIs(channel, topic, tuple(wanted))

    def _subscribed(self, data: dict[str, Any], loc: Loc) -> Node | None:
        channel = self.types.channel(data["subscribed"], (*loc, "subscribed"))
        topic = self.types.topic(data.get("topic"), (*loc, "topic"))
        return Subscribed(channel, topic) if channel is not None and topic is not None else None
