"""Marketing KPIs (seed 004 §8) as pure functions over plain records.

Each KPI is defined here once, in terms a marketer can check by hand; `kpis.store` reads the
records from the state store. Rates carry their numerator and denominator, so a report can
say "12.5 % (25 of 200)" and an empty denominator reads "n/a", never 0 %.

    open rate            messages opened / messages sent             (EmailEvent OPEN / SENT)
    click rate           messages clicked / messages sent            (EmailEvent CLICK / SENT)
    bounce rate          messages bounced (hard or soft) / messages sent
    complaint rate       messages marked as spam / messages sent
    unsubscribe rate     unsubscribes credited to a message / messages sent
    cart recovery rate   recovered carts / abandoned carts           (cart + order linkage)
    churn win-back rate  recipients ordering within 14 days / recipients of win-back messages
    conversion uplift    conversion of the treated minus that of the holdout (with a z-test)
    promotion revenue    revenue of orders that used a campaign's promotion, per campaign
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from hub.errors import ConfigError
from hub.marketing.common.orders import OrderRecord
from hub.marketing.experiments import DEFAULT_ALPHA, VariantCounts, two_proportion_test
from hub.model import EngagementType

CART_INACTIVITY = timedelta(hours=1)  # seed 004 §5: a cart idle for over an hour is abandoned
RECOVERY_WINDOW = timedelta(days=7)
WIN_BACK_WINDOW = timedelta(days=14)  # seed 004 §8: "order within 14d"

# Proof that a provider accepted the message: any event but an outright failure.
_NOT_SENT = frozenset({EngagementType.FAILED.value})


@dataclass(frozen=True, slots=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def __str__(self) -> str:
        value = self.value
        if value is None:
            return "n/a"
        return f"{value:.1%} ({self.numerator:,} of {self.denominator:,})"


@dataclass(frozen=True, slots=True)
class Engagement:
    """One engagement event: which message (its id, or the provider's) and what happened."""

    message: str
    type: str
    contact_id: str | None = None
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class EngagementSummary:
    """Distinct messages per outcome; rates are over the messages sent."""

    sent: int
    delivered: int
    opened: int
    clicked: int
    bounced: int
    complained: int
    unsubscribed: int

    @property
    def open_rate(self) -> Rate:
        return Rate(self.opened, self.sent)

    @property
    def click_rate(self) -> Rate:
        return Rate(self.clicked, self.sent)

    @property
    def click_to_open_rate(self) -> Rate:
        return Rate(self.clicked, self.opened)

    @property
    def bounce_rate(self) -> Rate:
        return Rate(self.bounced, self.sent)

    @property
    def complaint_rate(self) -> Rate:
        return Rate(self.complained, self.sent)

    @property
    def unsubscribe_rate(self) -> Rate:
        return Rate(self.unsubscribed, self.sent)

    def rates(self) -> dict[str, Rate]:
        """Every rate by name, as reports list them."""
        return {"open_rate": self.open_rate, "click_rate": self.click_rate,
                "bounce_rate": self.bounce_rate, "complaint_rate": self.complaint_rate,
                "unsubscribe_rate": self.unsubscribe_rate}


def summarise_engagement(events: Iterable[Engagement]) -> EngagementSummary:
    """Count each message once per outcome, however many times it was opened or clicked.

    A message counts as sent once any event other than a failure shows the provider took it,
    so a lost "sent" webhook does not inflate the rates.
    """
    by_type: dict[str, set[str]] = defaultdict(set)
    sent: set[str] = set()
    for event in events:
        by_type[event.type].add(event.message)
        if event.type not in _NOT_SENT:
            sent.add(event.message)

    def distinct(*types: EngagementType) -> int:
        return len(set().union(*(by_type.get(t.value, set()) for t in types)))

    return EngagementSummary(
        sent=len(sent),
        delivered=distinct(EngagementType.DELIVERED),
        opened=distinct(EngagementType.OPENED),
        clicked=distinct(EngagementType.CLICKED),
        bounced=distinct(EngagementType.BOUNCED_HARD, EngagementType.BOUNCED_SOFT),
        complained=distinct(EngagementType.COMPLAINED),
        unsubscribed=distinct(EngagementType.UNSUBSCRIBED),
    )


def summarise_by_variant(events: Iterable[Engagement]) -> dict[str | None, EngagementSummary]:
    """One summary per A/B variant (None: messages sent without one)."""
    grouped: dict[str | None, list[Engagement]] = defaultdict(list)
    for event in events:
        grouped[event.variant].append(event)
    return {variant: summarise_engagement(found) for variant, found in
            sorted(grouped.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))}


def open_rate(events: Iterable[Engagement]) -> Rate:
    return summarise_engagement(events).open_rate


def click_rate(events: Iterable[Engagement]) -> Rate:
    return summarise_engagement(events).click_rate


@dataclass(frozen=True, slots=True)
class CartRecord:
    id: str
    contact_id: str
    last_activity_at: datetime
    cleared: bool = False


@dataclass(frozen=True, slots=True)
class CartRecovery:
    abandoned: int
    recovered: int
    recovered_revenue: Decimal
    recovered_cart_ids: tuple[str, ...] = field(default=())

    @property
    def rate(self) -> Rate:
        return Rate(self.recovered, self.abandoned)


def _positive(value: timedelta, name: str) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ConfigError(f"{name} must be a positive duration, got {value!r}")


def cart_recovery(carts: Iterable[CartRecord], orders: Iterable[OrderRecord], *,
                  as_of: datetime, inactivity: timedelta = CART_INACTIVITY,
                  window: timedelta = RECOVERY_WINDOW) -> CartRecovery:
    """Recovered carts over abandoned carts.

    A cart is abandoned once it has sat `inactivity` past its last activity, by `as_of`,
    without an order: its abandonment time is last activity + inactivity. A cleared cart was
    given up on purpose and does not count. An abandoned cart is recovered by a later order
    within `window`: an order linked to it (cart id) or, for orders without a cart link, one
    by the same contact. An order placed within `inactivity` of the last activity is an
    ordinary checkout, and that cart was never abandoned.
    """
    _positive(inactivity, "inactivity")
    _positive(window, "window")
    linked: dict[str, list[OrderRecord]] = defaultdict(list)
    unlinked: dict[str, list[OrderRecord]] = defaultdict(list)
    for order in orders:
        (linked[order.cart_id] if order.cart_id else unlinked[order.contact_id]).append(order)
    abandoned = 0
    recovered: list[tuple[str, Decimal]] = []
    for cart in carts:
        abandoned_at = cart.last_activity_at + inactivity
        if cart.cleared or abandoned_at > as_of:
            continue
        own = linked.get(cart.id, [])
        if any(o.placed_at < abandoned_at for o in own):
            continue  # checked out before it could be called abandoned
        abandoned += 1
        candidates = own or unlinked.get(cart.contact_id, [])
        winning = [o for o in candidates
                   if abandoned_at <= o.placed_at <= min(abandoned_at + window, as_of)]
        if winning:
            first = min(winning, key=lambda o: o.placed_at)
            recovered.append((cart.id, first.total))
    return CartRecovery(abandoned=abandoned, recovered=len(recovered),
                        recovered_revenue=sum((r for _, r in recovered), Decimal(0)),
                        recovered_cart_ids=tuple(sorted(c for c, _ in recovered)))


def win_back_rate(first_sent: Mapping[str, datetime], orders: Iterable[OrderRecord], *,
                  window: timedelta = WIN_BACK_WINDOW) -> Rate:
    """Share of win-back recipients (contact -> first message) who ordered within `window`."""
    _positive(window, "window")
    won: set[str] = set()
    for order in orders:
        sent = first_sent.get(order.contact_id)
        if sent is not None and sent <= order.placed_at <= sent + window:
            won.add(order.contact_id)
    return Rate(len(won), len(first_sent))


@dataclass(frozen=True, slots=True)
class Uplift:
    """Conversion of the treated group against the holdout (or baseline) group."""

    treated: Rate
    holdout: Rate
    absolute: float | None  # rate difference, in rate units
    relative: float | None  # difference over the holdout rate
    p_value: float | None  # pooled two-proportion z-test
    significant: bool


def conversion_uplift(treated: Collection[str], holdout: Collection[str],
                      converters: Collection[str], *, alpha: float = DEFAULT_ALPHA) -> Uplift:
    """How much more the treated converted than the holdout; a contact in both is refused."""
    treated_set, holdout_set, converted = set(treated), set(holdout), set(converters)
    both = treated_set & holdout_set
    if both:
        raise ConfigError(f"{len(both)} contacts are both treated and held out, e.g. "
                          f"{sorted(both)[:3]}; a holdout must not receive the campaign")
    t_rate = Rate(len(treated_set & converted), len(treated_set))
    h_rate = Rate(len(holdout_set & converted), len(holdout_set))
    if not (t_rate.denominator and h_rate.denominator):
        return Uplift(t_rate, h_rate, None, None, None, False)
    test = two_proportion_test(
        VariantCounts("holdout", h_rate.denominator, h_rate.numerator),
        VariantCounts("treated", t_rate.denominator, t_rate.numerator), alpha=alpha)
    return Uplift(t_rate, h_rate, test.difference, test.relative_lift, test.p_value,
                  test.p_value < alpha)


@dataclass(frozen=True, slots=True)
class PromotionCredit:
    orders: int
    revenue: Decimal
    discount: Decimal


def promotion_attribution(
    orders: Iterable[OrderRecord],
    applied: Iterable[tuple[str, str, Decimal]],
    promotion_campaigns: Mapping[str, str | None],
) -> dict[str, PromotionCredit]:
    """Revenue of orders influenced by each campaign's promotions.

    `applied` holds (order id, promotion id, discount); `promotion_campaigns` maps a promotion
    to its campaign. Influence is not a split: an order that used promotions of two campaigns
    counts in full for both, so the figures may add up to more than the revenue.
    """
    by_order = {o.id: o for o in orders}
    per_campaign: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for order_id, promotion_id, discount in applied:
        campaign = promotion_campaigns.get(promotion_id)
        if campaign is None or order_id not in by_order:
            continue
        seen = per_campaign[campaign]
        seen[order_id] = seen.get(order_id, Decimal(0)) + discount
    return {
        campaign: PromotionCredit(
            orders=len(discounts),
            revenue=sum((by_order[o].total for o in discounts), Decimal(0)),
            discount=sum(discounts.values(), Decimal(0)),
        )
        for campaign, discounts in sorted(per_campaign.items())
    }
