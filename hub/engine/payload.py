"""Payload identity: destination keys as strings, and content hashes for the diff."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from hashlib import blake2b
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # normalise so 10, 10.0 and 10.00 hash alike: equal amounts are unchanged amounts
        return str(value.normalize()) if value == value.to_integral_value() else str(value)
    return str(value)


def payload_hash(payload: dict[str, Any]) -> str:
    """A stable 128-bit digest of a payload: same content, same hash, whatever the key order."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_plain,
                      ensure_ascii=False)
    return blake2b(text.encode(), digest_size=16).hexdigest()


def key_string(key: tuple[Any, ...]) -> str:
    """The destination key as one string, as the state store keeps it."""
    return json.dumps(list(key), separators=(",", ":"), default=_plain, ensure_ascii=False)


def key_tuple(text: str) -> tuple[Any, ...]:
    return tuple(json.loads(text))
