"""Bearer tokens: configured private-app tokens, and OAuth tokens issued by `/oauth/v1/token`.

Private-app tokens never expire. OAuth access tokens expire after `access_token_ttl_s` and are
then refused with HubSpot's EXPIRED_AUTHENTICATION; a refresh token buys a new one (and, when
`rotate_refresh_tokens` is on, a new refresh token while the old one stops working).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .config import SandboxConfig
from .errors import HubSpotError

__all__ = ["OAuthError", "TokenInfo", "TokenRegistry"]

_MISSING_CREDENTIALS = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


@dataclass(frozen=True)
class TokenInfo:
    token: str
    kind: Literal["private_app", "oauth"]
    expires_at: float | None = None


class OAuthError(Exception):
    """A refused token exchange; HubSpot answers these with `{status: BAD_..., message}`."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "requestId": str(uuid.uuid4()),
        }


class TokenRegistry:
    """Thread-safe registry of valid access and refresh tokens."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, TokenInfo] = {
            token: TokenInfo(token, "private_app") for token in config.tokens
        }
        self._refresh = set(config.refresh_tokens)
        self._codes = set(config.authorization_codes)

    def authenticate(self, authorization: str | None) -> TokenInfo:
        """The token of an `Authorization: Bearer …` header, or HubSpot's 401."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HubSpotError(401, "INVALID_AUTHENTICATION", _MISSING_CREDENTIALS)
        with self._lock:
            info = self._access.get(token)
        if info is None:
            raise HubSpotError(401, "INVALID_AUTHENTICATION", _MISSING_CREDENTIALS)
        if info.expires_at is not None:
            overdue = self._clock() - info.expires_at
            if overdue >= 0:
                minutes = int(overdue // 60)
                raise HubSpotError(
                    401,
                    "EXPIRED_AUTHENTICATION",
                    f"The OAuth token used to make this call expired {minutes} minute(s) ago.",
                )
        return info

    def expire(self, token: str) -> None:
        """Make an OAuth access token expire now (for tests of the refresh path)."""
        with self._lock:
            info = self._access.get(token)
            if info is not None:
                self._access[token] = TokenInfo(token, "oauth", self._clock())

    def exchange(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Answer `POST /oauth/v1/token` for the refresh_token and authorization_code grants."""
        cfg = self._config
        grant = form.get("grant_type", "")
        if grant not in ("refresh_token", "authorization_code"):
            raise OAuthError("BAD_GRANT_TYPE", f"unsupported grant type: {grant or 'missing'}")
        if form.get("client_id") != cfg.client_id:
            raise OAuthError("BAD_CLIENT_ID", "missing or unknown client id")
        if form.get("client_secret") != cfg.client_secret:
            raise OAuthError("BAD_CLIENT_SECRET", "missing or invalid client secret")
        with self._lock:
            if grant == "authorization_code":
                code = form.get("code", "")
                if code not in self._codes:
                    raise OAuthError("BAD_AUTH_CODE", "missing or unknown auth code")
                self._codes.discard(code)
                refresh_token = self._new_refresh_token()
            else:
                refresh_token = form.get("refresh_token", "")
                if refresh_token not in self._refresh:
                    raise OAuthError("BAD_REFRESH_TOKEN", "missing or unknown refresh token")
                if cfg.rotate_refresh_tokens:
                    self._refresh.discard(refresh_token)
                    refresh_token = self._new_refresh_token()
            access_token = "sandbox-oauth-" + secrets.token_hex(16)
            self._access[access_token] = TokenInfo(
                access_token, "oauth", self._clock() + cfg.access_token_ttl_s
            )
        return {
            "token_type": "bearer",
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_in": int(cfg.access_token_ttl_s),
            "hub_id": cfg.portal_id,
        }

    def _new_refresh_token(self) -> str:
        token = f"sandbox-refresh-{uuid.uuid4()}"
        self._refresh.add(token)
        return token
