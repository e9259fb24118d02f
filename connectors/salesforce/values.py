"""Values as Salesforce's JSON takes them: instants in UTC with milliseconds, dates as
YYYY-MM-DD, decimals as numbers; and SOQL literals for the keyset of an incremental read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["field_value", "soql_instant", "soql_string"]


def field_value(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple | set):
        return ";".join(str(field_value(v)) for v in value)  # a multi-select picklist
    return value


def soql_instant(value: str) -> str:
    """Salesforce's `2024-05-01T10:00:00.000+0000` as a SOQL date-time literal (`…000Z`)."""
    text = value.strip()
    if text.endswith("+0000"):
        return text[:-5] + "Z"
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    return text


def soql_string(value: str) -> str:
    """A quoted SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
