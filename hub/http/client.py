"""The one way connectors talk HTTP: a client factory, and calls that apply limiter and policy.

`build_client` returns an httpx.AsyncClient whose transport takes a limiter slot for every
request it sends (auth re-sends and token refreshes included) and whose response hook feeds the
vendor's rate-limit headers back to that limiter. `request_with_policy` sends one request and
reads the answer through the failure policy; `call_sdk_async` does the same for a vendor SDK's
synchronous calls. Neither retries: the caller that owns the operation does, once, with
`hub.http.retry_call` (the engine, for sink writes and stream pages).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar, TypeVarTuple

import httpx

from hub.errors import QuotaExhaustedError, RateLimitedError
from hub.http.policy import (
    DEFAULT_POLICY,
    Action,
    ExceptionReader,
    Policy,
    Reply,
    Verdict,
    parse_retry_after,
)
from hub.http.ratelimit import RateLimiter
from hub.http.retry import DEFAULT_RETRY

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Vendors answer batch writes slowly; connecting should never take long.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0, pool=30.0)


@functools.cache
def user_agent() -> str:
    try:
        return f"marketing-hub/{version('marketing-hub')}"
    except PackageNotFoundError:
        return "marketing-hub/dev"


class HubClient(httpx.AsyncClient):
    """An AsyncClient that remembers its connection's policy and limiter."""

    def __init__(
        self,
        *,
        policy: Policy = DEFAULT_POLICY,
        limiter: RateLimiter | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.limiter = limiter


class LimitedTransport(httpx.AsyncBaseTransport):
    """Holds a limiter slot from sending a request until its answer's headers arrive."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, limiter: RateLimiter, max_wait: float | None
    ) -> None:
        self._inner = inner
        self._limiter = limiter
        self._max_wait = max_wait

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._limiter.acquire(self._max_wait):
            return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def build_client(
    base_url: str,
    auth: httpx.Auth | None = None,
    *,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    limiter: RateLimiter | None = None,
    policy: Policy | None = None,
    max_wait: float = DEFAULT_RETRY.max_wait,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
) -> HubClient:
    """A client for one connection. Close it (`async with`) when the connection is done.

    `max_wait` bounds how long a request waits for a limiter slot before the wait is refused
    as QuotaExhaustedError (as a run never sleeps longer than its RetryPolicy's max_wait).
    """
    inner = transport or httpx.AsyncHTTPTransport(retries=0)
    hooks: dict[str, list[Callable[[httpx.Response], Any]]] = {}
    if limiter is not None:
        inner = LimitedTransport(inner, limiter, max_wait)
        hooks["response"] = [_feed(limiter)]
    return HubClient(
        policy=policy or DEFAULT_POLICY,
        limiter=limiter,
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        transport=inner,
        headers={"User-Agent": user_agent(), **(headers or {})},
        event_hooks=hooks,
    )


def _feed(limiter: RateLimiter) -> Callable[[httpx.Response], Any]:
    async def observe(response: httpx.Response) -> None:
        limiter.observe(response.headers)
        if response.status_code == 429:
            limiter.on_rate_limited(parse_retry_after(response.headers))

    return observe


async def request_with_policy(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    policy: Policy | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request and judge the answer by the policy; never retries.

    Returns the (OK) response; raises the hub error the policy assigns otherwise (a
    TransientError for the caller's retry to act on). Policy and limiter default to the ones
    the client was built with. `kwargs` go to `client.request` (json=, params=, headers=, ...).
    """
    hub = client if isinstance(client, HubClient) else None
    policy = policy or (hub.policy if hub else DEFAULT_POLICY)
    limiter = hub.limiter if hub else None
    try:
        response = await client.request(method, url, **kwargs)
    except Exception as exc:
        _raise_judged(exc, policy.judge_exception(exc), limiter)
        raise
    verdict = policy.judge(Reply.of(response))
    if verdict.error is not None:
        _share(verdict, limiter)
        raise verdict.error
    return response


@dataclass
class _SdkFailure:
    """Judges an SDK exception; allows one token refresh per call."""

    policy: Policy
    classify: ExceptionReader | None
    limiter: RateLimiter | None
    can_refresh: bool
    refreshed: bool = False

    def needs_refresh(self, exc: Exception) -> bool:
        """True when the call should be repeated after a refresh; otherwise raises."""
        found = self.classify(exc) if self.classify is not None else None
        if isinstance(found, Reply) and self.limiter is not None:
            self.limiter.observe(found.headers)
        verdict = self.policy.judge_exception(exc, lambda _: found)
        refreshable = verdict is not None and verdict.action is Action.REFRESH_AUTH
        if refreshable and self.can_refresh and not self.refreshed:
            self.refreshed = True
            return True
        _raise_judged(exc, verdict, self.limiter)
        raise exc


async def call_sdk_async(
    fn: Callable[[*Ts], T],
    *args: *Ts,
    limiter: RateLimiter | None = None,
    classify: ExceptionReader | None = None,
    policy: Policy = DEFAULT_POLICY,
    max_wait: float = DEFAULT_RETRY.max_wait,
    refresh: Callable[[], None] | None = None,
) -> T:
    """Run a synchronous SDK call in a worker thread through limiter and policy; never retries.

    `classify` reads the SDK's exception into a Reply (status, headers, body), which the policy
    turns into the hub error to raise. `refresh`, if given, renews the SDK's token once when
    the vendor answers 401, and the call is sent again with the new token (a re-sign, as an
    httpx auth flow does, not a retry). `max_wait` bounds the wait for a limiter slot.
    """
    failure = _SdkFailure(policy, classify, limiter, can_refresh=refresh is not None)
    while True:
        try:
            if limiter is None:
                return await asyncio.to_thread(fn, *args)
            async with limiter.acquire(max_wait):
                return await asyncio.to_thread(fn, *args)
        except Exception as exc:
            if failure.needs_refresh(exc) and refresh is not None:
                await asyncio.to_thread(refresh)


def _raise_judged(exc: Exception, verdict: Verdict | None, limiter: RateLimiter | None) -> None:
    """Raise the verdict's hub error in place of `exc`; return if there is none to raise."""
    if verdict is None or verdict.error is None:
        return
    _share(verdict, limiter)
    if verdict.error is exc:
        raise exc
    raise verdict.error from exc


def _share(verdict: Verdict, limiter: RateLimiter | None) -> None:
    """What one caller learnt about the vendor's limits, every user of the credential learns."""
    if limiter is None:
        return
    error = verdict.error
    if isinstance(error, RateLimitedError):
        limiter.on_rate_limited(error.retry_after)
    elif isinstance(error, QuotaExhaustedError) and error.resume_at is not None:
        limiter.pause_until(error.resume_at)
