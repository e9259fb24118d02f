"""Salesforce record ids: a 3-character key prefix, 12 characters of record number, and the
3-character suffix that makes the 15-character, case-sensitive id safe where case is ignored."""

from __future__ import annotations

import itertools
import threading

__all__ = ["IdMaker", "checksum_suffix", "is_id"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def checksum_suffix(id15: str) -> str:
    """The suffix Salesforce adds: for each 5-character chunk, a bit per upper-case letter."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start:start + 5]) if "A" <= ch <= "Z")
        suffix += _SUFFIX[bits]
    return suffix


def is_id(value: object, prefix: str | None = None) -> bool:
    """An 18-character id with a valid suffix (and the given key prefix)."""
    if not isinstance(value, str) or len(value) != 18 or not value.isalnum():
        return False
    if prefix is not None and not value.startswith(prefix):
        return False
    return checksum_suffix(value[:15]) == value[15:]


class IdMaker:
    """Thread-safe: fresh 18-character ids per key prefix (`00Q…` a Lead, `003…` a Contact)."""

    def __init__(self, pod: str = "5g") -> None:
        self._pod = pod
        self._lock = threading.Lock()
        self._counters: dict[str, itertools.count[int]] = {}

    def new(self, prefix: str) -> str:
        with self._lock:
            number = next(self._counters.setdefault(prefix, itertools.count(1)))
        digits = ""
        for _ in range(10):
            number, rest = divmod(number, 62)
            digits = _BASE62[rest] + digits
        id15 = f"{prefix}{self._pod}{digits}"
        return id15 + checksum_suffix(id15)
