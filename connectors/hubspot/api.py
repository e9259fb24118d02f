"""One connection's way to HubSpot: the official SDK, run off the event loop, paced and judged.

Every call goes through `HubSpotApi.call`: a bounded number run at once, each in a worker
thread through `hub.http.call_sdk_async`, which takes a slot of the per-credential limiter
(shared by every pipeline of the process) and turns a failure into the hub error HubSpot's
policy assigns. The SDK's `*_with_http_info` form is used so the X-HubSpot-RateLimit headers of
successful answers correct the limiter too, not only those of refusals. A call is sent once:
SDK-level retries are switched off and the hub's one retry layer is the caller's (the engine
retries a sink's write and a stream's page, `check()` its probe).

OAuth connections hold a refresh token: an access token is issued before the first call and
renewed when it expires or when HubSpot answers 401. A new refresh token (a rotation) is
reported to `on_token` and logged; the old one is no longer used.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hubspot
from hubspot.crm.objects import Configuration as ModelConfiguration
from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.hubspot.errors import VENDOR, hubspot_policy, read_sdk_error
from connectors.hubspot.settings import HubSpotSettings
from hub.errors import AuthError, TransientError
from hub.http import (
    DEFAULT_RETRY,
    RateLimiter,
    Reply,
    call_sdk_async,
    credential_key,
    limiter_for,
)

log = logging.getLogger(__name__)

# Models built by the hub are valid by construction; skipping the SDK's per-object
# configuration copy makes building a 100-record batch fifteen times cheaper.
MODELS = ModelConfiguration()
MODELS.client_side_validation = False

# SDK APIs by short name: (discovery path on the client, API attribute).
_APIS: dict[str, tuple[str, str]] = {
    "objects.basic": ("crm.objects", "basic_api"),
    "objects.batch": ("crm.objects", "batch_api"),
    "objects.search": ("crm.objects", "search_api"),
    "properties.core": ("crm.properties", "core_api"),
    "properties.groups": ("crm.properties", "groups_api"),
    "lists.lists": ("crm.lists", "lists_api"),
    "lists.memberships": ("crm.lists", "memberships_api"),
    "associations.batch": ("crm.associations.v4", "batch_api"),
    "oauth.tokens": ("oauth", "tokens_api"),
}

TokenCallback = Callable[[str, SecretStr], None]  # (connection name, new refresh token)


@dataclass
class _Attempt:
    """The access token one attempt was sent with: only that token is worth refreshing."""

    token: str = ""


class TokenKeeper:
    """The OAuth token pair of one connection; refreshes once for all threads that need it."""

    # renew a minute early so a call never leaves with a token about to die
    MARGIN_S = 60.0

    def __init__(self, api: HubSpotApi, settings: HubSpotSettings, connection: str,
                 on_token: TokenCallback | None) -> None:
        assert settings.client_secret is not None
        assert settings.refresh_token is not None
        self._api = api
        self._client_id = settings.client_id or ""
        self._client_secret = settings.client_secret.get_secret_value()
        self._refresh_token = settings.refresh_token.get_secret_value()
        self._connection = connection
        self._on_token = on_token
        self._lock = threading.Lock()
        self.access_token = ""
        self.expires_at = 0.0
        self.rotations = 0

    @property
    def refresh_token(self) -> SecretStr:
        return SecretStr(self._refresh_token)

    def current(self) -> str:
        """A live access token, refreshed first when missing or about to expire."""
        if not self.access_token or time.monotonic() >= self.expires_at - self.MARGIN_S:
            self.refresh(self.access_token)
        return self.access_token

    def refresh(self, stale: str) -> None:
        """Get a new access token, unless another thread already replaced `stale`."""
        with self._lock:
            if self.access_token != stale:
                return
            tokens = self._api.sdk_api("oauth.tokens")
            try:
                answer = tokens.create(grant_type="refresh_token", client_id=self._client_id,
                                       client_secret=self._client_secret,
                                       refresh_token=self._refresh_token)
            except Exception as exc:
                raise self._refusal(exc) from exc
            self.access_token = str(answer.access_token)
            self.expires_at = time.monotonic() + float(answer.expires_in or 1800)
            rotated = answer.refresh_token and answer.refresh_token != self._refresh_token
            if rotated:
                self._refresh_token = str(answer.refresh_token)
                self.rotations += 1
                log.warning("HubSpot issued a new refresh token for connection %r; the old one "
                            "no longer works: store the new one in the connection's settings",
                            self._connection)
                if self._on_token is not None:
                    self._on_token(self._connection, SecretStr(self._refresh_token))
            self._api.use_token(self.access_token)

    def _refusal(self, exc: Exception) -> Exception:
        found = read_sdk_error(exc)
        if not isinstance(found, Reply):
            return found or exc  # a hub error already (unreachable …), or a bug
        if found.status == 429 or found.status >= 500:
            return TransientError(f"{VENDOR} token refresh answered {found.status}")
        return AuthError(
            f"{VENDOR} refused to renew the access token ({found.status}: {found.message}). The "
            "refresh token or the app's client id/secret is no longer valid: reconnect the "
            "OAuth app and set the new `refresh_token` (and `client_secret`) of the connection.")


class HubSpotApi:
    """The SDK client of one connection, with its limiters, policy and concurrency bound."""

    def __init__(self, settings: HubSpotSettings, *, connection: str = "hubspot",
                 max_wait: float = DEFAULT_RETRY.max_wait,
                 on_token: TokenCallback | None = None) -> None:
        self.settings = settings
        self.connection = connection
        self.policy = hubspot_policy(settings.portal_time_zone)
        self.max_wait = max_wait  # the longest a call waits for a limiter slot
        secret = settings.access_token or settings.refresh_token
        assert secret is not None  # the settings model requires one of them
        key = credential_key(secret.get_secret_value(), f"hubspot:{settings.api_url}")
        self.limiter: RateLimiter = limiter_for(key, settings.burst, daily=settings.daily_budget)
        self.search_limiter: RateLimiter = limiter_for(f"{key}:search", settings.search_rate)
        token = settings.access_token.get_secret_value() if settings.access_token else None
        self._client = hubspot.HubSpot(
            access_token=token, host=settings.api_url, base_url=settings.api_url,
            retry=Retry(total=0, redirect=0, raise_on_status=False),
            connection_pool_maxsize=settings.concurrency)
        self._apis: dict[str, Any] = {}
        self._apis_lock = threading.Lock()
        self.tokens = (TokenKeeper(self, settings, connection, on_token)
                       if settings.uses_oauth else None)
        self._gate: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self._count_lock = threading.Lock()
        self.calls = 0  # HTTP requests sent to the API (each retry by a caller counts)

    # -- the SDK -----------------------------------------------------------------------------

    def sdk_api(self, name: str) -> Any:
        """One SDK API object, made once: each `client.crm…` access would build a new pool."""
        with self._apis_lock:
            api = self._apis.get(name)
            if api is None:
                path, attribute = _APIS[name]
                holder: Any = self._client
                for part in path.split("."):
                    holder = getattr(holder, part)
                api = self._apis[name] = getattr(holder, attribute)
                if self.tokens is not None and self.tokens.access_token:
                    api.api_client.configuration.access_token = self.tokens.access_token
            return api

    def use_token(self, access_token: str) -> None:
        """Send `access_token` from now on (called after a refresh)."""
        with self._apis_lock:
            for name, api in self._apis.items():
                if name != "oauth.tokens":
                    api.api_client.configuration.access_token = access_token

    # -- calls -------------------------------------------------------------------------------

    async def call(self, api_name: str, operation: str, *args: Any, search: bool = False,
                   **kwargs: Any) -> Any:
        """Call `operation` of an SDK API once and return its data; failures become hub errors
        (TransientError for the caller's retry to act on). `search` also takes a slot of the
        search limiter.
        """
        api = self.sdk_api(api_name)
        kwargs.setdefault("_request_timeout", self.settings.timeout)
        method = getattr(api, f"{operation}_with_http_info")
        attempt = _Attempt()

        def send() -> Any:
            if self.tokens is not None:
                attempt.token = self.tokens.current()
            with self._count_lock:
                self.calls += 1
            data, _status, headers = method(*args, **kwargs)
            self.limiter.observe(dict(headers or {}))
            return data

        refresh = None
        if self.tokens is not None:
            tokens = self.tokens

            def refresh() -> None:
                tokens.refresh(attempt.token)

        async with self._semaphore():
            if search:
                async with self.search_limiter.acquire(self.max_wait):
                    return await self._send(send, refresh)
            return await self._send(send, refresh)

    async def _send(self, send: Callable[[], Any], refresh: Callable[[], None] | None) -> Any:
        return await call_sdk_async(send, limiter=self.limiter, classify=read_sdk_error,
                                    policy=self.policy, max_wait=self.max_wait, refresh=refresh)

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate[0] is not loop:
            self._gate = (loop, asyncio.Semaphore(self.settings.concurrency))
        return self._gate[1]

    def close(self) -> None:
        with self._apis_lock:
            for api in self._apis.values():
                pool = getattr(api.api_client.rest_client, "pool_manager", None)
                if pool is not None:
                    pool.clear()
            self._apis.clear()
