"""Settings of a HubSpot connection and the options of its streams and sinks.

A connection authenticates with a private-app access token, or with an OAuth app's client id,
client secret and refresh token (the access token is then issued and renewed by the hub). The
portal's tier sets the default burst limit (100 requests per 10 s, 190 on Professional and
Enterprise) and daily budget; `rate_limit` overrides both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hub.connector import HttpConnectorSettings, Options, RateLimit
from hub.http import Rate

HUBSPOT_API = "https://api.hubapi.com"

Tier = Literal["free", "starter", "professional", "enterprise"]

# HubSpot's published limits per tier (they drift; `rate_limit` overrides them).
TIER_LIMITS: dict[str, RateLimit] = {
    "free": RateLimit(requests=100, per_seconds=10, daily=250_000),
    "starter": RateLimit(requests=100, per_seconds=10, daily=250_000),
    "professional": RateLimit(requests=190, per_seconds=10, daily=625_000),
    "enterprise": RateLimit(requests=190, per_seconds=10, daily=1_000_000),
}

#: where the hub looks for custom property declarations unless a connection says otherwise
DEFAULT_PROPERTIES_FILE = Path("mappings/hubspot/properties.json")


class HubSpotSettings(HttpConnectorSettings):
    """One HubSpot portal, reached with a private-app token or an OAuth refresh token."""

    access_token: SecretStr | None = Field(
        default=None, description="private-app access token (pat-…); or use OAuth below")
    client_id: str | None = Field(default=None, description="OAuth app client id")
    client_secret: SecretStr | None = Field(
        default=None, description="OAuth app client secret; also signs the app's webhooks")
    refresh_token: SecretStr | None = Field(
        default=None, description="OAuth refresh token; access tokens are issued from it")
    tier: Tier = Field(default="starter", description="the portal's subscription tier")
    portal_time_zone: str = Field(
        default="UTC", description="the portal's time zone: the daily limit resets at its midnight")
    concurrency: int = Field(default=8, ge=1, le=64,
                             description="HubSpot calls in flight at once for this connection")
    search_rate_limit: RateLimit = Field(
        default=RateLimit(requests=4, per_seconds=1),
        description="CRM search requests allowed (HubSpot: four per second per token)")
    properties_file: Path | None = Field(
        default=None, description="JSON declaring the custom properties to create before the "
        "first write (relative to hub.yaml); default mappings/hubspot/properties.json")

    @field_validator("properties_file")
    @classmethod
    def _beside_config(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        base = (info.context or {}).get("base_dir")
        if value is not None and base and not value.is_absolute():
            return Path(base) / value
        return value

    @field_validator("portal_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. America/New_York)"
                             ) from None
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> HubSpotSettings:
        oauth = [self.client_id, self.client_secret, self.refresh_token]
        if self.access_token is None and not all(oauth):
            raise ValueError("give `access_token` (a private app's token), or `client_id`, "
                             "`client_secret` and `refresh_token` (an OAuth app)")
        if self.access_token is not None and self.refresh_token is not None:
            raise ValueError("give either `access_token` or `refresh_token`, not both")
        return self

    @property
    def api_url(self) -> str:
        return str(self.base_url).rstrip("/") if self.base_url else HUBSPOT_API

    @property
    def uses_oauth(self) -> bool:
        return self.access_token is None

    @property
    def burst(self) -> Rate:
        limit = self.rate_limit or TIER_LIMITS[self.tier]
        return Rate(limit.requests, limit.per_seconds)

    @property
    def daily_budget(self) -> int | None:
        if self.rate_limit is not None:
            return self.rate_limit.daily
        return TIER_LIMITS[self.tier].daily

    @property
    def search_rate(self) -> Rate:
        return Rate(self.search_rate_limit.requests, self.search_rate_limit.per_seconds)


ObjectName = Literal["contacts", "companies", "deals"]


class SearchStreamOptions(Options):
    """A CRM object read incrementally through the search API."""

    properties: list[str] | None = Field(
        default=None, description="properties to read (default: the object's usual ones plus "
        "the declared custom properties)")
    page_size: int = Field(default=200, ge=1, le=200)
    result_cap: int = Field(
        default=10_000, ge=1, description="results one search can page through (HubSpot: "
        "10,000); the stream restarts its window before reaching it")


class DealStreamOptions(SearchStreamOptions):
    stages: list[str] = Field(default_factory=lambda: ["closedwon"], min_length=1,
                              description="deal stages to read (default: closed won)")
    with_contacts: bool = Field(default=True,
                                description="add the ids of each deal's associated contacts")


class ObjectSinkOptions(Options):
    """Batch upserts of contacts or companies keyed by a unique property."""

    id_property: str | None = Field(
        default=None, description="unique property that identifies a record (contacts: "
        "email; companies: marketing_platform_id)")
    batch_size: int = Field(default=100, ge=1, le=100)
    ensure_properties: bool = Field(
        default=True, description="create the declared custom properties before the first write")


class AssociationSinkOptions(Options):
    """Associations between two objects; records are `{from: …, to: …}`."""

    from_object: ObjectName = "contacts"
    to_object: ObjectName = "companies"
    from_id_property: str = Field(
        default="email", description="what `from` holds: hs_object_id or a unique property")
    to_id_property: str = Field(
        default="marketing_platform_id", description="what `to` holds, likewise")
    batch_size: int = Field(default=100, ge=1, le=100)


class ListSinkOptions(Options):
    """Static (MANUAL) contact lists; records are `{list: …, email: …}`."""

    list: str | None = Field(default=None, description="one list for every record (else each "
                             "record's `list` field names it)")
    member_id_property: str = Field(
        default="email", description="what a record's member field holds: email, hs_object_id "
        "or another unique property")
    batch_size: int = Field(default=100, ge=1, le=100)
