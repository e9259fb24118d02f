"""One retry: only TransientError, full-jitter backoff, the vendor's wait obeyed, caps enforced."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from hub.errors import (
    AuthError,
    HubError,
    PermanentError,
    QuotaExhaustedError,
    RateLimitedError,
    RecordError,
    TransientError,
)
from hub.http import RetryPolicy, retry_call, retry_call_sync, retrying, retrying_sync


class FakeSleep:
    """Records the waits asked for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    def sync(self, seconds: float) -> None:
        self.waits.append(seconds)


class Flaky:
    """Raises the given errors in turn, then returns "done"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        return self.sync()

    def sync(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


async def test_transient_errors_are_retried_with_bounded_jitter() -> None:
    sleep = FakeSleep()
    flaky = Flaky(TransientError("a"), TransientError("b"), TransientError("c"))
    policy = RetryPolicy(attempts=4, base_wait=0.5, max_wait=60)
    assert await retry_call(flaky, policy=policy, sleep=sleep) == "done"
    assert flaky.calls == 4
    assert len(sleep.waits) == 3
    for attempt, wait in enumerate(sleep.waits):
        assert 0 <= wait <= 0.5 * 2**attempt  # full jitter: anywhere in the growing window


async def test_no_single_backoff_exceeds_max_wait() -> None:
    sleep = FakeSleep()
    flaky = Flaky(*[TransientError(str(i)) for i in range(9)])
    await retry_call(flaky, policy=RetryPolicy(attempts=10, base_wait=5, max_wait=7), sleep=sleep)
    assert len(sleep.waits) == 9
    assert max(sleep.waits) <= 7


async def test_retry_after_is_waited_exactly() -> None:
    sleep = FakeSleep()
    flaky = Flaky(
        RateLimitedError("429", retry_after=7.0), RateLimitedError("429", retry_after=0.0)
    )
    assert await retry_call(flaky, sleep=sleep) == "done"
    assert sleep.waits == [7.0, 0.0]


async def test_rate_limit_without_retry_after_backs_off() -> None:
    sleep = FakeSleep()
    await retry_call(Flaky(RateLimitedError("429")), policy=RetryPolicy(base_wait=0.1), sleep=sleep)
    assert len(sleep.waits) == 1
    assert 0 <= sleep.waits[0] <= 0.1


async def test_a_wait_beyond_the_cap_stops_the_run_without_sleeping() -> None:
    sleep = FakeSleep()
    flaky = Flaky(RateLimitedError("daily limit", retry_after=3600))
    before = datetime.now(UTC)
    with pytest.raises(QuotaExhaustedError) as caught:
        await retry_call(flaky, policy=RetryPolicy(max_wait=60), sleep=sleep)
    after = datetime.now(UTC)
    assert sleep.waits == []
    assert flaky.calls == 1
    resume_at = caught.value.resume_at
    assert resume_at is not None
    assert before + timedelta(seconds=3600) <= resume_at <= after + timedelta(seconds=3600)
    assert isinstance(caught.value.__cause__, RateLimitedError)


async def test_the_last_transient_error_surfaces_when_attempts_run_out() -> None:
    sleep = FakeSleep()
    flaky = Flaky(*[TransientError(f"boom {i}") for i in range(1, 10)])
    with pytest.raises(TransientError, match="boom 3"):
        await retry_call(flaky, policy=RetryPolicy(attempts=3), sleep=sleep)
    assert flaky.calls == 3
    assert len(sleep.waits) == 2


@pytest.mark.parametrize(
    "error",
    [PermanentError("gone"), AuthError("bad token"), RecordError("bad row"), ValueError("bug")],
)
async def test_everything_but_transient_errors_fails_at_once(error: Exception) -> None:
    sleep = FakeSleep()
    flaky = Flaky(error)
    with pytest.raises(type(error)):
        await retry_call(flaky, sleep=sleep)
    assert flaky.calls == 1
    assert sleep.waits == []


async def test_real_sleep_honours_the_asked_wait() -> None:
    flaky = Flaky(RateLimitedError("429", retry_after=0.2))
    started = time.monotonic()
    assert await retry_call(flaky) == "done"
    assert time.monotonic() - started >= 0.2


async def test_retry_call_passes_arguments() -> None:
    async def add(a: int, b: int) -> int:
        return a + b

    assert await retry_call(add, 2, 3) == 5


async def test_decorator_retries_and_keeps_the_name() -> None:
    sleep = FakeSleep()
    calls: list[int] = []

    @retrying(RetryPolicy(attempts=3), sleep=sleep)
    async def fetch(page: int, *, size: int) -> str:
        calls.append(page)
        if len(calls) < 2:
            raise TransientError("blip")
        return f"{page}/{size}"

    assert await fetch(4, size=100) == "4/100"
    assert calls == [4, 4]
    assert fetch.__name__ == "fetch"


def test_sync_twin_behaves_the_same() -> None:
    sleep = FakeSleep()
    flaky = Flaky(TransientError("a"), RateLimitedError("b", retry_after=2.5))
    assert retry_call_sync(flaky.sync, sleep=sleep.sync) == "done"
    assert flaky.calls == 3
    assert sleep.waits[1] == 2.5
    with pytest.raises(QuotaExhaustedError):
        retry_call_sync(Flaky(RateLimitedError("c", retry_after=61)).sync, sleep=sleep.sync)


def test_sync_decorator() -> None:
    sleep = FakeSleep()
    flaky = Flaky(TransientError("a"))

    @retrying_sync(RetryPolicy(attempts=2), sleep=sleep.sync)
    def run() -> str:
        return flaky.sync()

    assert run() == "done"
    assert len(sleep.waits) == 1


async def test_each_retry_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hub.http.retry")
    await retry_call(Flaky(TransientError("vendor hiccup")), sleep=FakeSleep())
    assert any("vendor hiccup" in record.getMessage() for record in caplog.records)


def test_hub_error_tree_is_what_retry_keys_on() -> None:
    # The retry decision rests on this branch of the tree; a change there must be deliberate.
    assert issubclass(RateLimitedError, TransientError)
    assert not issubclass(QuotaExhaustedError, TransientError)
    assert issubclass(QuotaExhaustedError, HubError)
