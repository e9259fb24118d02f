"""Settings of a Resend connection.

    connections:
      mail:
        connector: resend
        api_key: ${RESEND_API_KEY}              # re_… (a sending-access key is enough to send)
        from_address: "Shop <news@shop.example>"
        webhook_secret: ${RESEND_WEBHOOK_SECRET} # whsec_… of the webhook endpoint
        rate_limit: {requests: 2, per_seconds: 1}  # the team's limit; 2/s unless raised
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.connector import HttpConnectorSettings, RateLimit

__all__ = ["DEFAULT_RATE_LIMIT", "RESEND_API", "ResendSettings"]

RESEND_API = "https://api.resend.com"
#: Resend's default team limit: two requests per second, across all of the team's keys
DEFAULT_RATE_LIMIT = RateLimit(requests=2, per_seconds=1)


class ResendSettings(HttpConnectorSettings):
    """One Resend team, reached with one of its API keys."""

    api_key: SecretStr = Field(description="a Resend API key (re_…); sending access suffices")
    from_address: str | None = Field(
        default=None, description='the default sender, e.g. "Shop <news@shop.example>", on '
        "a domain verified at Resend; a message's own sender wins")
    webhook_secret: SecretStr | None = Field(
        default=None, description="the signing secret (whsec_…) of the Resend webhook that "
        "posts to the hub; without it the hub receives no Resend webhooks")

    @field_validator("webhook_secret")
    @classmethod
    def _svix_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("whsec_"):
            raise ValueError("a Resend webhook signing secret starts with whsec_ (copy it from "
                             "the webhook's page at Resend)")
        return value
