"""HubSpot's JSON shapes for records and batch answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .records import Record
from .schema import OBJECT_TYPES
from .timeutil import iso, utc_now

__all__ = ["batch_body", "record_body"]


def record_body(record: Record, requested: Sequence[str] | None) -> dict[str, Any]:
    """`SimplePublicObject`: asked-for properties (null when unset) plus the three HubSpot
    always returns; the type's default properties when none were asked for."""
    object_type = OBJECT_TYPES[record.object_type]
    names = list(requested) if requested else list(object_type.default_properties)
    for always in object_type.always_returned:
        if always not in names:
            names.append(always)
    body: dict[str, Any] = {
        "id": record.id,
        "properties": {name: record.properties.get(name) for name in names},
        "createdAt": iso(record.created_at),
        "updatedAt": iso(record.updated_at),
        "archived": record.archived,
    }
    if record.archived_at is not None:
        body["archivedAt"] = iso(record.archived_at)
    return body


def batch_body(
    results: list[dict[str, Any]], errors: list[dict[str, Any]], started_at: datetime
) -> dict[str, Any]:
    """`BatchResponse…` (or `…WithErrors` when there are errors): always COMPLETE."""
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started_at),
        "completedAt": iso(utc_now()),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return body
