"""First-order Markov-chain attribution by removal effect (exact absorbing chain).

States are the labels of the touches (channels or campaigns) plus start, conversion and null.
Transitions are counted over all journeys, once per journey: every conversion window ends in
conversion, and each contact's idle journey (its touches after its last conversion, within the
lookback of its last touch) ends in null. Repeated labels in a row are one visit, since a
self-loop cannot change where the chain is absorbed.

With P(conv) the absorption probability into conversion from start, the removal effect of a
label c is RE_c = 1 - P(conv | c leads to null) / P(conv). The effects do not sum to 1, so the
credit of c is RE_c / sum(RE) of the attributed revenue.

All removal effects come from one dense inverse of the transient block (cubic in the number
of labels): instant for channels, about half a second at two thousand campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hub.marketing.attribution.journeys import MICROSECOND, FloatArray, IntArray, Journeys


@dataclass(frozen=True, eq=False)
class MarkovCredit:
    shares: FloatArray  # per label, sums to 1 when anything converted
    removal_effects: FloatArray  # per label, each in [0, 1]
    conversion_probability: float


def idle_journeys(journeys: Journeys) -> tuple[IntArray, IntArray]:
    """Non-converting paths: (touchpoint indices concatenated, length of each path)."""
    order = journeys.touch_order
    touch_contact, touch_time = journeys.touch_contact, journeys.touch_time
    n_contacts = int(touch_contact.max()) + 1 if len(touch_contact) else 0
    never = np.iinfo(np.int64).min
    last_conversion = np.full(n_contacts, never, dtype=np.int64)
    known = journeys.conversion_contact >= 0
    np.maximum.at(
        last_conversion, journeys.conversion_contact[known], journeys.conversion_time[known]
    )
    last_touch = np.full(n_contacts, never, dtype=np.int64)
    np.maximum.at(last_touch, touch_contact, touch_time)
    lookback_us = journeys.lookback // MICROSECOND
    contact, time = touch_contact[order], touch_time[order]
    # both bounds are lower bounds on time, so each contact's idle touches are a sorted suffix
    idle = (time > last_conversion[contact]) & (time >= last_touch[contact] - lookback_us)
    per_contact = np.bincount(contact[idle], minlength=n_contacts)
    return order[idle], per_contact[per_contact > 0].astype(np.int64)


def transition_counts(
    states: IntArray, lengths: IntArray, converted: NDArray[np.bool_], n_labels: int
) -> FloatArray:
    """Counts from each transient state (labels, then start) to every state.

    Column layout: labels 0..n-1, start n, conversion n+1, null n+2.
    """
    start, conversion, null = n_labels, n_labels + 1, n_labels + 2
    firsts = np.cumsum(lengths) - lengths
    previous = np.empty_like(states)
    previous[1:] = states[:-1]
    previous[firsts] = start
    lasts = firsts + lengths - 1
    sources = np.concatenate([previous, states[lasts]])
    targets = np.concatenate([states, np.where(converted, conversion, null)])
    keep = sources != targets
    width = n_labels + 3
    flat = np.bincount(sources[keep] * width + targets[keep], minlength=(n_labels + 1) * width)
    return flat.reshape(n_labels + 1, width).astype(np.float64)


def removal_effects(counts: FloatArray) -> tuple[float, FloatArray]:
    """(P(conversion) from start, removal effect of each label) of a counted chain."""
    n_labels = counts.shape[0] - 1
    start, conversion = n_labels, n_labels + 1
    totals = counts.sum(axis=1, keepdims=True)
    probabilities = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    # fundamental matrix: expected visits to each transient state before absorption
    fundamental = np.linalg.inv(np.eye(n_labels + 1) - probabilities[:, : n_labels + 1])
    reach = fundamental @ probabilities[:, conversion]
    p_conversion = float(reach[start])
    if p_conversion <= 0.0:
        return 0.0, np.zeros(n_labels)
    # P(conv) = P(conv, never visiting c) + P(visit c) * P(conv from c), and
    # P(visit c from start) = N[start, c] / N[c, c]; the first term is the removed chain's.
    visited = fundamental[start, :n_labels] / np.diag(fundamental)[:n_labels]
    effects = np.clip(visited * reach[:n_labels] / p_conversion, 0.0, 1.0)
    return p_conversion, effects


def markov_credit(journeys: Journeys, touch_label: IntArray, n_labels: int) -> MarkovCredit:
    """Removal effects and credit shares of the labels given to each touchpoint."""
    idle_touch, idle_length = idle_journeys(journeys)
    states = np.concatenate([touch_label[journeys.pair_touch], touch_label[idle_touch]])
    lengths = np.concatenate([journeys.window_length, idle_length]).astype(np.int64)
    converted = np.concatenate(
        [np.ones(len(journeys.window_length), np.bool_), np.zeros(len(idle_length), np.bool_)]
    )
    counts = transition_counts(states.astype(np.int64), lengths, converted, n_labels)
    p_conversion, effects = removal_effects(counts)
    total = float(effects.sum())
    shares = effects / total if total > 0.0 else np.zeros(n_labels)
    return MarkovCredit(shares, effects, p_conversion)
