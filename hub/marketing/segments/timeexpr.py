"""Time in segment and trigger definitions: durations and relative dates.

`90 days`, `P30D`, `45 days ago`, `now`: parsed here into durations and time points that are
resolved against the clock's "now" (see `hub.marketing.common.clock`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hub.marketing.common.clock import DAY_SECONDS, as_utc

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3_600, "day": DAY_SECONDS,
                 "week": 7 * DAY_SECONDS}
_PLAIN = re.compile(r"^(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week)s?$")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_AGO = re.compile(r"^(.+?)\s+ago$")


def parse_duration(text: str) -> timedelta:
    """`90 days`, `1 hour`, `2 weeks`, `30 minutes` or ISO-8601 `P90D` / `PT1H`.

    Months and years are refused: their length varies, and a segment must mean one thing.
    """
    raw = text.strip()
    iso = _ISO.match(raw.upper())
    if iso and any(iso.groups()):
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in iso.groups())
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    plain = _PLAIN.match(raw.lower())
    if plain:
        return timedelta(seconds=float(plain.group(1)) * _UNIT_SECONDS[plain.group(2)])
    if re.search(r"month|year|P\d+[MY]", raw, re.IGNORECASE):
        raise ValueError(f"{text!r}: months and years vary in length; give days or weeks")
    raise ValueError(f"{text!r} is not a duration (e.g. '90 days', '1 hour', 'P90D')")


@dataclass(frozen=True)
class TimePoint:
    """A moment in a definition: absolute, or a distance before now (`45 days ago`, `now`)."""

    text: str
    absolute: datetime | None = None
    before_now: timedelta | None = None

    def resolve(self, now: datetime) -> datetime:
        if self.absolute is not None:
            return self.absolute
        return now - (self.before_now or timedelta(0))


def parse_time_point(text: str) -> TimePoint:
    """`now`, `45 days ago`, `P30D ago`, an ISO date (midnight UTC) or an ISO datetime."""
    raw = text.strip()
    if raw.lower() == "now":
        return TimePoint(raw, before_now=timedelta(0))
    ago = _AGO.match(raw.lower())
    if ago:
        return TimePoint(raw, before_now=parse_duration(ago.group(1)))
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return TimePoint(raw, absolute=datetime(day.year, day.month, day.day, tzinfo=UTC))
        return TimePoint(raw, absolute=as_utc(datetime.fromisoformat(raw)))
    except ValueError:
        raise ValueError(f"{text!r} is not a date: give an ISO date ('2026-01-31'), a datetime, "
                         "'now' or a relative date such as '45 days ago'") from None

