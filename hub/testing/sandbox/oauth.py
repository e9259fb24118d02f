"""Bearer credentials as most vendors issue them: fixed API tokens, and OAuth 2 access tokens
issued by a token endpoint from a refresh token or an authorization code.

Fixed tokens never expire. OAuth access tokens expire after `access_token_ttl_s`; a refresh
token buys a new one (and, when `rotate_refresh_tokens` is on, a new refresh token while the old
one stops working); an authorization code works once. Refusals are exceptions naming what was
wrong, which the vendor's sandbox turns into its own error bodies.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "Grant",
    "GrantRefused",
    "OAuthKnobs",
    "TokenInfo",
    "TokenRefused",
    "TokenRegistry",
]


class OAuthKnobs(Protocol):
    tokens: tuple[str, ...]
    client_id: str
    client_secret: str
    refresh_tokens: tuple[str, ...]
    authorization_codes: tuple[str, ...]
    access_token_ttl_s: float
    rotate_refresh_tokens: bool


@dataclass(frozen=True)
class TokenInfo:
    """A valid access token; `kind` says whether it is a fixed token or an OAuth one."""

    token: str
    kind: Literal["fixed", "oauth"]
    expires_at: float | None = None


@dataclass(frozen=True)
class Grant:
    """What the token endpoint hands out."""

    access_token: str
    refresh_token: str
    expires_in: int


class TokenRefused(Exception):
    """No usable bearer token: `missing` (none sent), `unknown`, or `expired` (`overdue_s` ago)."""

    def __init__(
        self, reason: Literal["missing", "unknown", "expired"], overdue_s: float = 0.0
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.overdue_s = overdue_s


class GrantRefused(Exception):
    """A refused token exchange; `field` is the form field at fault (grant_type, client_id,
    client_secret, code or refresh_token)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class TokenRegistry:
    """Thread-safe registry of valid access and refresh tokens."""

    def __init__(
        self,
        knobs: OAuthKnobs,
        *,
        prefix: str = "sandbox",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._knobs = knobs
        self._prefix = prefix
        self._clock = clock
        self._lock = threading.Lock()
        self._access = {token: TokenInfo(token, "fixed") for token in knobs.tokens}
        self._refresh = set(knobs.refresh_tokens)
        self._codes = set(knobs.authorization_codes)

    def authenticate(self, authorization: str | None) -> TokenInfo:
        """The token of an `Authorization: Bearer …` header."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TokenRefused("missing")
        with self._lock:
            info = self._access.get(token)
        if info is None:
            raise TokenRefused("unknown")
        if info.expires_at is not None:
            overdue = self._clock() - info.expires_at
            if overdue >= 0:
                raise TokenRefused("expired", overdue)
        return info

    def expire(self, token: str) -> None:
        """Make an access token expire now (for tests of the refresh path)."""
        with self._lock:
            if token in self._access:
                self._access[token] = TokenInfo(token, "oauth", self._clock())

    def exchange(self, form: Mapping[str, str]) -> Grant:
        """Answer the token endpoint for the refresh_token and authorization_code grants."""
        knobs = self._knobs
        grant = form.get("grant_type", "")
        if grant not in ("refresh_token", "authorization_code"):
            raise GrantRefused("grant_type", f"unsupported grant type: {grant or 'missing'}")
        if form.get("client_id") != knobs.client_id:
            raise GrantRefused("client_id", "missing or unknown client id")
        if form.get("client_secret") != knobs.client_secret:
            raise GrantRefused("client_secret", "missing or invalid client secret")
        with self._lock:
            if grant == "authorization_code":
                code = form.get("code", "")
                if code not in self._codes:
                    raise GrantRefused("code", "missing or unknown auth code")
                self._codes.discard(code)
                refresh_token = self._new_refresh_token()
            else:
                refresh_token = form.get("refresh_token", "")
                if refresh_token not in self._refresh:
                    raise GrantRefused("refresh_token", "missing or unknown refresh token")
                if knobs.rotate_refresh_tokens:
                    self._refresh.discard(refresh_token)
                    refresh_token = self._new_refresh_token()
            access_token = f"{self._prefix}-oauth-{secrets.token_hex(16)}"
            self._access[access_token] = TokenInfo(
                access_token, "oauth", self._clock() + knobs.access_token_ttl_s
            )
        return Grant(access_token, refresh_token, int(knobs.access_token_ttl_s))

    def _new_refresh_token(self) -> str:
        token = f"{self._prefix}-refresh-{uuid.uuid4()}"
        self._refresh.add(token)
        return token
