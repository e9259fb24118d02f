"""Journeys: touchpoints grouped once per conversion window, which every model credits from.

A conversion is credited to its contact's touchpoints that occurred within `lookback` before
it, boundaries included: `at - lookback <= touch <= at`. Every conversion is credited on its
own window, so one touchpoint may share in several conversions. Touchpoints at the same
instant keep their input order. The grouping is done with numpy sorts, never a Python loop
per touch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

import numpy as np
from numpy.typing import NDArray

from hub.errors import ConfigError, DomainRuleError
from hub.marketing.attribution.records import Conversion, Touchpoint

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

MICROSECOND = timedelta(microseconds=1)


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
    lookback_us = lookback // MICROSECOND

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
