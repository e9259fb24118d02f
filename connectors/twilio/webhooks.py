"""X-Twilio-Signature checked with the SDK's RequestValidator, before anything reads a callback.

Twilio signs the exact URL it called (scheme, host, port, path and query) plus the sorted form
parameters with the account's auth token; the validator also accepts the URL with or without
the default port. So the receiver must pass the URL as Twilio called it: behind a proxy, the
webhook app's `public_url`. A JSON callback carries `bodySHA256` in its query instead, which
the validator checks against the raw body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from hub.connector import WebhookVerifier
from hub.errors import AuthError, ConfigError

__all__ = ["SignatureError", "TwilioWebhookVerifier"]


class SignatureError(AuthError):
    """A callback whose signature does not match: refuse it, record nothing."""


class _Form:
    """Form fields as the validator reads them: every value of a repeated name."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __iter__(self) -> Any:
        return iter(dict.fromkeys(name for name, _ in self._pairs))

    def __len__(self) -> int:
        return len(self._pairs)

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self._pairs)

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self._pairs if key == name]


class TwilioWebhookVerifier(WebhookVerifier):
    refused_status = 403  # Twilio's security guide: answer a bad signature 403 Forbidden

    def __init__(self, auth_token: str) -> None:
        from twilio.request_validator import RequestValidator

        self._validator = RequestValidator(auth_token)

    @classmethod
    def from_settings(cls, settings: Any) -> TwilioWebhookVerifier:
        """Twilio signs callbacks with the account's auth token, even for API-key clients."""
        if settings.auth_token is None:
            raise ConfigError("set the connection's `auth_token` (the account's auth token, "
                              "in the Twilio console): Twilio signs its callbacks with it")
        return cls(settings.auth_token.get_secret_value())

    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        lowered = {k.lower(): v for k, v in headers.items()}
        signature = lowered.get("x-twilio-signature")
        if not signature:
            raise SignatureError("the callback has no X-Twilio-Signature header")
        if method.upper() != "POST":
            raise SignatureError(f"Twilio posts its callbacks; this one came as {method}")
        text = body.decode("utf-8", errors="replace")
        params: Any = text if "bodySHA256=" in url else _Form(
            parse_qsl(text, keep_blank_values=True))
        if not self._validator.validate(url, params, signature):
            raise SignatureError(
                "X-Twilio-Signature does not match this URL and these parameters: the callback "
                "was forged or altered, or the URL Twilio called differs from the one checked "
                "(behind a proxy, set the receiver's public URL)")
