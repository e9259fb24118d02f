"""Base classes of the canonical model: strict, tenant-scoped pydantic models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hub.model.fields import normalise_email, normalise_phone


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # naive datetimes are ambiguous across time zones; the hub stores UTC only
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
Email = Annotated[str, AfterValidator(normalise_email)]
Phone = Annotated[str, AfterValidator(normalise_phone)]
NonEmpty = Annotated[str, Field(min_length=1)]


class HubModel(BaseModel):
    """Every canonical record: unknown fields refused, assignments validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


class TenantRecord(HubModel):
    """A record that belongs to one tenant; the engine never lets it cross to another."""

    tenant: NonEmpty = "default"
    external_ids: dict[str, str] = Field(
        default_factory=dict, description="id of this record in each system, by system name"
    )
