"""Settings models connectors declare; the hub validates hub.yaml connections against them."""

from __future__ import annotations

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field


class ConnectorSettings(BaseModel):
    """Base of every connector's settings: unknown keys refused, secrets as SecretStr."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str = Field(default="default", min_length=1,
                        description="the one tenant whose data this connection may carry")


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: int = Field(gt=0, description="requests allowed per window")
    per_seconds: float = Field(gt=0, description="window length in seconds")
    daily: int | None = Field(default=None, gt=0, description="requests allowed per day")


class HttpConnectorSettings(ConnectorSettings):
    """Settings every HTTP connector accepts: where the API is and how fast it may go."""

    base_url: AnyHttpUrl | None = Field(
        default=None, description="override the vendor's URL: a sandbox, proxy or region"
    )
    timeout: float = Field(default=30.0, gt=0)
    rate_limit: RateLimit | None = None
