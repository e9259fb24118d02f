"""Trigger definitions: the `triggers:` section of hub.yaml.

    triggers:
      cart_reminder:
        kind: abandoned_cart        # abandoned_cart | churn_risk | vip_milestone
        after: 1 hour               #   | post_purchase | segment_entry
        template: cart-reminder
      win_back:
        kind: churn_risk
        after: 45 days
        offer: {code: COMEBACK15, high_value: true}
      welcome:
        kind: segment_entry
        segment: new_customers

Every trigger fires at most once per customer per 24 hours (`cooldown`, never less); a
trigger with a high-value offer waits 14 days before any trigger of the same offer group
reaches the customer again. `re_entry` says whether a customer can come back: `once` ever,
or once per occasion (a new cart, a new churn episode, a new segment entry). `goal` lists the
events that end a pending occasion before it fires (by default: an order for abandoned cart
and churn risk, the cart being cleared, leaving the segment).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import BeforeValidator, Field, ValidationError

from hub.config.schema import Strict
from hub.config.yaml_source import YamlDocument, problems_from
from hub.errors import ConfigError, Problem
from hub.marketing.segments.definitions import ChannelName, SegmentSet
from hub.marketing.segments.operands import suggest
from hub.marketing.segments.timeexpr import parse_duration

Kind = Literal["abandoned_cart", "churn_risk", "vip_milestone", "post_purchase",
               "segment_entry"]

DAY = timedelta(days=1)
MIN_COOLDOWN: Final = DAY  # the seed's rule: one execution per trigger and customer per 24 h
HIGH_VALUE_COOLDOWN: Final = timedelta(days=14)
GOALS: Final = frozenset({"order.created", "cart.cleared", "cart.converted", "segment.exited"})


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


@dataclass(frozen=True)
class KindDefaults:
    after: timedelta
    expires: timedelta | None
    goal: tuple[str, ...]
    re_entry: str = "per_occasion"


DEFAULTS: Final[dict[str, KindDefaults]] = {
    "abandoned_cart": KindDefaults(timedelta(hours=1), timedelta(days=3),
                                   ("order.created", "cart.cleared", "cart.converted")),
    # level-triggered: anyone still at risk gets the offer, once per churn episode
    "churn_risk": KindDefaults(timedelta(days=45), None, ("order.created",)),
    "vip_milestone": KindDefaults(timedelta(0), timedelta(days=7), (), "once"),
    "post_purchase": KindDefaults(timedelta(days=2), timedelta(days=3), ()),
    "segment_entry": KindDefaults(timedelta(0), timedelta(days=3), ("segment.exited",)),
}


class Offer(Strict):
    code: str = Field(min_length=1)
    high_value: bool = False
    group: str | None = Field(default=None, description="offers of a group count as similar "
                                                        "(default: the code)")


class TriggerSpec(Strict):
    kind: Kind
    enabled: bool = True
    description: str | None = None
    channel: ChannelName = "email"
    template: str | None = None
    subject: str | None = None
    after: Duration | None = Field(default=None, description="delay or inactivity")
    expires: Duration | None = Field(default=None, description="a due occasion older than "
                                                               "this no longer fires")
    cooldown: Duration = MIN_COOLDOWN
    re_entry: Literal["once", "per_occasion"] | None = None
    goal: list[str] | None = None
    offer: Offer | None = None
    segment: str | None = None
    threshold: float | None = Field(default=None, ge=0, description="vip_milestone")
    recommendations: int = Field(default=3, ge=1, le=20, description="post_purchase")


@dataclass(frozen=True)
class Trigger:
    """A checked trigger with every default filled in."""

    name: str
    kind: str
    spec: TriggerSpec
    after: timedelta
    expires: timedelta | None
    cooldown: timedelta
    re_entry: str
    goal: frozenset[str]

    @property
    def offer_group(self) -> str | None:
        offer = self.spec.offer
        return (offer.group or offer.code) if offer and offer.high_value else None

    @property
    def threshold(self) -> float:
        return self.spec.threshold if self.spec.threshold is not None else 38.0


@dataclass
class TriggerSet:
    triggers: dict[str, Trigger]

    def __iter__(self) -> Iterator[Trigger]:
        return iter(self.triggers.values())

    def of_kind(self, kind: str) -> list[Trigger]:
        return [t for t in self.triggers.values() if t.kind == kind and t.spec.enabled]

    def get(self, name: str) -> Trigger:
        if name not in self.triggers:
            raise ConfigError(f"no trigger named {name!r}{suggest(name, self.triggers)}")
        return self.triggers[name]

    def same_offer_group(self, trigger: Trigger) -> list[str]:
        group = trigger.offer_group
        return [t.name for t in self.triggers.values() if group and t.offer_group == group]


def triggers_from_config(doc: YamlDocument, raw: Any, segments: SegmentSet) -> TriggerSet:
    """Check the `triggers:` section of `doc`; every problem located, all at once."""
    problems: list[Problem] = []
    triggers: dict[str, Trigger] = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{doc.file} is invalid",
                          [doc.problem(("triggers",), "`triggers` maps names to triggers")])
    for name, body in raw.items():
        loc = ("triggers", name)
        try:
            spec = TriggerSpec.model_validate(body)
        except ValidationError as exc:
            problems += problems_from(doc, exc, prefix=loc)
            continue
        problems += _check(doc, loc, spec, segments)
        defaults = DEFAULTS[spec.kind]
        cooldown = max(spec.cooldown, HIGH_VALUE_COOLDOWN) if (
            spec.offer and spec.offer.high_value) else spec.cooldown
        triggers[str(name)] = Trigger(
            str(name), spec.kind, spec, spec.after if spec.after is not None else defaults.after,
            spec.expires if spec.expires is not None else defaults.expires, cooldown,
            spec.re_entry or defaults.re_entry,
            frozenset(spec.goal if spec.goal is not None else defaults.goal))
    if problems:
        raise ConfigError(f"triggers have {len(problems)} problem(s)", problems)
    return TriggerSet(triggers)


def _check(doc: YamlDocument, loc: tuple[str, ...], spec: TriggerSpec,
           segments: SegmentSet) -> list[Problem]:
    problems = []
    if spec.cooldown < MIN_COOLDOWN:
        problems.append(doc.problem((*loc, "cooldown"), "a trigger fires at most once per "
                                                        "customer per 24 hours: the cooldown "
                                                        "cannot be shorter"))
    if spec.kind == "segment_entry" and spec.segment is None:
        problems.append(doc.problem((*loc, "segment"), "a segment_entry trigger names the "
                                                       "segment whose entries it follows"))
    if spec.segment is not None and spec.segment not in segments:
        problems.append(doc.problem((*loc, "segment"), f"unknown segment {spec.segment!r}"
                                    f"{suggest(spec.segment, segments.definitions)}"))
    for i, goal in enumerate(spec.goal or []):
        if goal not in GOALS:
            problems.append(doc.problem((*loc, "goal", i), f"unknown goal {goal!r}; one of "
                                                           f"{', '.join(sorted(GOALS))}"))
    if spec.threshold is not None and spec.kind != "vip_milestone":
        problems.append(doc.problem((*loc, "threshold"), "only a vip_milestone trigger has a "
                                                         "threshold"))
    return problems
