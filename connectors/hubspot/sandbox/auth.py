"""HubSpot's words for credentials: private-app tokens (never expire) and OAuth tokens from
`/oauth/v1/token`, kept by the harness's `TokenRegistry`; refusals in HubSpot's shapes.

A missing or unknown token gets HubSpot's 401 INVALID_AUTHENTICATION, an expired OAuth token
EXPIRED_AUTHENTICATION; a refused exchange is `{status: BAD_<FIELD>, message}`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from hub.testing.sandbox.oauth import GrantRefused, TokenInfo, TokenRefused, TokenRegistry

from .config import SandboxConfig
from .errors import HubSpotError

__all__ = ["HubSpotTokens", "OAuthError"]

_MISSING_CREDENTIALS = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


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


class HubSpotTokens(TokenRegistry):
    """The registry, refusing as HubSpot does."""

    def __init__(self, config: SandboxConfig) -> None:
        super().__init__(config)
        self._portal_id = config.portal_id

    def authenticate(self, authorization: str | None) -> TokenInfo:
        try:
            return super().authenticate(authorization)
        except TokenRefused as refused:
            if refused.reason != "expired":
                raise HubSpotError(401, "INVALID_AUTHENTICATION", _MISSING_CREDENTIALS) from None
            minutes = int(refused.overdue_s // 60)
            raise HubSpotError(
                401,
                "EXPIRED_AUTHENTICATION",
                f"The OAuth token used to make this call expired {minutes} minute(s) ago.",
            ) from None

    def token_response(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Answer `POST /oauth/v1/token`, or raise HubSpot's `OAuthError`."""
        try:
            grant = self.exchange(form)
        except GrantRefused as refused:
            status = "BAD_AUTH_CODE" if refused.field == "code" else f"BAD_{refused.field.upper()}"
            raise OAuthError(status, refused.message) from None
        return {
            "token_type": "bearer",
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "expires_in": grant.expires_in,
            "hub_id": self._portal_id,
        }
