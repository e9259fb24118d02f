"""The attribution models, and the weights the heuristic ones give each touch of a window.

Each window's weights sum to 1, so credits always add up to the attributed revenue. The
Markov model credits labels as a whole rather than single touches: see `markov`.
"""

from __future__ import annotations

import math
from datetime import timedelta
from enum import StrEnum
from typing import Literal

import numpy as np

from hub.errors import ConfigError
from hub.marketing.attribution.journeys import MICROSECOND, FloatArray, Journeys

Decay = Literal["stepwise", "continuous"]


class AttributionModel(StrEnum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    LAST_NON_DIRECT = "last_non_direct"
    LINEAR = "linear"
    POSITION_BASED = "position_based"
    TIME_DECAY = "time_decay"
    MARKOV = "markov"


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
        halvings = age / (half_life / MICROSECOND)
        if decay == "stepwise":
            halvings = np.floor(halvings)
        # measure from each window's most recent touch so long windows cannot underflow to 0
        newest = np.minimum.reduceat(halvings, journeys.window_start) if len(halvings) else halvings
        weights = np.exp2(-(halvings - np.repeat(newest, journeys.window_length)))
        sums = np.add.reduceat(weights, journeys.window_start) if len(weights) else weights
        return np.asarray(weights / np.repeat(sums, journeys.window_length), dtype=np.float64)
    raise ConfigError(f"{model} is not a heuristic model")


def parse_model(model: AttributionModel | str) -> AttributionModel:
    """The model of that name, or a `ConfigError` listing the known ones."""
    try:
        return AttributionModel(model)
    except ValueError:
        known = ", ".join(m.value for m in AttributionModel)
        raise ConfigError(f"unknown attribution model {model!r}; choose one of {known}") from None


def check_options(
    half_life: timedelta, decay: str, position_weights: tuple[float, float, float]
) -> None:
    """Refuse time-decay and position-based options that cannot mean anything."""
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
