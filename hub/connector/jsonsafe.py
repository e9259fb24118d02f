"""JSON for record values: exact round trips for checkpoints and dead letters (datetimes,
decimals …), and the plain form a vendor's JSON API takes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_TAGS: dict[str, Callable[[str], Any]] = {
    "$dt": datetime.fromisoformat, "$d": date.fromisoformat, "$dec": Decimal,
    "$bytes": bytes.fromhex,
}


def to_json(value: Any) -> Any:
    """Encode so that `from_json(to_json(v)) == v` for the types records carry."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(v) for v in value]
    return str(value)


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, raw), = value.items()
            if tag in _TAGS and isinstance(raw, str):
                return _TAGS[tag](raw)
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def to_wire(value: Any) -> Any:
    """A record made ready for a vendor's JSON API: dates as ISO 8601, decimals as strings."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_wire(v) for v in value]
    return str(value)  # Decimal, UUID …: their exact text
