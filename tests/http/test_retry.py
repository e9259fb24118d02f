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
from hub.http import RetryPolicy, retry_call


class FakeSleep:
    """Records the waits asked for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
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


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "hub.http.retry"]


async def test_each_retry_is_one_debug_line_and_a_recovery_one_info_summary(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hub.http.retry")
    flaky = Flaky(TransientError("vendor hiccup"), TransientError("vendor hiccup"))
    await retry_call(flaky, policy=RetryPolicy(attempts=4), sleep=FakeSleep(), what="acme: write")
    lines = retry_lines(caplog)
    assert [level for level, _ in lines] == [logging.DEBUG, logging.DEBUG, logging.INFO]
    assert all("acme: write" in text for _, text in lines)
    assert "attempt 1 of 4 failed" in lines[0][1]
    assert "vendor hiccup" in lines[0][1]
    assert "succeeded at attempt 3 of 4" in lines[2][1]


async def test_giving_up_is_one_warning_not_one_per_attempt(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hub.http.retry")
    flaky = Flaky(*[TransientError(f"down {i}") for i in range(1, 7)])
    with pytest.raises(TransientError):
        await retry_call(flaky, policy=RetryPolicy(attempts=6), sleep=FakeSleep(),
                         what="acme: write")
    lines = retry_lines(caplog)
    assert [level for level, _ in lines] == [logging.DEBUG] * 5 + [logging.WARNING]
    assert "acme: write: gave up after 6 attempts" in lines[-1][1]
    assert "down 6" in lines[-1][1]


async def test_a_call_that_needs_no_retry_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hub.http.retry")
    assert await retry_call(Flaky(), sleep=FakeSleep()) == "done"
    with pytest.raises(AuthError):
        await retry_call(Flaky(AuthError("bad token")), sleep=FakeSleep())
    assert retry_lines(caplog) == []


def test_hub_error_tree_is_what_retry_keys_on() -> None:
    # The retry decision rests on this branch of the tree; a change there must be deliberate.
    assert issubclass(RateLimitedError, TransientError)
    assert not issubclass(QuotaExhaustedError, TransientError)
    assert issubclass(QuotaExhaustedError, HubError)
