"""The clock and whole days, the same for every marketing service.

Everything that depends on "now" takes it from an injectable clock, so a test (or the demo,
which runs on the sample shop's anchor date) decides what today is. The store keeps UTC only,
so a naive datetime is read as UTC.

Whole days are counted the same way everywhere, in Python and in SQL:

    days_since(now, t) = (epoch_seconds(now) - epoch_seconds(t)) // 86400

where `epoch_seconds` drops the fraction of a second (`dialect.EpochSeconds` is its SQL
twin). A condition on a number of days is turned into a comparison of `t` with a cutoff
instant (`day_cutoff`), so the database compares timestamps, uses its indexes, and never does
date arithmetic of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_SECONDS = 86_400
_SECOND = timedelta(seconds=1)


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock stopped at `moment` (aware), for tests and for replaying a past day."""
    pinned = as_utc(moment)
    return lambda: pinned


def as_utc(moment: datetime) -> datetime:
    # naive datetimes are taken as UTC: the store keeps UTC only
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since 1970 (the fraction dropped), computed exactly."""
    return (as_utc(moment) - EPOCH) // _SECOND


def days_since(now: datetime, moment: datetime) -> int:
    return (epoch_seconds(now) - epoch_seconds(moment)) // DAY_SECONDS


def day_cutoff(now: datetime, days: int) -> datetime:
    """The instant c such that `days_since(now, t) >= days` exactly when `t < c`."""
    return EPOCH + timedelta(seconds=epoch_seconds(now) - DAY_SECONDS * days + 1)
