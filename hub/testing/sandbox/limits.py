"""Rate limits as vendors enforce them: rolling windows and a daily quota, counted per caller.

The sandbox's vendor rules say which limits apply to a request (`Window`s and a `Daily`, built
from the live config so a running sandbox can be retuned) and turn a `RateDecision` into the
vendor's own headers and refusal body; this module only counts. A request is admitted only if
every limit allows it, and then counts against all of them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["Daily", "RateDecision", "RateLimits", "Window", "WindowUsage"]


@dataclass(frozen=True)
class Window:
    """At most `limit` requests in any `interval_s` seconds; `name` is the vendor's policy."""

    name: str
    limit: int
    interval_s: float


@dataclass(frozen=True)
class Daily:
    """At most `limit` requests per UTC day."""

    name: str
    limit: int


@dataclass(frozen=True)
class WindowUsage:
    """A window as it stands: the arrival times it still holds, seen at `now`."""

    window: Window
    stamps: tuple[float, ...]
    now: float

    @property
    def used(self) -> int:
        return len(self.stamps)

    @property
    def remaining(self) -> int:
        return max(0, self.window.limit - self.used)

    @property
    def reset_s(self) -> float:
        """Seconds until the oldest request leaves the window (a slot frees up)."""
        if not self.stamps:
            return 0.0
        return max(0.0, self.stamps[0] + self.window.interval_s - self.now)

    def used_within(self, seconds: float) -> int:
        return sum(1 for stamp in self.stamps if stamp > self.now - seconds)


@dataclass(frozen=True)
class RateDecision:
    """Whether a request may run; if not, which policy refused it and when to retry.

    `forced` marks a refusal the fault injector ordered: nothing was counted, `policy` is None.
    """

    allowed: bool
    windows: dict[str, WindowUsage]
    daily: Daily | None = None
    daily_used: int = 0
    policy: str | None = None
    retry_after_s: float | None = None
    forced: bool = False

    @property
    def daily_remaining(self) -> int | None:
        return None if self.daily is None else max(0, self.daily.limit - self.daily_used)


def _utc_day() -> str:
    return datetime.now(UTC).date().isoformat()


class RateLimits:
    """Thread-safe counters behind every limit of one sandbox."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, day: Callable[[], str] = _utc_day
    ) -> None:
        self._clock = clock
        self._day = day
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._daily: dict[tuple[str, str, str], int] = {}

    def admit(
        self,
        key: str,
        windows: Sequence[Window],
        daily: Daily | None = None,
        now: float | None = None,
        *,
        count: bool = True,
    ) -> RateDecision:
        """Count one request of `key` if the daily quota and every window (in order) allow it;
        the first that does not is the refusing policy. `now` judges a held burst at one
        instant; `count=False` only looks (nothing is counted, whatever the decision)."""
        now = self._clock() if now is None else now
        with self._lock:
            stamps = [self._pruned(key, window, now) for window in windows]
            used_today = self._used_today(key, daily)
            policy: str | None = None
            retry_after: float | None = None
            if daily is not None and used_today >= daily.limit:
                policy = daily.name
            else:
                for window, held in zip(windows, stamps, strict=True):
                    if len(held) >= window.limit:
                        policy = window.name
                        retry_after = max(0.0, held[0] + window.interval_s - now)
                        break
            if policy is None and count:
                for held in stamps:
                    held.append(now)
                if daily is not None:
                    used_today += 1
                    self._daily[(key, daily.name, self._day())] = used_today
            return RateDecision(
                allowed=policy is None,
                windows={window.name: WindowUsage(window, tuple(held), now)
                         for window, held in zip(windows, stamps, strict=True)},
                daily=daily,
                daily_used=used_today,
                policy=policy,
                retry_after_s=retry_after,
            )

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._daily.clear()

    def _pruned(self, key: str, window: Window, now: float) -> deque[float]:
        held = self._windows.setdefault((key, window.name), deque())
        while held and held[0] <= now - window.interval_s:
            held.popleft()
        return held

    def _used_today(self, key: str, daily: Daily | None) -> int:
        return 0 if daily is None else self._daily.get((key, daily.name, self._day()), 0)
