"""Rules every marketing service shares, written once: the clock and whole days (`clock`),
what a completed order is (`orders`), and the SQL that SQLite and PostgreSQL spell
differently (`dialect`)."""

from __future__ import annotations

from hub.marketing.common.clock import (
    DAY_SECONDS,
    EPOCH,
    Clock,
    as_utc,
    day_cutoff,
    days_since,
    epoch_seconds,
    fixed_clock,
    system_clock,
)
from hub.marketing.common.dialect import (
    Contains,
    EpochSeconds,
    HashBucket,
    JsonProperty,
    Unindexed,
    cents_of,
    insert_or_ignore,
    lock_rows,
    prepare_connection,
)
from hub.marketing.common.orders import (
    ACTIVE_DAYS,
    COMPLETED_STATUSES,
    OrderRecord,
    completed,
    completed_orders,
)

__all__ = [
    "ACTIVE_DAYS",
    "COMPLETED_STATUSES",
    "DAY_SECONDS",
    "EPOCH",
    "Clock",
    "Contains",
    "EpochSeconds",
    "HashBucket",
    "JsonProperty",
    "OrderRecord",
    "Unindexed",
    "as_utc",
    "cents_of",
    "completed",
    "completed_orders",
    "day_cutoff",
    "days_since",
    "epoch_seconds",
    "fixed_clock",
    "insert_or_ignore",
    "lock_rows",
    "prepare_connection",
    "system_clock",
]
