"""The per-credential sliding-window limiter: window maths, sharing, headers, threads, budgets."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from hub.errors import ConfigError, QuotaExhaustedError
from hub.http import (
    LimiterRegistry,
    Rate,
    RateHeaders,
    RateLimiter,
    credential_key,
    limiter_for,
    next_midnight,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def take(limiter: RateLimiter, count: int) -> None:
    """Use `count` slots that are free right now (never waits: the clock may be fake)."""
    for _ in range(count):
        assert limiter.wait_time() == 0
        with limiter.acquire_sync():
            pass


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("190/10s", Rate(190, 10.0)),
        ("5/s", Rate(5, 1.0)),
        ("100 / 1m", Rate(100, 60.0)),
        ("2/500ms", Rate(2, 0.5)),
        ("1000/1h", Rate(1000, 3600.0)),
    ],
)
def test_rate_parse(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["fast", "10/0s", "0/s", "10 per second", "5/3 fortnights"])
def test_rate_parse_rejects_nonsense(text: str) -> None:
    with pytest.raises(ConfigError):
        Rate.parse(text)


def test_window_counts_each_request_from_its_answer() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Rate(3, 1.0), clock=clock)
    take(limiter, 3)
    assert limiter.wait_time() == pytest.approx(1.0)
    clock.now += 0.4
    assert limiter.wait_time() == pytest.approx(0.6)
    clock.now += 0.6
    assert limiter.wait_time() == 0


def test_a_request_in_flight_holds_its_slot() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Rate(1, 1.0), clock=clock)
    with limiter.acquire_sync():
        assert limiter.wait_time() == math.inf  # nobody knows when it will finish
        clock.now += 0.5
    clock.now += 0.7
    assert limiter.wait_time() == pytest.approx(0.3)  # counted from its end, not its start


async def test_async_acquire_waits_for_the_window() -> None:
    limiter = RateLimiter(Rate(2, 0.3))
    released: list[float] = []
    granted: list[float] = []
    for _ in range(4):
        async with limiter.acquire():
            granted.append(time.monotonic())
            released.append(time.monotonic())
    assert granted[2] >= released[0] + 0.3
    assert granted[3] >= released[1] + 0.3


def test_registry_shares_one_limiter_per_credential() -> None:
    registry = LimiterRegistry()
    first = registry.get("acct-1", Rate(190, 10))
    assert registry.get("acct-1", Rate(190, 10)) is first
    assert registry.get("acct-2", Rate(190, 10)) is not first
    assert "acct-1" in registry
    assert len(registry) == 2
    registry.get("acct-1", Rate(100, 10))  # a stricter setting for the same account wins
    assert first.rate == Rate(100, 10)
    registry.get("acct-1", Rate(500, 10))
    assert first.rate == Rate(100, 10)


async def test_two_tasks_with_one_credential_share_the_budget() -> None:
    key = credential_key("token-shared-by-two-tasks", "test")
    granted: list[float] = []
    released: list[float] = []

    async def pipeline() -> None:
        limiter = limiter_for(key, Rate(2, 0.3))  # each task looks it up on its own
        for _ in range(2):
            async with limiter.acquire():
                granted.append(time.monotonic())
                await asyncio.sleep(0)
                released.append(time.monotonic())

    await asyncio.wait_for(asyncio.gather(pipeline(), pipeline()), timeout=60)  # hang guard
    granted.sort()
    assert granted[2] >= min(released) + 0.3  # four requests did not fit one 2-per-window


def test_different_credentials_do_not_share() -> None:
    one = limiter_for(credential_key("token-one", "test"), Rate(2, 10))
    two = limiter_for(credential_key("token-two", "test"), Rate(2, 10))
    take(one, 2)
    assert one.wait_time() > 0
    assert two.wait_time() == 0
    take(two, 2)


def test_credential_key_hides_the_secret() -> None:
    key = credential_key("pat-na1-secret", "hubspot")
    assert "secret" not in key
    assert key.startswith("hubspot:")
    assert key == credential_key("pat-na1-secret", "hubspot")
    assert key != credential_key("pat-na1-secret", "resend")
    assert key != credential_key("pat-na1-other", "hubspot")


def test_threads_share_the_limiter_through_acquire_sync() -> None:
    limiter = RateLimiter(Rate(2, 0.3))
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def sdk_call() -> None:
        with limiter.acquire_sync():
            start = time.monotonic()
            time.sleep(0.01)
            with lock:
                spans.append((start, time.monotonic()))

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(sdk_call) for _ in range(4)]:
            future.result(timeout=60)  # a hang guard only
    starts = sorted(start for start, _ in spans)
    first_end = min(end for _, end in spans)
    assert starts[2] >= first_end + 0.3


async def test_a_thread_release_wakes_an_async_waiter() -> None:
    limiter = RateLimiter(Rate(1, 0.2))
    holding, let_go = threading.Event(), threading.Event()
    released_at: list[float] = []

    def hold() -> None:
        with limiter.acquire_sync():
            holding.set()
            let_go.wait(60)  # holds the slot until the test has checked it is held
            released_at.append(time.monotonic())

    async def take_slot() -> float:
        async with limiter.acquire():
            return time.monotonic()

    thread = threading.Thread(target=hold)
    thread.start()
    assert await asyncio.to_thread(holding.wait, 60)
    assert limiter.wait_time() == math.inf
    waiter = asyncio.ensure_future(take_slot())
    await asyncio.sleep(0)  # the waiter's first step runs: it now waits for a wake-up
    let_go.set()
    async with asyncio.timeout(60):  # a hang guard only
        granted = await waiter
    thread.join(60)
    assert granted >= released_at[0] + 0.2


async def test_cancelled_waiter_leaves_no_slot_behind() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Rate(1, 60), clock=clock)
    take(limiter, 1)
    waiter = asyncio.create_task(limiter.acquire().__aenter__())
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    clock.now += 60
    assert limiter.wait_time() == 0
    take(limiter, 1)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {
                "X-HubSpot-RateLimit-Max": "190",
                "X-HubSpot-RateLimit-Remaining": "12",
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                "X-HubSpot-RateLimit-Daily": "625000",
                "X-HubSpot-RateLimit-Daily-Remaining": "600000",
            },
            RateHeaders(190, 12, None, 10.0, 625000, 600000),
        ),
        (
            {"ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "1"},
            RateHeaders(2, 1, 1.0),
        ),
        (
            {"RateLimit-Limit": "10", "RateLimit-Policy": "10;w=60", "RateLimit-Remaining": "3"},
            RateHeaders(10, 3, None, 60.0),
        ),
        (
            {
                "X-RateLimit-Limit": "60",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "1700000030",
            },
            RateHeaders(60, 0, 30.0),
        ),
        (
            {"Sforce-Limit-Info": "api-usage=18/5000"},
            RateHeaders(daily_limit=5000, daily_remaining=4982),
        ),
        ({"Content-Type": "application/json"}, RateHeaders()),
    ],
)
def test_rate_headers_parse(headers: dict[str, str], expected: RateHeaders) -> None:
    assert RateHeaders.parse(headers, now=1700000000.0) == expected


def test_observe_adopts_a_stricter_stated_limit() -> None:
    limiter = RateLimiter(Rate(100, 1.0))
    limiter.observe(
        {"X-HubSpot-RateLimit-Max": "5", "X-HubSpot-RateLimit-Interval-Milliseconds": "500"}
    )
    assert limiter.rate == Rate(5, 0.5)
    limiter.observe(
        {"X-HubSpot-RateLimit-Max": "500", "X-HubSpot-RateLimit-Interval-Milliseconds": "500"}
    )
    assert limiter.rate == Rate(5, 0.5)


def test_observe_books_what_others_spent_until_the_reset() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Rate(10, 1.0), clock=clock)
    take(limiter, 1)
    limiter.observe({"ratelimit-limit": "10", "ratelimit-remaining": "2", "ratelimit-reset": "0.5"})
    take(limiter, 2)  # the two the vendor still allows
    assert limiter.wait_time() == pytest.approx(0.5)  # then nothing until the vendor's reset
    clock.now += 0.5
    take(limiter, 7)


def test_observe_without_reset_books_one_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Rate(10, 2.0), clock=clock)
    limiter.observe({"X-HubSpot-RateLimit-Remaining": "0"})
    assert limiter.wait_time() == pytest.approx(2.0)


def test_observe_never_loosens_the_local_view() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Rate(3, 1.0), clock=clock)
    take(limiter, 3)
    limiter.observe({"ratelimit-limit": "3", "ratelimit-remaining": "3", "ratelimit-reset": "1"})
    assert limiter.wait_time() == pytest.approx(1.0)


def test_a_429_pauses_every_user_of_the_credential() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Rate(10, 1.0), clock=clock)
    limiter.on_rate_limited(3.0)
    assert limiter.wait_time() == pytest.approx(3.0)
    clock.now += 3.0
    take(limiter, 1)
    limiter.on_rate_limited(None)  # no Retry-After: assume the window is full
    assert limiter.wait_time() == pytest.approx(1.0)


def test_a_pause_longer_than_max_wait_raises_quota_exhausted() -> None:
    limiter = RateLimiter(Rate(10, 1.0))
    limiter.pause_until(datetime.now(UTC) + timedelta(hours=2))
    with pytest.raises(QuotaExhaustedError) as caught, limiter.acquire_sync(max_wait=60):
        pass
    resume_at = caught.value.resume_at
    assert resume_at is not None
    assert resume_at - datetime.now(UTC) > timedelta(hours=1, minutes=59)


async def test_async_acquire_refuses_to_wait_past_max_wait() -> None:
    limiter = RateLimiter(Rate(10, 1.0))
    limiter.pause(120)
    with pytest.raises(QuotaExhaustedError):
        async with limiter.acquire(max_wait=60):
            pass


def test_daily_budget_stops_until_the_next_reset() -> None:
    limiter = RateLimiter(Rate(100, 1.0), daily=2)
    take(limiter, 2)
    assert limiter.daily_remaining == 0
    with pytest.raises(QuotaExhaustedError) as caught, limiter.acquire_sync():
        pass
    assert caught.value.resume_at == next_midnight(UTC)


def test_daily_budget_learnt_from_headers() -> None:
    limiter = RateLimiter(Rate(100, 1.0))
    assert limiter.daily_remaining is None
    limiter.observe({"Sforce-Limit-Info": "api-usage=4998/5000"})
    assert limiter.daily_remaining == 2
    take(limiter, 2)
    with pytest.raises(QuotaExhaustedError), limiter.acquire_sync():
        pass


def test_next_midnight_in_the_accounts_zone() -> None:
    now = datetime(2024, 5, 1, 23, 30, tzinfo=UTC)
    assert next_midnight(UTC, now) == datetime(2024, 5, 2, tzinfo=UTC)
