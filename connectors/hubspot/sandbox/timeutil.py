"""Timestamps as HubSpot writes them: ISO-8601 UTC with milliseconds, or epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

__all__ = ["epoch_ms", "iso", "parse_date", "parse_instant", "utc_now"]


def utc_now() -> datetime:
    """Now, in UTC, truncated to the millisecond HubSpot keeps."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(moment: datetime) -> str:
    """`2024-09-12T11:36:05.267Z`, the form HubSpot uses for `createdAt` and datetime values."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def parse_instant(value: str) -> datetime | None:
    """Read epoch milliseconds or an ISO-8601 date/time; None if it is neither."""
    text = value.strip()
    if text.lstrip("-").isdigit():
        try:
            return datetime.fromtimestamp(int(text) / 1000.0, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: str) -> date | None:
    """Read a `date` property value: `YYYY-MM-DD`, or an instant at midnight UTC."""
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    moment = parse_instant(text)
    if moment is None or moment.astimezone(UTC).time() != time(0):
        return None
    return moment.astimezone(UTC).date()
