"""What a segment may talk about: value types and their operators, contact attributes,
computed properties and event sources. Both evaluators (SQL and Python) implement exactly the
names listed here; the parser refuses any other.

Shared definitions the two evaluators must agree on:
- a *completed* order is one by `hub.marketing.common.orders`, placed at or before now;
- money is compared at cent precision;
- the *last order* is every completed order placed at the latest placed_at (orders placed at
  the same instant count as one purchase);
- a missing value (no orders, no snapshot, no attribute) satisfies no comparison except
  `exists: false`; use `not` for "is not X, or is missing".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from hub.marketing.common.orders import ACTIVE_DAYS


class ValueType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    MONEY = "money"
    DAYS = "days"  # a whole number of days since a moment: compared as a timestamp in SQL
    DATETIME = "datetime"
    BOOL = "bool"
    SET = "set"  # a set of strings; `contains` tests membership
    ANY = "any"  # a JSON property tested for existence only


COMPARISONS: Final = ("eq", "ne", "gt", "gte", "lt", "lte", "between", "in")
OPERATORS: Final = (*COMPARISONS, "contains", "exists")

OPERATORS_BY_TYPE: Final[dict[ValueType, frozenset[str]]] = {
    ValueType.STRING: frozenset({"eq", "ne", "in", "contains", "exists"}),
    ValueType.NUMBER: frozenset({*COMPARISONS, "exists"}),
    ValueType.MONEY: frozenset({*COMPARISONS, "exists"}),
    ValueType.DAYS: frozenset({*COMPARISONS, "exists"}),
    ValueType.DATETIME: frozenset({"gt", "gte", "lt", "lte", "between", "exists"}),
    ValueType.BOOL: frozenset({"eq", "exists"}),
    ValueType.SET: frozenset({"contains", "exists"}),
    ValueType.ANY: frozenset({"exists"}),
}

LIFECYCLE_STAGES: Final = ("prospect", "active", "lapsed")

CONTACT_ATTRIBUTES: Final[dict[str, ValueType]] = {
    "id": ValueType.STRING,
    "email": ValueType.STRING,
    "phone": ValueType.STRING,
    "first_name": ValueType.STRING,
    "last_name": ValueType.STRING,
    "time_zone": ValueType.STRING,
    "company_id": ValueType.STRING,
    "lifecycle_stage": ValueType.STRING,
    "created_at": ValueType.DATETIME,
    "updated_at": ValueType.DATETIME,
}
PROPERTY_PREFIX: Final = "properties."


@dataclass(frozen=True)
class Computed:
    type: ValueType
    description: str


COMPUTED: Final[dict[str, Computed]] = {
    "orders.count": Computed(ValueType.NUMBER, "completed orders, ever (0 when none)"),
    "orders.total_spent": Computed(ValueType.MONEY, "total of completed orders, ever (0)"),
    "days_since_last_order": Computed(ValueType.DAYS, "whole days since the last completed "
                                                      "order"),
    "days_since_first_order": Computed(ValueType.DAYS, "whole days since the first completed "
                                                       "order"),
    "promotions.redeemed_ratio": Computed(ValueType.NUMBER, "share of completed orders that "
                                                            "used a promotion"),
    "categories.last_order_missing": Computed(ValueType.SET, "catalogue categories absent "
                                                             "from the last order"),
    "lifecycle.stage": Computed(ValueType.STRING, "prospect (no completed order), active "
                                                  f"(one in the last {ACTIVE_DAYS} days) or "
                                                  "lapsed"),
    "rfm.recency_days": Computed(ValueType.NUMBER, "from the latest RFM snapshot"),
    "rfm.frequency": Computed(ValueType.NUMBER, "from the latest RFM snapshot"),
    "rfm.monetary": Computed(ValueType.MONEY, "from the latest RFM snapshot"),
    "rfm.r": Computed(ValueType.NUMBER, "recency score 1-5"),
    "rfm.f": Computed(ValueType.NUMBER, "frequency score 1-5"),
    "rfm.m": Computed(ValueType.NUMBER, "monetary score 1-5"),
    "rfm.composite": Computed(ValueType.NUMBER, "weighted sum of the scores"),
    "rfm.segment": Computed(ValueType.STRING, "named RFM segment (champions, at_risk …)"),
}
# the seed documents spell some names in camelCase; both spellings are accepted
COMPUTED_ALIASES: Final = {
    "daysSinceLastOrder": "days_since_last_order",
    "daysSinceFirstOrder": "days_since_first_order",
    "promotions.redeemedRatio": "promotions.redeemed_ratio",
    "categories.lastOrderMissing": "categories.last_order_missing",
    "orders.totalSpent": "orders.total_spent",
}


@dataclass(frozen=True)
class EventSource:
    """Where an event name is recorded in the store, and the fields a `where` may test."""

    table: str
    time_column: str
    fields: dict[str, ValueType]
    fixed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column IN values


EVENTS: Final[dict[str, EventSource]] = {
    "order.created": EventSource("orders", "placed_at", {
        "status": ValueType.STRING, "total": ValueType.MONEY, "discount": ValueType.MONEY,
        "currency": ValueType.STRING, "campaign_id": ValueType.STRING}),
    "cart.updated": EventSource("carts", "updated_at", {
        "status": ValueType.STRING, "value": ValueType.MONEY}),
    "promotion.redeemed": EventSource("redemptions", "placed_at", {
        "promotion_id": ValueType.STRING, "code": ValueType.STRING,
        "discount": ValueType.MONEY}),
    "touchpoint": EventSource("touchpoints", "occurred_at", {
        "channel": ValueType.STRING, "kind": ValueType.STRING, "campaign_id": ValueType.STRING}),
    "email.sent": EventSource("engagement_events", "occurred_at", {
        "campaign_id": ValueType.STRING, "variant": ValueType.STRING},
        {"channel": ("email",), "type": ("sent",)}),
    "email.open": EventSource("engagement_events", "occurred_at", {
        "campaign_id": ValueType.STRING, "variant": ValueType.STRING},
        {"channel": ("email",), "type": ("opened",)}),
    "email.click": EventSource("engagement_events", "occurred_at", {
        "campaign_id": ValueType.STRING, "variant": ValueType.STRING},
        {"channel": ("email",), "type": ("clicked",)}),
}
# the delivery events' own names (`email.opened`, as Resend's webhooks say) read the same rows
EVENTS.update({
    "email.opened": EVENTS["email.open"], "email.clicked": EVENTS["email.click"],
    "email.delivered": EventSource("engagement_events", "occurred_at", {
        "campaign_id": ValueType.STRING, "variant": ValueType.STRING},
        {"channel": ("email",), "type": ("delivered",)}),
})

# engagement leaves: a word people use → the stored engagement types it covers
ENGAGEMENT_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "sent": ("sent",),
    "delivered": ("delivered",),
    "opened": ("opened",),
    "clicked": ("clicked",),
    "bounced": ("bounced_soft", "bounced_hard"),
    "hard_bounced": ("bounced_hard",),
    "complained": ("complained",),
    "unsubscribed": ("unsubscribed",),
    "replied": ("replied",),
    "failed": ("failed",),
}
CONSENT_STATUSES: Final = ("opted_in", "opted_out", "unknown")
CHANNELS: Final = ("email", "sms", "push", "web", "social")
