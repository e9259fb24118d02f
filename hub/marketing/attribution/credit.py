"""Crediting: revenue of conversions shared among the channels and campaigns before them.

A conversion whose window holds no touchpoint is reported as unattributed; attributed +
unattributed = total revenue. `attribute` does it all for one model; to credit the same data
with several, build the journeys once (`build_journeys`) and call `credit` per model.

Bad records raise `DomainRuleError`; bad options raise `ConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import numpy as np

from hub.errors import ConfigError
from hub.marketing.attribution.journeys import FloatArray, IntArray, Journeys, build_journeys
from hub.marketing.attribution.markov import markov_credit
from hub.marketing.attribution.models import (
    AttributionModel,
    Decay,
    check_options,
    pair_weights,
    parse_model,
)
from hub.marketing.attribution.records import Conversion, Touchpoint

_Label = TypeVar("_Label", str, str | None)


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
    chosen = parse_model(model)
    check_options(half_life, decay, position_weights)
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
    check_options(half_life, decay, position_weights)
    chosen = parse_model(model)
    journeys = build_journeys(touchpoints, conversions, lookback=lookback)
    return credit(
        journeys,
        chosen,
        half_life=half_life,
        decay=decay,
        position_weights=position_weights,
        detail=detail,
    )
