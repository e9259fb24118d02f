"""Per-credential rate limiting shared by every pipeline, task and thread of the process.

A vendor counts requests per credential (an account, a team, an API key), not per pipeline, so
limiters live in a process-wide registry keyed by credential: four pipelines on one account
share one budget instead of each spending it in full.

The window slides and counts a request from the moment its answer *arrives* (the slot is held
while the request is in flight). The vendor saw the request no later than that, so when the
oldest counted request leaves our window it has surely left the vendor's: the hub can run at
the full rate without ever bouncing off it, whatever the latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import re
import threading
import time
from bisect import bisect_right, insort
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from hub.errors import ConfigError, QuotaExhaustedError

_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_RATE_TEXT = re.compile(r"^\s*(\d+)\s*/\s*(\d*\.?\d*)\s*([a-z]+)\s*$")
_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Rate:
    """`requests` per `per` seconds, e.g. `Rate(190, 10.0)`."""

    requests: int
    per: float

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per <= 0:
            raise ConfigError(f"a rate needs at least 1 request per positive period, got {self}")

    @classmethod
    def parse(cls, text: str) -> Rate:
        """Read `190/10s`, `5/s`, `100/1m`, `2/500ms` as written in a connection's settings."""
        match = _RATE_TEXT.match(text.lower())
        if match is None or match.group(3) not in _UNITS:
            raise ConfigError(f"rate {text!r} is not like '190/10s', '5/s' or '1000/1h'")
        count, amount, unit = match.groups()
        return cls(int(count), float(amount or 1) * _UNITS[unit])

    @property
    def per_second(self) -> float:
        return self.requests / self.per

    def __str__(self) -> str:
        return f"{self.requests}/{self.per:g}s"


@dataclass(frozen=True)
class RateHeaders:
    """What a vendor's response headers say about the limit; None where a header is absent.

    `reset` is seconds until the window refills; `window` the window's length when stated.
    """

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    window: float | None = None
    daily_limit: int | None = None
    daily_remaining: int | None = None

    @classmethod
    def parse(cls, headers: Mapping[str, str], now: float | None = None) -> RateHeaders:
        h = {key.lower(): value for key, value in headers.items()}
        limit = _first_int(h, "x-hubspot-ratelimit-max", "ratelimit-limit", "x-ratelimit-limit")
        remaining = _first_int(
            h, "x-hubspot-ratelimit-remaining", "ratelimit-remaining", "x-ratelimit-remaining"
        )
        interval_ms = _number(h.get("x-hubspot-ratelimit-interval-milliseconds"))
        window = interval_ms / 1000 if interval_ms else _policy_window(h.get("ratelimit-policy"))
        reset = _number(h.get("ratelimit-reset"))
        if reset is None:
            reset = _reset_seconds(_number(h.get("x-ratelimit-reset")), now)
        daily_limit = _first_int(h, "x-hubspot-ratelimit-daily")
        daily_remaining = _first_int(h, "x-hubspot-ratelimit-daily-remaining")
        usage = re.search(r"api-usage=(\d+)/(\d+)", h.get("sforce-limit-info", ""))
        if usage is not None:
            used, total = int(usage.group(1)), int(usage.group(2))
            daily_limit, daily_remaining = total, max(0, total - used)
        return cls(limit, remaining, reset, window, daily_limit, daily_remaining)


def _number(raw: str | None) -> float | None:
    match = _NUMBER.match(raw) if raw else None
    return float(match.group(1)) if match else None


def _first_int(headers: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        value = _number(headers.get(name))
        if value is not None:
            return int(value)
    return None


def _policy_window(raw: str | None) -> float | None:
    match = re.search(r"w=(\d+(?:\.\d+)?)", raw) if raw else None
    return float(match.group(1)) if match else None


def _reset_seconds(value: float | None, now: float | None) -> float | None:
    """A reset header is either a delay or an epoch timestamp (seconds or ms); tell them apart."""
    if value is None:
        return None
    wall = time.time() if now is None else now
    if value > 1e12:
        return max(0.0, value / 1000 - wall)
    if value > 1e9:
        return max(0.0, value - wall)
    return value


def next_midnight(tz: tzinfo, now: datetime | None = None) -> datetime:
    """When a daily quota counted in the time zone `tz` starts again."""
    local = (now or datetime.now(UTC)).astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=1)


def credential_key(secret: str, scope: str = "") -> str:
    """A registry key for a credential that never holds the secret itself."""
    digest = hashlib.sha256(f"{scope}\0{secret}".encode()).hexdigest()[:24]
    return f"{scope}:{digest}" if scope else digest


class RateLimiter:
    """A sliding window of `rate`, plus an optional daily budget, for one credential.

    Use `async with limiter.acquire():` from asyncio and `with limiter.acquire_sync():` from
    worker threads; both wait on a timer or a wake-up, never by polling.
    """

    def __init__(
        self,
        rate: Rate,
        *,
        name: str = "",
        daily: int | None = None,
        daily_tz: tzinfo = UTC,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name or str(rate)
        self._rate = rate
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight = 0
        self._recent: list[float] = []  # sorted times at which counted requests finished
        self._paused_until = -math.inf
        self._wakers: set[Callable[[], None]] = set()
        self._daily_limit = daily
        self._daily_used = 0
        self._daily_tz = daily_tz
        self._daily_resets_at = next_midnight(daily_tz)

    @property
    def rate(self) -> Rate:
        return self._rate

    @property
    def daily_remaining(self) -> int | None:
        with self._lock:
            self._roll_day()
            return None if self._daily_limit is None else self._daily_limit - self._daily_used

    def wait_time(self) -> float:
        """Seconds an acquire would wait now: 0 when a slot is free, inf until one is released."""
        with self._lock:
            return self._delay(self._clock())

    @asynccontextmanager
    async def acquire(self, max_wait: float | None = None) -> AsyncIterator[None]:
        """Hold a slot for one request; raise QuotaExhaustedError if it means waiting > max_wait."""
        await self._wait_async(max_wait)
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def acquire_sync(self, max_wait: float | None = None) -> Iterator[None]:
        """`acquire` for worker threads (never call it on the event loop's thread)."""
        self._wait_sync(max_wait)
        try:
            yield
        finally:
            self._release()

    def observe(self, headers: Mapping[str, str]) -> None:
        """Correct the local view from the vendor's rate-limit headers.

        A stricter stated limit is adopted; when the vendor has fewer requests left than we think
        we have (other processes or apps share the quota), the difference is booked until the
        vendor's reset, so the hub slows down before a 429 rather than after it.
        """
        seen = RateHeaders.parse(headers)
        with self._lock:
            now = self._clock()
            if seen.limit and seen.window:
                self._tighten(Rate(seen.limit, seen.window))
            if seen.remaining is not None:
                self._prune(now)
                available = self._rate.requests - self._in_flight - len(self._recent)
                refill = seen.reset if seen.reset is not None else self._rate.per
                self._book(available - seen.remaining, now + refill)
            if seen.daily_limit is not None and seen.daily_remaining is not None:
                self._roll_day()
                if self._daily_limit is None or seen.daily_limit < self._daily_limit:
                    self._daily_limit = seen.daily_limit
                self._daily_used = max(0, self._daily_limit - seen.daily_remaining)

    def on_rate_limited(self, retry_after: float | None) -> None:
        """The vendor refused a request: pause everyone for `retry_after`, or fill the window."""
        with self._lock:
            now = self._clock()
            if retry_after is not None:
                self._paused_until = max(self._paused_until, now + retry_after)
            else:
                self._prune(now)
                free = self._rate.requests - self._in_flight - len(self._recent)
                self._book(free, now + self._rate.per)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def pause_until(self, when: datetime) -> None:
        """Pause everyone until a wall-clock time, e.g. a quota's reset."""
        self.pause(max(0.0, (when - datetime.now(UTC)).total_seconds()))

    def tighten(self, rate: Rate) -> None:
        """Adopt `rate` if it is stricter than the current one (the lower sustained rate wins)."""
        with self._lock:
            self._tighten(rate)
        self._wake_all()

    # --- internals; every method below runs with self._lock held unless it says otherwise ---

    def _tighten(self, rate: Rate) -> None:
        if rate.per_second < self._rate.per_second:
            self._rate = rate

    def _book(self, count: int, refill_at: float) -> None:
        # A booked request frees its slot at `refill_at`, as if it had finished one window before.
        for _ in range(max(0, min(count, self._rate.requests))):
            insort(self._recent, refill_at - self._rate.per)

    def _prune(self, now: float) -> None:
        del self._recent[: bisect_right(self._recent, now - self._rate.per)]

    def _delay(self, now: float) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        self._prune(now)
        over = self._in_flight + len(self._recent) - self._rate.requests
        if over < 0:
            return 0.0
        # The (over+1)-th oldest finished request must leave the window; if it is still in
        # flight we cannot know when, and wait to be woken by its release instead.
        if over < len(self._recent):
            return self._recent[over] + self._rate.per - now
        return math.inf

    def _roll_day(self) -> None:
        if datetime.now(UTC) >= self._daily_resets_at:
            self._daily_used = 0
            self._daily_resets_at = next_midnight(self._daily_tz)

    def _try_reserve(self, max_wait: float | None) -> float:
        """Reserve a slot and return 0, or return how long to wait. Raises when over budget."""
        self._roll_day()
        if self._daily_limit is not None and self._daily_used >= self._daily_limit:
            raise QuotaExhaustedError(
                f"{self.name}: the daily budget of {self._daily_limit} requests is spent",
                resume_at=self._daily_resets_at,
            )
        delay = self._delay(self._clock())
        if delay == 0.0:
            self._in_flight += 1
            self._daily_used += 1
            return 0.0
        if max_wait is not None and max_wait < delay < math.inf:
            raise QuotaExhaustedError(
                f"{self.name}: the rate limit asks to wait {delay:.1f}s, longer than the "
                f"{max_wait:g}s a request may wait",
                resume_at=datetime.now(UTC) + timedelta(seconds=delay),
            )
        return delay

    def _release(self) -> None:  # takes the lock itself
        with self._lock:
            self._in_flight -= 1
            insort(self._recent, self._clock())
        self._wake_all()

    def _wake_all(self) -> None:  # takes the lock itself
        with self._lock:
            wakers = list(self._wakers)
        for wake in wakers:
            wake()

    async def _wait_async(self, max_wait: float | None) -> None:
        loop = asyncio.get_running_loop()
        while True:
            woken: asyncio.Future[None] = loop.create_future()

            def wake(woken: asyncio.Future[None] = woken) -> None:
                # RuntimeError: the waiter's loop has closed, so nobody is left to wake.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, woken)

            with self._lock:
                delay = self._try_reserve(max_wait)
                if delay == 0.0:
                    return
                self._wakers.add(wake)
            try:
                await asyncio.wait([woken], timeout=None if math.isinf(delay) else delay)
            finally:
                with self._lock:
                    self._wakers.discard(wake)

    def _wait_sync(self, max_wait: float | None) -> None:
        woken = threading.Event()
        wake = woken.set
        while True:
            with self._lock:
                delay = self._try_reserve(max_wait)
                if delay == 0.0:
                    return
                self._wakers.add(wake)
            try:
                woken.wait(None if math.isinf(delay) else delay)
            finally:
                with self._lock:
                    self._wakers.discard(wake)
                woken.clear()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class LimiterRegistry:
    """One limiter per credential key for the whole process."""

    def __init__(self) -> None:
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def get(self, key: str, rate: Rate, *, daily: int | None = None) -> RateLimiter:
        """The limiter for `key`, created on first use; a later, stricter rate tightens it."""
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = RateLimiter(rate, name=key, daily=daily)
                return limiter
        limiter.tighten(rate)
        return limiter

    def __contains__(self, key: object) -> bool:
        return key in self._limiters

    def __len__(self) -> int:
        return len(self._limiters)

    def clear(self) -> None:
        with self._lock:
            self._limiters.clear()


REGISTRY = LimiterRegistry()


def limiter_for(key: str, rate: Rate, *, daily: int | None = None) -> RateLimiter:
    """The process-wide limiter for a credential key (see `credential_key`)."""
    return REGISTRY.get(key, rate, daily=daily)
