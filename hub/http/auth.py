"""Credentials as httpx.Auth objects: a bearer token, an API key header, OAuth2 refresh tokens.

The OAuth2 flow (async clients only) refreshes when the access token has expired and, once per
request, when the vendor answers 401. A vendor that rotates refresh tokens makes the old one
useless after one use, so each new token is handed to `on_token` for the caller to persist,
and concurrent requests share one refresh instead of racing to spend the same refresh token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from hub.errors import AuthError, RateLimitedError, TransientError
from hub.http.policy import Reply, parse_retry_after

# Refresh a little before the vendor's expiry so a request is never sent with a dying token.
EXPIRY_MARGIN = timedelta(seconds=60)

# OAuth error codes meaning the grant itself is dead: only a person reconnecting can fix it.
_DEAD_GRANT = {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"}


class BearerToken(httpx.Auth):
    """`Authorization: Bearer <token>` on every request."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class ApiKeyHeader(httpx.Auth):
    """An API key in a header of the vendor's choosing, e.g. `X-API-Key: <key>`."""

    def __init__(self, key: str, header: str = "X-API-Key", prefix: str = "") -> None:
        self._key = key
        self._header = header
        self._prefix = prefix

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = f"{self._prefix}{self._key}"
        yield request


@dataclass(frozen=True)
class OAuth2Token:
    """One issued token pair; `repr` never shows the secrets."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime | None = None

    def is_stale(self, now: datetime) -> bool:
        if not self.access_token:
            return True
        return self.expires_at is not None and now >= self.expires_at - EXPIRY_MARGIN


TokenCallback = Callable[[OAuth2Token], None]


class OAuth2RefreshToken(httpx.Auth):
    """OAuth2 with a refresh token: refresh when stale, and once more on a 401."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        access_token: str = "",
        expires_at: datetime | None = None,
        on_token: TokenCallback | None = None,
        extra_params: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._token_url = token_url
        self._client = {"client_id": client_id, "client_secret": client_secret}
        self._extra = dict(extra_params or {})
        self._token = OAuth2Token(access_token, refresh_token, expires_at)
        self._on_token = on_token
        self._clock = clock
        self._task_lock = asyncio.Lock()

    @property
    def token(self) -> OAuth2Token:
        return self._token

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        # one flow, for the hub's clients (all async): a sync twin would be a second copy of
        # the refresh logic with its own lock, for no caller
        raise TypeError("OAuth2RefreshToken signs requests of async clients only "
                        "(hub.http.build_client)")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        async with self._task_lock:
            if self._token.is_stale(self._clock()):
                refreshed = yield self._refresh_request()
                await refreshed.aread()
                self._accept(refreshed)
            sent_with = self._sign(request)
        response = yield request
        if response.status_code != 401:
            return
        async with self._task_lock:
            if self._token.access_token == sent_with:  # nobody refreshed while we waited
                refreshed = yield self._refresh_request()
                await refreshed.aread()
                self._accept(refreshed)
            self._sign(request)
        yield request

    def _sign(self, request: httpx.Request) -> str:
        request.headers["Authorization"] = f"Bearer {self._token.access_token}"
        return self._token.access_token

    def _refresh_request(self) -> httpx.Request:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._token.refresh_token,
            **self._client,
            **self._extra,
        }
        return httpx.Request("POST", self._token_url, data=form)

    def _accept(self, response: httpx.Response) -> None:
        """Take the new token from the token endpoint's answer, or raise what went wrong."""
        reply = Reply.of(response)
        if response.is_success:
            body = reply.json if isinstance(reply.json, dict) else {}
            access = body.get("access_token")
            if not isinstance(access, str) or not access:
                raise AuthError("the token endpoint answered without an access_token")
            rotated = body.get("refresh_token")
            if not isinstance(rotated, str) or not rotated:
                rotated = self._token.refresh_token  # this vendor does not rotate
            lifetime = body.get("expires_in")
            expires_at = (
                self._clock() + timedelta(seconds=float(lifetime))
                if isinstance(lifetime, (int, float))
                else None
            )
            self._token = OAuth2Token(access, rotated, expires_at)
            if self._on_token is not None:
                self._on_token(self._token)
            return
        said = f"token refresh answered {reply.status}: {reply.message}"
        if reply.status == 429 or reply.status >= 500 or reply.status == 408:
            wait = parse_retry_after(reply.headers)
            raise TransientError(said) if wait is None else RateLimitedError(said, wait)
        code = reply.json.get("error") if isinstance(reply.json, dict) else None
        if code in _DEAD_GRANT:
            raise AuthError(f"{said}. The refresh token is no longer valid: reconnect the app.")
        raise AuthError(f"{said}. Check the OAuth client id, secret and token URL.")
