"""The client, policy, retry and limiter together, against the loopback fault server.

The client sends once and judges; retrying is the one layer its caller adds (`send` below is
what the engine does: `retry_call` over a single judged request)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from hub.errors import (
    AuthError,
    HubError,
    QuotaExhaustedError,
    RecordError,
    TransientError,
)
from hub.http import (
    DEFAULT_RETRY,
    BearerToken,
    Policy,
    Rate,
    RateLimiter,
    Reply,
    RetryPolicy,
    build_client,
    next_midnight,
    request_with_policy,
    retry_call,
)
from hub.testing.sandbox.faultserver import FaultServer, Step, partial_batch, run_fault_server


@pytest.fixture(scope="module")
def running() -> Iterator[FaultServer]:
    with run_fault_server() as running:
        yield running


@pytest.fixture
def server(running: FaultServer) -> FaultServer:
    running.app.reset()
    return running


class FakeSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def send(client: httpx.AsyncClient, method: str, url: str, *,
               retry: RetryPolicy = DEFAULT_RETRY, sleep: FakeSleep | None = None,
               **kwargs: Any) -> httpx.Response:
    request = functools.partial(request_with_policy, client, method, url, **kwargs)
    return await retry_call(request, policy=retry, sleep=sleep)


async def test_the_client_sends_once_and_judges(server: FaultServer) -> None:
    server.app.script("/c", Step(503, json={"message": "try later"}), Step(200))
    async with build_client(server.url) as client:
        with pytest.raises(TransientError, match="503: try later"):
            await request_with_policy(client, "GET", "/c")
    assert len(server.app.requests("/c")) == 1


async def test_every_request_says_who_we_are(server: FaultServer) -> None:
    server.app.script("/ok", Step(200, json={"ok": True}))
    async with build_client(server.url, BearerToken("tok-1")) as client:
        response = await request_with_policy(client, "GET", "/ok")
    assert response.json() == {"ok": True}
    [seen] = server.app.requests("/ok")
    assert seen.headers["user-agent"].startswith("marketing-hub/")
    assert seen.headers["authorization"] == "Bearer tok-1"


async def test_429_with_retry_after_seconds_waits_what_was_asked(server: FaultServer) -> None:
    server.app.script("/c", Step(429, headers={"Retry-After": "2"}), Step(200))
    sleep = FakeSleep()
    async with build_client(server.url) as client:
        response = await send(client, "GET", "/c", sleep=sleep)
    assert response.status_code == 200
    assert sleep.waits == [2.0]
    assert len(server.app.requests("/c")) == 2


async def test_429_with_retry_after_date_waits_until_then(server: FaultServer) -> None:
    # far enough ahead that a busy machine's delay before the answer is read still leaves
    # most of the wait
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.app.script("/c", Step(429, headers={"Retry-After": when}), Step(200))
    sleep = FakeSleep()
    async with build_client(server.url) as client:
        await send(client, "GET", "/c", sleep=sleep)
    [wait] = sleep.waits
    assert 20 < wait <= 30.0  # the date has whole seconds; the wait ends at it, not before


async def test_retry_after_is_honoured_on_the_wire(server: FaultServer) -> None:
    server.app.script("/c", Step(429, headers={"Retry-After": "0.25"}), Step(200))
    limiter = RateLimiter(Rate(100, 1.0))
    async with build_client(server.url, limiter=limiter) as client:
        await send(client, "GET", "/c")
    first, second = server.app.requests("/c")
    assert second.at - first.at >= 0.25


async def test_server_errors_are_retried_until_success(server: FaultServer) -> None:
    server.app.script("/c", Step(500), Step(503), Step(502), Step(200, json={"id": "7"}))
    sleep = FakeSleep()
    async with build_client(server.url) as client:
        response = await send(client, "POST", "/c", json={"a": 1}, sleep=sleep)
    assert response.json() == {"id": "7"}
    assert len(server.app.requests("/c")) == 4
    assert len(sleep.waits) == 3


async def test_a_timeout_is_retried(server: FaultServer) -> None:
    # the server stops waiting when the client hangs up; the second answer, at once, must
    # arrive within the timeout: a second, far above a loopback answer on a busy machine
    server.app.script("/slow", Step(delay=600), Step(200))
    async with build_client(server.url, timeout=1.0) as client:
        response = await send(client, "GET", "/slow", sleep=FakeSleep())
    assert response.status_code == 200
    assert len(server.app.requests("/slow")) == 2


async def test_reset_and_closed_connections_are_retried(server: FaultServer) -> None:
    server.app.script(
        "/c", Step(fault="reset"), Step(fault="close"), Step(fault="truncate"), Step(200)
    )
    async with build_client(server.url) as client:
        response = await send(client, "GET", "/c", sleep=FakeSleep())
    assert response.status_code == 200
    assert len(server.app.requests("/c")) == 4


async def test_a_bad_record_is_not_retried(server: FaultServer) -> None:
    body = {
        "status": "error",
        "message": "Property values were not valid",
        "category": "VALIDATION_ERROR",
    }
    server.app.script("/c", Step(400, json=body), Step(200))
    sleep = FakeSleep()
    async with build_client(server.url, policy=Policy(vendor="HubSpot")) as client:
        with pytest.raises(
            RecordError, match="HubSpot answered 400: Property values were not valid"
        ):
            await send(client, "POST", "/c", json={}, sleep=sleep)
    assert len(server.app.requests("/c")) == 1
    assert sleep.waits == []


async def test_refused_credentials_fail_the_run(server: FaultServer) -> None:
    server.app.script("/401", Step(401, json={"message": "expired"}))
    server.app.script("/403", Step(403, json={"message": "MISSING_SCOPES"}))
    async with build_client(server.url, BearerToken("old")) as client:
        with pytest.raises(AuthError, match="expired"):
            await send(client, "GET", "/401", sleep=FakeSleep())
        with pytest.raises(AuthError, match="scopes"):
            await send(client, "GET", "/403", sleep=FakeSleep())
    assert len(server.app.requests("/401")) == 1
    assert len(server.app.requests("/403")) == 1


async def test_a_long_retry_after_stops_the_run_and_pauses_the_credential(
    server: FaultServer,
) -> None:
    server.app.script("/c", Step(429, headers={"Retry-After": "3600"}), Step(200))
    sleep = FakeSleep()
    limiter = RateLimiter(Rate(100, 1.0))
    async with build_client(server.url, limiter=limiter, max_wait=60) as client:
        with pytest.raises(QuotaExhaustedError) as caught:
            await send(client, "GET", "/c", retry=RetryPolicy(max_wait=60), sleep=sleep)
        resume_at = caught.value.resume_at
        assert resume_at is not None
        assert resume_at - datetime.now(UTC) > timedelta(minutes=59)
        assert sleep.waits == []
        # Every other user of the credential stops too, without another request.
        with pytest.raises(QuotaExhaustedError):
            await send(client, "GET", "/c", sleep=sleep)
    assert len(server.app.requests("/c")) == 1


async def test_exhausted_attempts_surface_the_last_error(server: FaultServer) -> None:
    server.app.script("/c", Step(503, json={"message": "try later"}))
    sleep = FakeSleep()
    async with build_client(server.url) as client:
        with pytest.raises(TransientError, match="503: try later"):
            await send(client, "GET", "/c", retry=RetryPolicy(attempts=3), sleep=sleep)
    assert len(server.app.requests("/c")) == 3
    assert len(sleep.waits) == 2


def daily_limit(reply: Reply) -> HubError | None:
    body = reply.json
    if reply.status == 429 and isinstance(body, dict) and body.get("policyName") == "DAILY":
        return QuotaExhaustedError(str(body.get("message")), resume_at=next_midnight(UTC))
    return None


async def test_vendor_classifier_stops_on_the_daily_quota(server: FaultServer) -> None:
    body = {
        "status": "error",
        "message": "You have reached your daily limit.",
        "policyName": "DAILY",
    }
    server.app.script("/c", Step(429, json=body))
    policy = Policy(vendor="HubSpot").with_classifier(daily_limit)
    sleep = FakeSleep()
    async with build_client(server.url, policy=policy) as client:
        with pytest.raises(QuotaExhaustedError, match="daily limit") as caught:
            await send(client, "GET", "/c", sleep=sleep)
    assert caught.value.resume_at == next_midnight(UTC)
    assert sleep.waits == []
    assert len(server.app.requests("/c")) == 1


async def test_partial_batch_failure_is_returned_for_per_record_outcomes(
    server: FaultServer,
) -> None:
    server.app.script(
        "/batch",
        Step(respond=partial_batch(lambda r: "bad email" if "@" not in r["email"] else None)),
    )
    inputs = [{"email": "a@x.test"}, {"email": "nope"}, {"email": "c@x.test"}]
    async with build_client(server.url) as client:
        response = await request_with_policy(client, "POST", "/batch", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert [r["index"] for r in body["results"]] == [0, 2]
    assert body["errors"] == [{"index": 1, "message": "bad email", "input": {"email": "nope"}}]


async def test_headers_slow_the_hub_when_the_vendor_has_little_left(server: FaultServer) -> None:
    low = {"ratelimit-limit": "100", "ratelimit-remaining": "0", "ratelimit-reset": "0.3"}
    server.app.script("/c", Step(200, headers=low), Step(200))
    limiter = RateLimiter(Rate(100, 1.0))
    async with build_client(server.url, limiter=limiter) as client:
        await request_with_policy(client, "GET", "/c")
        await request_with_policy(client, "GET", "/c")
    first, second = server.app.requests("/c")
    assert second.at - first.at >= 0.3


async def test_clients_on_one_credential_share_one_limiter(server: FaultServer) -> None:
    server.app.script("/c", Step(200))
    limiter = RateLimiter(Rate(2, 0.3))
    async with (
        build_client(server.url, limiter=limiter) as one,
        build_client(server.url, limiter=limiter) as two,
    ):
        await asyncio.wait_for(
            asyncio.gather(*(request_with_policy(c, "GET", "/c") for c in (one, two, one, two))),
            timeout=60,  # only keeps a broken limiter from hanging the suite
        )
    arrivals = sorted(seen.at for seen in server.app.requests("/c"))
    assert arrivals[2] >= arrivals[0] + 0.3


async def test_plain_httpx_clients_get_the_default_policy(server: FaultServer) -> None:
    server.app.script("/c", Step(503), Step(204))
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await send(client, "DELETE", "/c", sleep=FakeSleep())
    assert response.status_code == 204


@pytest.mark.slow
async def test_limiter_runs_just_under_an_enforced_limit() -> None:
    """20 per 1 s against a server enforcing 20 per 1 s: no 429, never above the limit.

    How close to the limit it runs depends on the machine (each slot is held for its request's
    round trip, then a window), so it is not asserted here: that the limiter waits no longer
    than the window is checked on a fake clock in test_ratelimit."""
    total, limit = 80, 20
    with run_fault_server() as server:
        server.app.enforce_rate(limit, 1.0, headers="ietf")
        server.app.script("/c", Step(200))
        limiter = RateLimiter(Rate(limit, 1.0))
        remaining = list(range(total))
        statuses: list[int] = []

        async def worker(client: httpx.AsyncClient) -> None:
            while remaining:
                remaining.pop()
                response = await client.get("/c")
                statuses.append(response.status_code)

        async with build_client(server.url, limiter=limiter) as client:
            await asyncio.wait_for(asyncio.gather(*(worker(client) for _ in range(limit))), 120)
        arrivals = sorted(seen.at for seen in server.app.requests("/c"))
    assert server.app.rejected == 0
    assert statuses == [200] * total
    # Request i + limit can arrive no sooner than 1 s after request i
    assert all(later - earlier >= 1.0
               for earlier, later in zip(arrivals, arrivals[limit:], strict=False))
