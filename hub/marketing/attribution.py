"""Revenue attribution: credit each conversion's revenue to the touchpoints that preceded it.

A conversion (an order or a closed-won deal) is credited to its contact's touchpoints that
occurred within `lookback` before it, boundaries included: `at - lookback <= touch <= at`.
Every conversion is credited on its own window, so one touchpoint may share in several
conversions. Touchpoints at the same instant keep their input order. A conversion whose window
holds no touchpoint is reported as unattributed; attributed + unattributed = total revenue.

Heuristic models weigh the touches of each window; each window's weights sum to 1, so credits
always add up to the attributed revenue. The Markov model lives in `attribution_markov`.

Bad records raise `DomainRuleError`; bad options raise `ConfigError`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import Literal, TypeVar

import numpy as np
from numpy.typing import NDArray

from hub.errors import ConfigError, DomainRuleError
from hub.marketing.attribution_markov import markov_credit

Decay = Literal["stepwise", "continuous"]
IntArray = NDArray[np.int64]
_Label = TypeVar("_Label", str, str | None)
FloatArray = NDArray[np.float64]

_MICROSECOND = timedelta(microseconds=1)


class AttributionModel(StrEnum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    LAST_NON_DIRECT = "last_non_direct"
    LINEAR = "linear"
    POSITION_BASED = "position_based"
    TIME_DECAY = "time_decay"
    MARKOV = "markov"


def _aware(value: object, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise DomainRuleError("attribution.record", f"{what} must be a datetime, got {value!r}")
    # the hub reads naive datetimes as UTC
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True, slots=True)
class Touchpoint:
    """A contact's interaction with marketing. `direct` marks untracked arrivals; a channel
    named "direct" (any case) counts as direct too."""

    contact_id: str
    occurred_at: datetime
    channel: str
    campaign_id: str | None = None
    direct: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.contact_id, str) or not self.contact_id:
            raise DomainRuleError("attribution.record", "a touchpoint needs a contact id")
        if not isinstance(self.channel, str) or not self.channel:
            raise DomainRuleError(
                "attribution.record", f"touchpoint of contact {self.contact_id!r} has no channel"
            )
        object.__setattr__(self, "occurred_at", _aware(self.occurred_at, "occurred_at"))

    @property
    def is_direct(self) -> bool:
        return self.direct or self.channel.casefold() == "direct"


@dataclass(frozen=True, slots=True)
class Conversion:
    """Revenue won from a contact: an order or a closed-won deal (convert Decimal to float)."""

    contact_id: str
    occurred_at: datetime
    revenue: float
    id: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise DomainRuleError("attribution.record", "a conversion needs an id")
        if not isinstance(self.contact_id, str) or not self.contact_id:
            raise DomainRuleError(
                "attribution.record", f"conversion {self.id!r} needs a contact id"
            )
        revenue = self.revenue
        if isinstance(revenue, bool) or not isinstance(revenue, int | float):
            raise DomainRuleError(
                "attribution.record", f"revenue of conversion {self.id!r} must be a number"
            )
        if not math.isfinite(revenue) or revenue < 0:
            raise DomainRuleError(
                "attribution.record",
                f"revenue of conversion {self.id!r} must be finite and >= 0, got {revenue!r}",
            )
        object.__setattr__(self, "revenue", float(revenue))
        object.__setattr__(self, "occurred_at", _aware(self.occurred_at, "occurred_at"))


def _micros(values: Iterable[datetime]) -> IntArray:
    seconds = np.fromiter(map(datetime.timestamp, values), dtype=np.float64)
    # float seconds keep sub-microsecond precision for any realistic date
    return np.rint(seconds * 1e6).astype(np.int64)


def _encode(values: Sequence[object]) -> tuple[dict[object, int], IntArray]:
    """Number the distinct values in order of first appearance (C-level loops only)."""
    index = {value: i for i, value in enumerate(dict.fromkeys(values))}
    return index, np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))


@dataclass(frozen=True, eq=False)
class Journeys:
    """Touchpoints grouped once per conversion window; every model credits from this.

    Pairs are (conversion, touch) rows, grouped by conversion and in time order inside each
    group.
    """

    touchpoints: Sequence[Touchpoint]
    conversions: Sequence[Conversion]
    lookback: timedelta
    channels: tuple[str, ...]
    campaigns: tuple[str | None, ...]
    touch_channel: IntArray
    touch_campaign: IntArray
    touch_time: IntArray  # microseconds since the epoch
    touch_direct: NDArray[np.bool_]
    revenue: FloatArray  # per conversion
    conversion_time: IntArray
    attributed: IntArray  # indices of conversions with at least one touch in their window
    pair_conversion: IntArray  # conversion index per pair
    pair_touch: IntArray  # touchpoint index per pair
    pair_position: IntArray  # 0-based position inside its window
    pair_length: IntArray  # touches in the pair's window
    window_start: IntArray  # first pair row of each attributed conversion
    window_length: IntArray
    touch_contact: IntArray
    conversion_contact: IntArray  # -1 for a contact without touchpoints
    touch_order: IntArray  # touchpoint indices sorted by (contact, time)


def build_journeys(
    touchpoints: Iterable[Touchpoint],
    conversions: Iterable[Conversion],
    *,
    lookback: timedelta = timedelta(days=30),
) -> Journeys:
    """Group touchpoints by contact once, sort them once, and cut each conversion's window."""
    if not isinstance(lookback, timedelta) or lookback <= timedelta(0):
        raise ConfigError(f"lookback must be a positive timedelta, got {lookback!r}")
    touches = touchpoints if isinstance(touchpoints, Sequence) else list(touchpoints)
    converts = conversions if isinstance(conversions, Sequence) else list(conversions)
    repeated = sorted(i for i, n in Counter(c.id for c in converts).items() if n > 1)
    if repeated:
        raise DomainRuleError("attribution.record", f"duplicate conversion ids: {repeated[:5]}")

    def column(name: str) -> list[object]:
        return list(map(attrgetter(name), touches))

    contacts, touch_contact = _encode(column("contact_id"))
    channel_index, touch_channel = _encode(column("channel"))
    campaign_index, touch_campaign = _encode(column("campaign_id"))
    touch_time = _micros(t.occurred_at for t in touches)
    names = tuple(str(c) for c in channel_index)
    channel_is_direct = np.fromiter((n.casefold() == "direct" for n in names), dtype=np.bool_)
    touch_direct = np.fromiter(column("direct"), dtype=np.bool_) | channel_is_direct[touch_channel]

    conversion_contact = np.fromiter(
        (contacts.get(c.contact_id, -1) for c in converts), dtype=np.int64
    )
    conversion_time = _micros(c.occurred_at for c in converts)
    revenue = np.fromiter((c.revenue for c in converts), dtype=np.float64)
    lookback_us = lookback // _MICROSECOND

    # Rank every instant that matters, so (contact, rank) packs into one sortable int64 key;
    # equal instants get equal ranks from searchsorted, no need to deduplicate.
    grid = np.sort(np.concatenate([touch_time, conversion_time - lookback_us, conversion_time]))
    width = np.int64(len(grid))
    touch_key = touch_contact * width + np.searchsorted(grid, touch_time)
    order = np.argsort(touch_key, kind="stable")
    sorted_key = touch_key[order]
    known = conversion_contact >= 0
    base = conversion_contact * width
    lo = np.searchsorted(sorted_key, base + np.searchsorted(grid, conversion_time - lookback_us))
    hi = np.searchsorted(sorted_key, base + np.searchsorted(grid, conversion_time), side="right")
    lengths = np.where(known, hi - lo, 0)

    attributed = np.flatnonzero(lengths > 0)
    window_length = lengths[attributed]
    window_start = np.cumsum(window_length) - window_length
    pair_length = np.repeat(window_length, window_length)
    pair_position = np.arange(int(window_length.sum()), dtype=np.int64) - np.repeat(
        window_start, window_length
    )
    pair_touch = order[np.repeat(lo[attributed], window_length) + pair_position]

    return Journeys(
        touchpoints=touches,
        conversions=converts,
        lookback=lookback,
        channels=names,
        campaigns=tuple(c if c is None else str(c) for c in campaign_index),
        touch_channel=touch_channel,
        touch_campaign=touch_campaign,
        touch_time=touch_time,
        touch_direct=touch_direct,
        revenue=revenue,
        conversion_time=conversion_time,
        attributed=attributed,
        pair_conversion=np.repeat(attributed, window_length),
        pair_touch=pair_touch,
        pair_position=pair_position,
        pair_length=pair_length,
        window_start=window_start,
        window_length=window_length,
        touch_contact=touch_contact,
        conversion_contact=conversion_contact,
        touch_order=order,
    )


# --- crediting --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TouchCredit:
    """One touchpoint's share of one conversion (returned when `detail=True`)."""

    conversion_id: str
    touchpoint: Touchpoint
    weight: float
    revenue: float


@dataclass(frozen=True, slots=True)
class AttributionResult:
    """Credit per channel and per campaign (None collects touches without a campaign).

    `*_by_channel` and `*_by_campaign` each add up to the attributed figures. Markov results
    also carry the removal effects the credit is proportional to, and the chain's probability
    of conversion from the start.
    """

    model: AttributionModel
    revenue_by_channel: Mapping[str, float]
    revenue_by_campaign: Mapping[str | None, float]
    conversions_by_channel: Mapping[str, float]
    conversions_by_campaign: Mapping[str | None, float]
    total_revenue: float
    attributed_revenue: float
    unattributed_revenue: float
    conversions: int
    attributed_conversions: int
    unattributed_conversion_ids: tuple[str, ...]
    removal_effects: Mapping[str, float] | None = None
    campaign_removal_effects: Mapping[str | None, float] | None = None
    conversion_probability: float | None = None
    touch_credits: tuple[TouchCredit, ...] = ()


def pair_weights(
    journeys: Journeys,
    model: AttributionModel,
    *,
    half_life: timedelta,
    decay: Decay,
    position_weights: tuple[float, float, float],
) -> FloatArray:
    """Each (conversion, touch) pair's share of its conversion, for a heuristic model."""
    position, length = journeys.pair_position, journeys.pair_length
    if model is AttributionModel.FIRST_TOUCH:
        return np.asarray(position == 0, dtype=np.float64)
    if model is AttributionModel.LAST_TOUCH:
        return np.asarray(position == length - 1, dtype=np.float64)
    if model is AttributionModel.LINEAR:
        return np.asarray(1.0 / length, dtype=np.float64)
    if model is AttributionModel.POSITION_BASED:
        first, middle, last = position_weights
        weights = np.where(position == 0, first, middle / np.maximum(length - 2, 1))
        weights = np.where((position == length - 1) & (length > 1), last, weights)
        # two touches split the middle share; a single touch takes everything
        weights = np.where(length == 2, weights + middle / 2.0, weights)
        return np.asarray(np.where(length == 1, 1.0, weights), dtype=np.float64)
    if model is AttributionModel.LAST_NON_DIRECT:
        candidate = np.where(journeys.touch_direct[journeys.pair_touch], -1, position)
        last_indirect = (
            np.maximum.reduceat(candidate, journeys.window_start) if len(candidate) else candidate
        )
        chosen = np.where(last_indirect >= 0, last_indirect, journeys.window_length - 1)
        return np.asarray(position == np.repeat(chosen, journeys.window_length), dtype=np.float64)
    if model is AttributionModel.TIME_DECAY:
        age = (
            journeys.conversion_time[journeys.pair_conversion]
            - journeys.touch_time[journeys.pair_touch]
        )
        halvings = age / (half_life / _MICROSECOND)
        if decay == "stepwise":
            halvings = np.floor(halvings)
        # measure from each window's most recent touch so long windows cannot underflow to 0
        newest = np.minimum.reduceat(halvings, journeys.window_start) if len(halvings) else halvings
        weights = np.exp2(-(halvings - np.repeat(newest, journeys.window_length)))
        sums = np.add.reduceat(weights, journeys.window_start) if len(weights) else weights
        return np.asarray(weights / np.repeat(sums, journeys.window_length), dtype=np.float64)
    raise ConfigError(f"{model} is not a heuristic model")


def _model(model: AttributionModel | str) -> AttributionModel:
    try:
        return AttributionModel(model)
    except ValueError:
        known = ", ".join(m.value for m in AttributionModel)
        raise ConfigError(f"unknown attribution model {model!r}; choose one of {known}") from None


def _check_options(
    half_life: timedelta, decay: str, position_weights: tuple[float, float, float]
) -> None:
    if not isinstance(half_life, timedelta) or half_life <= timedelta(0):
        raise ConfigError(f"half_life must be a positive timedelta, got {half_life!r}")
    if decay not in ("stepwise", "continuous"):
        raise ConfigError(f"decay must be 'stepwise' or 'continuous', got {decay!r}")
    if (
        len(position_weights) != 3
        or not all(isinstance(w, int | float) and 0 <= w <= 1 for w in position_weights)
        or not math.isclose(math.fsum(position_weights), 1.0, abs_tol=1e-9)
    ):
        raise ConfigError(
            "position_weights must be three shares (first, middle, last) in [0, 1] "
            f"that sum to 1, got {position_weights!r}"
        )


def credit(
    journeys: Journeys,
    model: AttributionModel | str = AttributionModel.LINEAR,
    *,
    half_life: timedelta = timedelta(days=7),
    decay: Decay = "stepwise",
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
    detail: bool = False,
) -> AttributionResult:
    """Credit prepared journeys with one model; see `attribute` for the options."""
    chosen = _model(model)
    _check_options(half_life, decay, position_weights)
    if detail and chosen is AttributionModel.MARKOV:
        raise ConfigError("the Markov model credits channels as a whole, not single touchpoints")
    channels, campaigns = journeys.channels, journeys.campaigns
    unattributed = np.ones(len(journeys.conversions), dtype=np.bool_)
    unattributed[journeys.attributed] = False
    attributed_revenue = math.fsum(journeys.revenue[journeys.attributed].tolist())
    unattributed_revenue = math.fsum(journeys.revenue[unattributed].tolist())
    touch_credits: tuple[TouchCredit, ...] = ()
    by_channel = by_campaign = None

    if chosen is AttributionModel.MARKOV:
        by_channel = markov_credit(journeys, journeys.touch_channel, len(channels))
        by_campaign = markov_credit(journeys, journeys.touch_campaign, len(campaigns))
        count = float(len(journeys.attributed))
        channel_money = by_channel.shares * attributed_revenue
        channel_count = by_channel.shares * count
        campaign_money = by_campaign.shares * attributed_revenue
        campaign_count = by_campaign.shares * count
    else:
        weights = pair_weights(
            journeys, chosen, half_life=half_life, decay=decay, position_weights=position_weights
        )
        money = weights * journeys.revenue[journeys.pair_conversion]
        channel = journeys.touch_channel[journeys.pair_touch]
        campaign = journeys.touch_campaign[journeys.pair_touch]
        channel_money = _sum_by(channel, money, len(channels))
        channel_count = _sum_by(channel, weights, len(channels))
        campaign_money = _sum_by(campaign, money, len(campaigns))
        campaign_count = _sum_by(campaign, weights, len(campaigns))
        if detail:
            touch_credits = tuple(
                TouchCredit(journeys.conversions[c].id, journeys.touchpoints[t], w, r)
                for c, t, w, r in zip(
                    journeys.pair_conversion.tolist(),
                    journeys.pair_touch.tolist(),
                    weights.tolist(),
                    money.tolist(),
                    strict=True,
                )
            )

    return AttributionResult(
        model=chosen,
        revenue_by_channel=_labelled(channels, channel_money),
        revenue_by_campaign=_labelled(campaigns, campaign_money),
        conversions_by_channel=_labelled(channels, channel_count),
        conversions_by_campaign=_labelled(campaigns, campaign_count),
        # defined as the sum of its two parts, so the two always add up exactly
        total_revenue=attributed_revenue + unattributed_revenue,
        attributed_revenue=attributed_revenue,
        unattributed_revenue=unattributed_revenue,
        conversions=len(journeys.conversions),
        attributed_conversions=len(journeys.attributed),
        unattributed_conversion_ids=tuple(
            journeys.conversions[i].id for i in np.flatnonzero(unattributed).tolist()
        ),
        removal_effects=(
            None if by_channel is None else _labelled(channels, by_channel.removal_effects)
        ),
        campaign_removal_effects=(
            None if by_campaign is None else _labelled(campaigns, by_campaign.removal_effects)
        ),
        conversion_probability=None if by_channel is None else by_channel.conversion_probability,
        touch_credits=touch_credits,
    )


def _sum_by(codes: IntArray, weights: FloatArray, size: int) -> FloatArray:
    return np.bincount(codes, weights, minlength=size).astype(np.float64)


def _labelled(labels: tuple[_Label, ...], values: FloatArray) -> dict[_Label, float]:
    return dict(zip(labels, values.tolist(), strict=True))


def attribute(
    touchpoints: Iterable[Touchpoint],
    conversions: Iterable[Conversion],
    model: AttributionModel | str = AttributionModel.LINEAR,
    *,
    lookback: timedelta = timedelta(days=30),
    half_life: timedelta = timedelta(days=7),
    decay: Decay = "stepwise",
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
    detail: bool = False,
) -> AttributionResult:
    """Credit the revenue of `conversions` to the `touchpoints` before them, with one model.

    - `lookback`: how far before a conversion a touch still counts.
    - `half_life` and `decay` (time decay): a touch one half-life older than the conversion
      weighs half; "stepwise" halves once per whole half-life elapsed, "continuous" smoothly.
    - `position_weights` (position based): first, middle and last shares; with two touches
      the middle share is split between them, a single touch takes everything.
    - `detail`: also return each touchpoint's share of each conversion (heuristic models).

    To credit the same data with several models, call `build_journeys` once and `credit` per
    model.
    """
    _check_options(half_life, decay, position_weights)
    chosen = _model(model)
    journeys = build_journeys(touchpoints, conversions, lookback=lookback)
    return credit(
        journeys,
        chosen,
        half_life=half_life,
        decay=decay,
        position_weights=position_weights,
        detail=detail,
    )
