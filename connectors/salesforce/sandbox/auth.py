"""Sessions and the OAuth token endpoint: the grants a connected app uses (refresh token,
username-password, client credentials, JWT bearer), each issuing a fresh session that lasts
`session_ttl_s`; `expire_all()` ends every live session, as a password reset or an admin's
"revoke" would, so a client's mid-run refresh can be tested."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .config import SandboxConfig
from .errors import session_expired

__all__ = ["GrantError", "Sessions"]

GRANTS = ("refresh_token", "password", "client_credentials",
          "urn:ietf:params:oauth:grant-type:jwt-bearer")


class GrantError(Exception):
    """A refused token request: Salesforce's `{error, error_description}` with a 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class Sessions:
    """Thread-safe registry of session ids (the bearer tokens API calls carry)."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._live: dict[str, float | None] = dict.fromkeys(config.sessions)
        self._calls: dict[str, int] = {}
        self.issued = 0  # sessions the token endpoint handed out

    def authenticate(self, authorization: str | None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() not in ("bearer", "oauth") or not token:
            raise session_expired()
        with self._lock:
            if token not in self._live:
                raise session_expired()
            expires = self._live[token]
            used = self._calls[token] = self._calls.get(token, 0) + 1
        if expires is not None and self._clock() >= expires:
            raise session_expired()
        if 0 < self.config.session_call_limit < used:
            raise session_expired()
        return token

    def expire_all(self) -> None:
        """End every live session now: the next call with any of them gets INVALID_SESSION_ID."""
        with self._lock:
            self._live = dict.fromkeys(self._live, 0.0)

    def grant(self, form: Mapping[str, str], instance_url: str) -> dict[str, Any]:
        """Answer `POST /services/oauth2/token`, or raise GrantError."""
        cfg = self.config
        grant = form.get("grant_type", "")
        if grant not in GRANTS:
            raise GrantError("unsupported_grant_type", "grant type not supported")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            self._check_assertion(form.get("assertion", ""))
        else:
            if form.get("client_id") != cfg.client_id:
                raise GrantError("invalid_client_id", "client identifier invalid")
            if form.get("client_secret") != cfg.client_secret:
                raise GrantError("invalid_client", "invalid client credentials")
        if grant == "refresh_token" and form.get("refresh_token") not in cfg.refresh_tokens:
            raise GrantError("invalid_grant", "expired access/refresh token")
        if grant == "password" and (
                form.get("username") != cfg.username
                or form.get("password") != cfg.password + cfg.security_token):
            raise GrantError("invalid_grant", "authentication failure")
        token = f"{cfg.org_id[:15]}!{secrets.token_urlsafe(24)}"
        with self._lock:
            self._live[token] = self._clock() + cfg.session_ttl_s
            self.issued += 1
        answer = {
            "access_token": token, "instance_url": instance_url,
            "id": f"{instance_url}/id/{cfg.org_id}/{cfg.user_id}", "token_type": "Bearer",
            "issued_at": str(int(self._clock() * 1000)),
            "signature": secrets.token_urlsafe(32), "scope": "api refresh_token",
        }
        if grant == "password":
            answer.pop("scope")
        return answer

    def _check_assertion(self, assertion: str) -> None:
        cfg = self.config
        if not cfg.jwt_public_key:
            raise GrantError("invalid_grant", "invalid assertion")
        import jwt

        try:
            claims = jwt.decode(assertion, cfg.jwt_public_key, algorithms=["RS256"],
                                options={"verify_aud": False})
        except jwt.PyJWTError:
            raise GrantError("invalid_grant", "invalid assertion") from None
        if claims.get("iss") != cfg.client_id:
            raise GrantError("invalid_client_id", "client identifier invalid")
        if claims.get("sub") != cfg.username:
            raise GrantError("invalid_grant", "user hasn't approved this consumer")
