"""The shape of hub.yaml. Connection settings and stream/sink options belong to connectors,
so they are kept as raw mappings here and validated against each connector's own models."""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from hub.connector import WriteMode


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Connection(BaseModel):
    """`connector:` names the plugin; every other key is that connector's settings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    connector: str = Field(min_length=1)

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Source(BaseModel):
    """`connection` and `stream`; other keys are the stream's options (cursor, primary_key …)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    connection: str = Field(min_length=1)
    stream: str = Field(min_length=1)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Destination(BaseModel):
    """`connection`, `object` and `mode`; other keys are the sink's options (key …)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    connection: str = Field(min_length=1)
    object: str = Field(min_length=1)
    mode: WriteMode = WriteMode.UPSERT

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def _valid_cron(value: str | None) -> str | None:
    if value is not None and not croniter.is_valid(value):
        raise ValueError(f"{value!r} is not a cron expression (e.g. '*/15 * * * *')")
    return value


class Pipeline(Strict):
    source: Source
    destination: Destination
    mapping: str | None = Field(default=None, description="mapping file, relative to hub.yaml")
    schedule: str | None = None
    description: str | None = None
    # None: the destination connector's choice (see hub.engine.breaker)
    stop_after_failing_batches: PositiveInt | Literal["never"] | None = None

    _cron = field_validator("schedule")(_valid_cron)


class Schedule(Strict):
    """A cron schedule that requests runs of pipelines (or jobs such as the RFM snapshot)."""

    cron: str
    run: list[str] = Field(min_length=1)
    timezone: str = Field(default="UTC", description="IANA zone the cron is read in")
    # ticks the daemon missed (it was down): forget them, or run once for all of them
    missed: Literal["skip", "catch_up_once"] = "skip"

    _cron = field_validator("cron")(_valid_cron)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. 'Europe/Paris')"
                             ) from None
        return value


# what a schedule may run besides pipelines
JOBS = ("rfm-snapshot", "segments-refresh", "triggers-run")
BROKER_SCHEMES = ("nats", "amqp", "redis", "kafka")


class BrokerConfig(Strict):
    """The message broker events are relayed to; without one, the outbox is the queue."""

    url: str

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = value.partition("://")[0]
        if "://" not in value or scheme not in BROKER_SCHEMES:
            raise ValueError("expected nats://, amqp://, redis:// or kafka:// followed by "
                             "the broker's address")
        return value


class StoreConfig(Strict):
    url: str | None = Field(default=None, description="SQLAlchemy URL of the state store")

    @field_validator("url")
    @classmethod
    def _is_url(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                sa.make_url(value)
            except sa.exc.ArgumentError:
                raise ValueError("not a SQLAlchemy URL (expected dialect+driver://…, e.g. "
                                 "postgresql+psycopg://hub@localhost/hub)") from None
        return value


class HubConfig(Strict):
    version: int = Field(default=1, ge=1, le=1)
    tenant: str = Field(default="default", min_length=1)
    store: StoreConfig = Field(default_factory=StoreConfig)
    connections: dict[str, Connection] = Field(default_factory=dict)
    pipelines: dict[str, Pipeline] = Field(default_factory=dict)
    schedules: dict[str, Schedule] = Field(default_factory=dict)
    broker: BrokerConfig | None = None
    # interpreted by the marketing services, which validate them with their own located errors
    segments: dict[str, Any] = Field(default_factory=dict)
    triggers: dict[str, Any] = Field(default_factory=dict)
    messaging: dict[str, Any] = Field(default_factory=dict)
    leads: dict[str, Any] = Field(default_factory=dict)
