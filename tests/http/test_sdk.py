"""Synchronous SDK calls get the same limiter, policy and retry as raw HTTP calls."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from hub.errors import AuthError, HubError, RateLimitedError, RecordError, TransientError
from hub.http import Policy, Rate, RateLimiter, Reply, RetryPolicy, call_sdk, call_sdk_async


class FakeApiException(Exception):
    """Shaped like a vendor SDK's error: status, headers and a raw body."""

    def __init__(
        self, status: int, body: str = "{}", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def read_fake(exc: BaseException) -> Reply | HubError | None:
    if isinstance(exc, FakeApiException):
        return Reply.from_parts(exc.status, exc.headers, exc.body)
    return None


class FakeSdk:
    """Raises the scripted errors in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[str] = []
        self.refreshes = 0
        self._lock = threading.Lock()

    def upsert(self, record_id: str) -> dict[str, str]:
        with self._lock:
            self.calls.append(record_id)
            if self.errors:
                raise self.errors.pop(0)
        return {"id": record_id}

    def refresh(self) -> None:
        self.refreshes += 1


class FakeSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def async_(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_rate_limited_sdk_call_waits_then_succeeds() -> None:
    sdk = FakeSdk(FakeApiException(429, headers={"Retry-After": "1"}))
    sleep = FakeSleep()
    assert call_sdk(sdk.upsert, "c-1", classify=read_fake, sleep=sleep) == {"id": "c-1"}
    assert sleep.waits == [1.0]
    assert sdk.calls == ["c-1", "c-1"]


def test_a_429_from_the_sdk_pauses_the_credential() -> None:
    limiter = RateLimiter(Rate(100, 1.0))
    sdk = FakeSdk(FakeApiException(429, headers={"Retry-After": "30"}))
    with pytest.raises(RateLimitedError):
        call_sdk(
            sdk.upsert, "c-1", limiter=limiter, classify=read_fake, retry=RetryPolicy(attempts=1)
        )
    assert limiter.wait_time() > 29  # every other user of the credential waits too


def test_401_refreshes_once_then_succeeds() -> None:
    sdk = FakeSdk(FakeApiException(401))
    assert call_sdk(sdk.upsert, "c-1", classify=read_fake, refresh=sdk.refresh) == {"id": "c-1"}
    assert sdk.refreshes == 1


def test_401_after_a_refresh_is_an_auth_error() -> None:
    sdk = FakeSdk(FakeApiException(401), FakeApiException(401, '{"message": "token revoked"}'))
    sleep = FakeSleep()
    with pytest.raises(AuthError, match="token revoked"):
        call_sdk(sdk.upsert, "c-1", classify=read_fake, refresh=sdk.refresh, sleep=sleep)
    assert sdk.refreshes == 1
    assert len(sdk.calls) == 2
    assert sleep.waits == []


def test_a_bad_record_is_not_retried_and_keeps_its_cause() -> None:
    original = FakeApiException(400, '{"message": "email is invalid"}')
    sdk = FakeSdk(original)
    with pytest.raises(RecordError, match="Acme answered 400: email is invalid") as caught:
        call_sdk(sdk.upsert, "c-1", classify=read_fake, policy=Policy(vendor="Acme"))
    assert caught.value.__cause__ is original
    assert len(sdk.calls) == 1


def test_bugs_propagate_untouched() -> None:
    sdk = FakeSdk(KeyError("properties"))
    with pytest.raises(KeyError):
        call_sdk(sdk.upsert, "c-1", classify=read_fake)
    assert len(sdk.calls) == 1


def test_connection_errors_are_retried_until_attempts_run_out() -> None:
    sdk = FakeSdk(*[ConnectionResetError("reset by peer") for _ in range(5)])
    sleep = FakeSleep()
    with pytest.raises(TransientError, match="reset by peer"):
        call_sdk(sdk.upsert, "c-1", retry=RetryPolicy(attempts=3), sleep=sleep)
    assert len(sdk.calls) == 3
    assert len(sleep.waits) == 2


def test_sdk_calls_from_a_thread_pool_share_the_limiter() -> None:
    limiter = RateLimiter(Rate(2, 0.3))
    sdk = FakeSdk()
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def timed(record_id: str) -> dict[str, str]:
        start = time.monotonic()
        result = sdk.upsert(record_id)
        with lock:
            spans.append((start, time.monotonic()))
        return result

    def worker(record_id: str) -> dict[str, str]:
        return call_sdk(timed, record_id, limiter=limiter)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(worker, f"c-{i}") for i in range(4)]
        results = [future.result(timeout=60) for future in futures]  # a hang guard only
    assert sorted(r["id"] for r in results) == ["c-0", "c-1", "c-2", "c-3"]
    starts = sorted(start for start, _ in spans)
    assert starts[2] >= min(end for _, end in spans) + 0.3


async def test_async_variant_runs_the_sdk_in_a_thread() -> None:
    sdk = FakeSdk(FakeApiException(503), FakeApiException(401))
    sleep = FakeSleep()
    caller = threading.get_ident()
    threads: list[int] = []

    def upsert(record_id: str) -> dict[str, str]:
        threads.append(threading.get_ident())
        return sdk.upsert(record_id)

    limiter = RateLimiter(Rate(10, 1.0))
    result = await call_sdk_async(
        upsert, "c-9", limiter=limiter, classify=read_fake, refresh=sdk.refresh, sleep=sleep.async_
    )
    assert result == {"id": "c-9"}
    assert len(sleep.waits) == 1
    assert sdk.refreshes == 1
    assert caller not in threads
