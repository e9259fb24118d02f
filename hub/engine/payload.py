"""Payload identity: destination keys as strings, and content hashes for the diff.

Both run once per record on the engine's CPU path, so each has a fast form that produces
exactly the text of the plain `json.dumps` call it stands for: stored keys and hashes from
earlier runs keep matching.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from hashlib import blake2b
from json.encoder import encode_basestring
from typing import Any


def _plain(value: Any) -> Any:
    if type(value) is datetime:  # by far the most common: checked before the general case
        return datetime.isoformat(value)
    if isinstance(value, date):  # a datetime subclass is a date too
        return value.isoformat()
    if isinstance(value, Decimal):
        # normalise so 10, 10.0 and 10.00 (and 10.5 and 10.50) hash alike: equal amounts are
        # unchanged amounts, whatever scale the source column gives them
        return str(value.normalize())
    return str(value)


# One encoder built once: `json.dumps` with these options would build a new one per call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_plain,
                            ensure_ascii=False)
_encode = _ENCODER.encode
_encode_key = json.JSONEncoder(separators=(",", ":"), default=_plain, ensure_ascii=False).encode


def payload_hash(payload: dict[str, Any]) -> str:
    """A stable 128-bit digest of a payload: same content, same hash, whatever the key order."""
    return blake2b(_encode(payload).encode(), digest_size=16).hexdigest()


def key_string(key: tuple[Any, ...]) -> str:
    """The destination key as one string, as the state store keeps it: the JSON of the list."""
    parts = []
    for part in key:
        kind = type(part)
        if kind is str:
            parts.append(encode_basestring(part))
        elif kind is int:
            parts.append(int.__repr__(part))
        else:  # rarer kinds (dates, decimals, booleans, null) take the general path
            return _encode_key(list(key))
    return "[" + ",".join(parts) + "]"


def key_tuple(text: str) -> tuple[Any, ...]:
    return tuple(json.loads(text))
