"""The hub's one retry layer: only TransientError is retried, and a vendor's wait is obeyed.

`retry_call` is used by whoever owns an operation, once: the engine around every sink write and
every page a stream fetches, `check()` around its probe. The HTTP helpers below it (`hub.http`
clients, `call_sdk_async`) send once and only judge the answer, so a failing vendor costs
`RetryPolicy.attempts` calls, never that number squared.

Backoff is exponential with full jitter, so processes that failed together do not retry
together. A RateLimitedError's `retry_after` is waited exactly, never less. When a vendor asks
for more than `max_wait`, nothing sleeps: QuotaExhaustedError stops the run cleanly, its
checkpoint intact, and says when it can resume.

Logging: one DEBUG line per retry; one summary when a call needed retries, INFO when it
succeeded at last, WARNING when it gave up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar, TypeVarTuple

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from hub.errors import QuotaExhaustedError, RateLimitedError, TransientError

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

AsyncSleep = Callable[[float], Awaitable[None]]

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


async def retry_call(
    fn: Callable[[*Ts], Awaitable[T]],
    *args: *Ts,
    policy: RetryPolicy = DEFAULT_RETRY,
    sleep: AsyncSleep | None = None,
    what: str | None = None,
) -> T:
    """Await `fn(*args)`, retrying TransientError per `policy`; the last error surfaces.

    `what` names the operation in the log lines (default: the function's name).
    """
    label = what or getattr(fn, "__qualname__", "a call")
    attempts = 0
    started = time.monotonic()

    async def attempt() -> T:
        nonlocal attempts
        attempts += 1
        try:
            return await fn(*args)
        except RateLimitedError as error:
            policy.refuse_long_wait(error)
            raise

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        log.debug("%s: attempt %d of %d failed, retrying in %.2fs: %s", label,
                  state.attempt_number, policy.attempts, wait, error)

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(policy.attempts),
        wait=policy.wait,
        before_sleep=log_retry,
        reraise=True,
        sleep=sleep or asyncio.sleep,
    )
    try:
        result: T = await retrying(attempt)
    except Exception as error:
        if attempts > 1:
            log.warning("%s: gave up after %d attempts in %.1fs: %s", label, attempts,
                        time.monotonic() - started, error)
        raise
    if attempts > 1:
        log.info("%s: succeeded at attempt %d of %d, after %.1fs of retries", label, attempts,
                 policy.attempts, time.monotonic() - started)
    return result
