"""CRM records (contacts, companies, deals) kept in memory, with HubSpot's write semantics.

Ids are numeric strings from one increasing sequence, so `hs_object_id` windows work as they do
in HubSpot. Every write is validated against the property catalog, unique values (email, and
properties with `hasUniqueValue`) are indexed, and each change is reported to the listeners as
`Change`s, which the webhook dispatcher turns into events.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from .catalog import PropertyCatalog
from .errors import HubSpotError, bad_request, invalid_properties, not_found
from .schema import OBJECT_TYPES
from .timeutil import iso, utc_now
from .values import normalise_properties

__all__ = ["Change", "ChangeKind", "ChangeSource", "Record", "RecordStore"]

ChangeKind = Literal["creation", "propertyChange", "deletion"]
#: Where a change came from, in the vocabulary of HubSpot's `changeSource`.
ChangeSource = Literal["API", "CRM_UI", "IMPORT"]


@dataclass
class Record:
    """One CRM record. `properties` holds only set values, all strings."""

    object_type: str
    id: str
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True)
class Change:
    """One thing that happened to a record, as a webhook subscription would see it."""

    kind: ChangeKind
    object_type: str
    object_id: str
    occurred_at: datetime
    source: ChangeSource
    property_name: str | None = None
    property_value: str | None = None


@dataclass
class _Index:
    by_value: dict[str, str] = field(default_factory=dict)


def _unique_key(name: str, value: str) -> str:
    # Emails are matched case-insensitively; other unique values exactly.
    return value.lower() if name == "email" else value


class RecordStore:
    """Thread-safe store of every record of every object type."""

    def __init__(
        self, catalog: PropertyCatalog, portal_id: int, lock: threading.RLock | None = None
    ) -> None:
        self._catalog = catalog
        self._portal_id = portal_id
        self._lock = lock or threading.RLock()
        self._records: dict[str, dict[str, Record]] = {name: {} for name in OBJECT_TYPES}
        self._indexes: dict[tuple[str, str], _Index] = {}
        self._ids = itertools.count(100001)
        self._listeners: list[Callable[[list[Change]], None]] = []

    def subscribe(self, listener: Callable[[list[Change]], None]) -> None:
        """Call `listener` with the changes of every write, after the write is applied."""
        self._listeners.append(listener)

    # -- reads -------------------------------------------------------------------------------

    def get(self, object_type: str, record_id: str, *, archived: bool = False) -> Record:
        with self._lock:
            record = self._records[object_type].get(record_id)
        if record is None or record.archived != archived:
            raise not_found()
        return record

    def find_unique(self, object_type: str, name: str, value: str) -> Record | None:
        with self._lock:
            record_id = self._index(object_type, name).by_value.get(_unique_key(name, value))
            return None if record_id is None else self._records[object_type][record_id]

    def resolve(self, object_type: str, id_value: str, id_property: str | None) -> Record:
        """Find a live record by id, or by the value of a unique `id_property`."""
        if not id_property or id_property == "hs_object_id":
            return self.get(object_type, id_value)
        self._require_unique(object_type, id_property)
        record = self.find_unique(object_type, id_property, id_value)
        if record is None:
            raise not_found()
        return record

    def all(self, object_type: str, *, archived: bool = False) -> list[Record]:
        """A snapshot, in id order, of the live (or the archived) records of one type."""
        with self._lock:
            records = [r for r in self._records[object_type].values() if r.archived == archived]
        return sorted(records, key=lambda r: int(r.id))

    def count(self, object_type: str) -> int:
        with self._lock:
            return sum(1 for r in self._records[object_type].values() if not r.archived)

    # -- writes ------------------------------------------------------------------------------

    def validate(self, object_type: str, properties: Mapping[str, object]) -> dict[str, str]:
        """Normalised values of a write, or HubSpot's 400 naming every bad property."""
        values, problems = normalise_properties(self._catalog, object_type, properties)
        if problems:
            raise invalid_properties(problems, self._portal_id)
        return values

    def create(
        self, object_type: str, properties: Mapping[str, object], source: ChangeSource = "API"
    ) -> Record:
        values = self.validate(object_type, properties)
        with self._lock:
            self._check_unique(object_type, values, None)
            now = utc_now()
            record_id = str(next(self._ids))
            stored = {k: v for k, v in values.items() if v != ""}
            stored.setdefault("createdate", iso(now))
            stored["hs_object_id"] = record_id
            stored[OBJECT_TYPES[object_type].last_modified_property] = iso(now)
            record = Record(object_type, record_id, stored, now, now)
            self._records[object_type][record_id] = record
            self._reindex(record, {})
        changes = [Change("creation", object_type, record_id, now, source)]
        changes += [
            Change("propertyChange", object_type, record_id, now, source, name, value)
            for name, value in sorted(values.items())
            if value != ""
        ]
        self._notify(changes)
        return record

    def update(
        self,
        object_type: str,
        record_id: str,
        properties: Mapping[str, object],
        source: ChangeSource = "API",
    ) -> Record:
        values = self.validate(object_type, properties)
        with self._lock:
            record = self.get(object_type, record_id)
            changed = {k: v for k, v in values.items() if record.properties.get(k, "") != v}
            if not changed:
                return record
            self._check_unique(object_type, changed, record.id)
            previous = dict(record.properties)
            now = utc_now()
            for name, value in changed.items():
                if value == "":
                    record.properties.pop(name, None)
                else:
                    record.properties[name] = value
            record.properties[OBJECT_TYPES[object_type].last_modified_property] = iso(now)
            record.updated_at = now
            self._reindex(record, previous)
        self._notify(
            [
                Change("propertyChange", object_type, record.id, now, source, name, value)
                for name, value in sorted(changed.items())
            ]
        )
        return record

    def upsert(
        self,
        object_type: str,
        id_property: str,
        id_value: str,
        properties: Mapping[str, object],
        source: ChangeSource = "API",
    ) -> tuple[Record, bool]:
        """Update the record whose `id_property` is `id_value`, or create it; True if created."""
        self._require_unique(object_type, id_property)
        with self._lock:
            existing = self.find_unique(object_type, id_property, id_value)
            if existing is not None:
                return self.update(object_type, existing.id, properties, source), False
            return self.create(object_type, {**properties, id_property: id_value}, source), True

    def archive(self, object_type: str, record_id: str, source: ChangeSource = "API") -> Record:
        with self._lock:
            record = self.get(object_type, record_id)
            now = utc_now()
            record.archived_at = now
            self._reindex(record, dict(record.properties), drop=True)
        self._notify([Change("deletion", object_type, record.id, now, source)])
        return record

    # -- internals ---------------------------------------------------------------------------

    def _require_unique(self, object_type: str, name: str) -> None:
        if name not in self._catalog.unique_properties(object_type):
            raise bad_request(
                f"{name} is not a unique property of {object_type}: use email or a property "
                "with hasUniqueValue=true"
            )

    def _index(self, object_type: str, name: str) -> _Index:
        return self._indexes.setdefault((object_type, name), _Index())

    def _check_unique(
        self, object_type: str, values: Mapping[str, str], own_id: str | None
    ) -> None:
        for name in self._catalog.unique_properties(object_type) & set(values):
            value = values[name]
            holder = self._index(object_type, name).by_value.get(_unique_key(name, value))
            if value and holder is not None and holder != own_id:
                if name == "email":
                    message = f"Contact already exists. Existing ID: {holder}"
                else:
                    message = f"A record with {name}={value} already exists. Existing ID: {holder}"
                raise HubSpotError(409, "CONFLICT", message)

    def _reindex(self, record: Record, previous: Mapping[str, str], *, drop: bool = False) -> None:
        for name in self._catalog.unique_properties(record.object_type):
            index = self._index(record.object_type, name)
            old = previous.get(name)
            if old is not None and index.by_value.get(_unique_key(name, old)) == record.id:
                del index.by_value[_unique_key(name, old)]
            new = record.properties.get(name)
            if new is not None and not drop:
                index.by_value[_unique_key(name, new)] = record.id

    def _notify(self, changes: Iterable[Change]) -> None:
        batch = list(changes)
        if batch:
            for listener in self._listeners:
                listener(batch)
