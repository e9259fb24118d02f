"""One retry for the whole hub: only TransientError is retried, and a vendor's wait is obeyed.

Backoff is exponential with full jitter, so processes that failed together do not retry
together. A RateLimitedError's `retry_after` is waited exactly, never less. When a vendor asks
for more than `max_wait`, nothing sleeps: QuotaExhaustedError stops the run cleanly, its
checkpoint intact, and says when it can resume.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ParamSpec, TypeVar, TypeVarTuple

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from hub.errors import QuotaExhaustedError, RateLimitedError, TransientError

T = TypeVar("T")
P = ParamSpec("P")
Ts = TypeVarTuple("Ts")

AsyncSleep = Callable[[float], Awaitable[None]]
SyncSleep = Callable[[float], None]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` in all, no single wait above `max_wait` seconds."""

    attempts: int = 6
    max_wait: float = 60.0
    base_wait: float = 0.5  # the first backoff window; it doubles on each attempt

    def wait(self, state: RetryCallState) -> float:
        """The vendor's own wait when it gave one, else a full-jitter exponential backoff."""
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return error.retry_after
        backoff = wait_random_exponential(multiplier=self.base_wait, max=self.max_wait)
        return float(backoff(state))

    def refuse_long_wait(self, error: RateLimitedError) -> None:
        """Turn a request to wait longer than `max_wait` into QuotaExhaustedError."""
        if error.retry_after is not None and error.retry_after > self.max_wait:
            resume_at = datetime.now(UTC) + timedelta(seconds=error.retry_after)
            raise QuotaExhaustedError(
                f"{error} (asked to wait {error.retry_after:.0f}s, more than the "
                f"{self.max_wait:g}s a run waits; resume at {resume_at:%Y-%m-%d %H:%M:%S} UTC)",
                resume_at=resume_at,
            ) from error


DEFAULT_RETRY = RetryPolicy()


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    log.warning("attempt %d failed, retrying in %.2fs: %s", state.attempt_number, wait, error)


def async_retrying(
    policy: RetryPolicy = DEFAULT_RETRY, *, sleep: AsyncSleep | None = None
) -> AsyncRetrying:
    """The tenacity retrying object behind `retry_call`, for use with `async for`."""
    return AsyncRetrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(policy.attempts),
        wait=policy.wait,
        before_sleep=_log_retry,
        reraise=True,
        sleep=sleep or asyncio.sleep,
    )


def sync_retrying(
    policy: RetryPolicy = DEFAULT_RETRY, *, sleep: SyncSleep | None = None
) -> Retrying:
    """The synchronous twin of `async_retrying`, for code running in worker threads."""
    return Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(policy.attempts),
        wait=policy.wait,
        before_sleep=_log_retry,
        reraise=True,
        sleep=sleep or time.sleep,
    )


async def retry_call(
    fn: Callable[[*Ts], Awaitable[T]],
    *args: *Ts,
    policy: RetryPolicy = DEFAULT_RETRY,
    sleep: AsyncSleep | None = None,
) -> T:
    """Await `fn(*args)`, retrying TransientError per `policy`; the last error surfaces."""

    async def attempt() -> T:
        try:
            return await fn(*args)
        except RateLimitedError as error:
            policy.refuse_long_wait(error)
            raise

    result: T = await async_retrying(policy, sleep=sleep)(attempt)
    return result


def retry_call_sync(
    fn: Callable[[*Ts], T],
    *args: *Ts,
    policy: RetryPolicy = DEFAULT_RETRY,
    sleep: SyncSleep | None = None,
) -> T:
    """`retry_call` for synchronous functions."""

    def attempt() -> T:
        try:
            return fn(*args)
        except RateLimitedError as error:
            policy.refuse_long_wait(error)
            raise

    return sync_retrying(policy, sleep=sleep)(attempt)


def retrying(
    policy: RetryPolicy = DEFAULT_RETRY, *, sleep: AsyncSleep | None = None
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Decorator form of `retry_call` for coroutine functions."""

    def decorate(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            call = functools.partial(fn, *args, **kwargs)
            return await retry_call(call, policy=policy, sleep=sleep)

        return wrapper

    return decorate


def retrying_sync(
    policy: RetryPolicy = DEFAULT_RETRY, *, sleep: SyncSleep | None = None
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator form of `retry_call_sync`."""

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            call = functools.partial(fn, *args, **kwargs)
            return retry_call_sync(call, policy=policy, sleep=sleep)

        return wrapper

    return decorate
