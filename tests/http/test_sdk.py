"""Synchronous SDK calls, run in a worker thread, get the same limiter and policy as raw HTTP
calls, and are sent once: retrying is the caller's (`retry_call`)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from hub.errors import AuthError, HubError, RateLimitedError, RecordError, TransientError
from hub.http import Policy, Rate, RateLimiter, Reply, call_sdk_async, retry_call


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

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_a_server_error_is_judged_and_not_retried() -> None:
    sdk = FakeSdk(FakeApiException(503, '{"message": "busy"}'))
    with pytest.raises(TransientError, match="Acme answered 503: busy"):
        await call_sdk_async(sdk.upsert, "c-1", classify=read_fake, policy=Policy(vendor="Acme"))
    assert sdk.calls == ["c-1"]


async def test_a_429_from_the_sdk_pauses_the_credential() -> None:
    limiter = RateLimiter(Rate(100, 1.0))
    sdk = FakeSdk(FakeApiException(429, headers={"Retry-After": "30"}))
    with pytest.raises(RateLimitedError) as caught:
        await call_sdk_async(sdk.upsert, "c-1", limiter=limiter, classify=read_fake)
    assert caught.value.retry_after == 30.0
    assert sdk.calls == ["c-1"]
    assert limiter.wait_time() > 29  # every other user of the credential waits too


async def test_the_callers_retry_waits_what_the_vendor_asked() -> None:
    sdk = FakeSdk(FakeApiException(429, headers={"Retry-After": "1"}))
    sleep = FakeSleep()
    result = await retry_call(lambda: call_sdk_async(sdk.upsert, "c-1", classify=read_fake),
                              sleep=sleep)
    assert result == {"id": "c-1"}
    assert sleep.waits == [1.0]
    assert sdk.calls == ["c-1", "c-1"]


async def test_401_refreshes_once_then_succeeds() -> None:
    sdk = FakeSdk(FakeApiException(401))
    result = await call_sdk_async(sdk.upsert, "c-1", classify=read_fake, refresh=sdk.refresh)
    assert result == {"id": "c-1"}
    assert sdk.refreshes == 1
    assert sdk.calls == ["c-1", "c-1"]


async def test_401_after_a_refresh_is_an_auth_error() -> None:
    sdk = FakeSdk(FakeApiException(401), FakeApiException(401, '{"message": "token revoked"}'))
    with pytest.raises(AuthError, match="token revoked"):
        await call_sdk_async(sdk.upsert, "c-1", classify=read_fake, refresh=sdk.refresh)
    assert sdk.refreshes == 1
    assert len(sdk.calls) == 2


async def test_a_bad_record_keeps_its_cause() -> None:
    original = FakeApiException(400, '{"message": "email is invalid"}')
    sdk = FakeSdk(original)
    with pytest.raises(RecordError, match="Acme answered 400: email is invalid") as caught:
        await call_sdk_async(sdk.upsert, "c-1", classify=read_fake, policy=Policy(vendor="Acme"))
    assert caught.value.__cause__ is original
    assert len(sdk.calls) == 1


async def test_bugs_propagate_untouched() -> None:
    sdk = FakeSdk(KeyError("properties"))
    with pytest.raises(KeyError):
        await call_sdk_async(sdk.upsert, "c-1", classify=read_fake)
    assert len(sdk.calls) == 1


async def test_connection_errors_are_transient() -> None:
    sdk = FakeSdk(ConnectionResetError("reset by peer"), ConnectionResetError("again"))
    with pytest.raises(TransientError, match="reset by peer"):
        await call_sdk_async(sdk.upsert, "c-1")
    assert len(sdk.calls) == 1


async def test_concurrent_sdk_calls_share_the_limiter() -> None:
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

    calls = (call_sdk_async(timed, f"c-{i}", limiter=limiter) for i in range(4))
    results = await asyncio.wait_for(asyncio.gather(*calls), 60)  # a hang guard only
    assert sorted(r["id"] for r in results) == ["c-0", "c-1", "c-2", "c-3"]
    starts = sorted(start for start, _ in spans)
    assert starts[2] >= min(end for _, end in spans) + 0.3


async def test_the_sdk_runs_in_a_worker_thread() -> None:
    caller = threading.get_ident()
    threads: list[int] = []

    def upsert(record_id: str) -> dict[str, str]:
        threads.append(threading.get_ident())
        return {"id": record_id}

    limiter = RateLimiter(Rate(10, 1.0))
    assert await call_sdk_async(upsert, "c-9", limiter=limiter) == {"id": "c-9"}
    assert len(threads) == 1
    assert caller not in threads

