"""Time in segment and trigger definitions: the clock, durations, relative dates, whole days.

Everything that depends on "now" takes it from an injectable clock, so a test (or the demo,
which runs on the sample shop's anchor date) decides what today is.

Whole days are counted the same way everywhere, in Python and in SQL:

    days_since(now, t) = (epoch_seconds(now) - epoch_seconds(t)) // 86400

where `epoch_seconds` drops the fraction of a second. A condition on a number of days is
turned into a comparison of `t` with a cutoff instant (`day_cutoff`), so the database
compares timestamps, uses its indexes, and never does date arithmetic of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_SECONDS = 86_400
_SECOND = timedelta(seconds=1)

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3_600, "day": DAY_SECONDS,
                 "week": 7 * DAY_SECONDS}
_PLAIN = re.compile(r"^(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week)s?$")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_AGO = re.compile(r"^(.+?)\s+ago$")


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock stopped at `moment` (aware), for tests and for replaying a past day."""
    pinned = as_utc(moment)
    return lambda: pinned


def as_utc(moment: datetime) -> datetime:
    # naive datetimes are taken as UTC: the store keeps UTC only
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since 1970 (the fraction dropped), computed exactly."""
    return (as_utc(moment) - EPOCH) // _SECOND


def days_since(now: datetime, moment: datetime) -> int:
    return (epoch_seconds(now) - epoch_seconds(moment)) // DAY_SECONDS


def day_cutoff(now: datetime, days: int) -> datetime:
    """The instant c such that `days_since(now, t) >= days` exactly when `t < c`."""
    return EPOCH + timedelta(seconds=epoch_seconds(now) - DAY_SECONDS * days + 1)

