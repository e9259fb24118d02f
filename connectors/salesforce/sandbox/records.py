"""The org's records: upsert by external id with Salesforce's per-record checks, and the edits a
person makes in Salesforce's UI. Every change stamps `SystemModstamp` (milliseconds; records
written in the same millisecond share it, as in Salesforce)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .ids import IdMaker
from .schema import CLOSED_STAGES, OBJECTS, WON_STAGES, Field, SObject
from .values import FieldError, check_value, format_instant

__all__ = ["RecordStore", "Upserted"]

Record = dict[str, Any]


@dataclass(frozen=True)
class Upserted:
    id: str
    created: bool


class RecordStore:
    """Thread-safe: the server's loop writes, tests read and act as a person in the UI."""

    def __init__(self, owner_id: str, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self._owner = owner_id
        self._clock = clock
        self._ids = IdMaker()
        self._records: dict[str, dict[str, Record]] = {}  # object → id → record
        self._stamps: dict[str, dict[str, int]] = {}  # object → id → SystemModstamp (ms)
        self._external: dict[tuple[str, str, str], str] = {}  # (object, field, value) → id
        self._last_ms = 0

    # -- reading -----------------------------------------------------------------------------

    def rows(self, sobject: SObject) -> list[tuple[int, Record]]:
        """(SystemModstamp ms, a copy of the record) for every record, deleted ones included."""
        with self.lock:
            stamps = self._stamps.get(sobject.name, {})
            return [(stamps[i], dict(r)) for i, r in self._records.get(sobject.name, {}).items()]

    def get(self, sobject: SObject, record_id: str) -> Record | None:
        with self.lock:
            found = self._records.get(sobject.name, {}).get(record_id)
            return None if found is None else dict(found)

    def find(self, sobject: SObject, field: str, value: str) -> Record | None:
        with self.lock:
            found = self._external.get((sobject.name, field.lower(), value.lower()))
            return None if found is None else self.get(sobject, found)

    def count(self, sobject: SObject, *, deleted: bool = False) -> int:
        with self.lock:
            return sum(1 for r in self._records.get(sobject.name, {}).values()
                       if deleted or not r["IsDeleted"])

    # -- writing -----------------------------------------------------------------------------

    def upsert(self, sobject: SObject, external_field: str, values: Mapping[str, Any]) -> Upserted:
        """Create or update the record whose `external_field` holds the record's value for it;
        FieldError when Salesforce would refuse it."""
        key = values.get(external_field)
        if key in (None, ""):
            raise FieldError("MISSING_ARGUMENT", f"{external_field} not specified",
                             [external_field])
        with self.lock:
            existing = self._external.get((sobject.name, external_field.lower(), str(key).lower()))
            if existing is None:
                return Upserted(self.create(sobject, values), True)
            self.update(sobject, existing, values)
            return Upserted(existing, False)

    def create(self, sobject: SObject, values: Mapping[str, Any], *, check: bool = True) -> str:
        clean = self._checked(sobject, values, creating=True) if check else dict(values)
        missing = [f.name for f in sobject.fields if f.required and clean.get(f.name) in
                   (None, "")]
        if missing:
            raise FieldError("REQUIRED_FIELD_MISSING",
                             f"Required fields are missing: [{', '.join(missing)}]", missing)
        with self.lock:
            self._check_unique(sobject, clean, None)
            record_id = self._ids.new(sobject.key_prefix)
            stamp = self._stamp()
            record: Record = {f.name: None for f in sobject.fields}
            record.update(self._defaults(sobject))
            record.update(clean)
            record.update(Id=record_id, IsDeleted=False, CreatedDate=format_instant(stamp))
            self._store(sobject, record_id, record, stamp)
            return record_id

    def update(self, sobject: SObject, record_id: str, values: Mapping[str, Any], *,
               check: bool = True) -> None:
        clean = self._checked(sobject, values, creating=False) if check else dict(values)
        cleared = [name for name, value in clean.items() if value in (None, "")
                   and (field := sobject.field(name)) is not None and field.required]
        if cleared:
            raise FieldError("REQUIRED_FIELD_MISSING",
                             f"Required fields are missing: [{', '.join(cleared)}]", cleared)
        with self.lock:
            record = dict(self._records[sobject.name][record_id])
            self._check_unique(sobject, clean, record_id)
            for field in sobject.fields:  # the old external ids leave the index
                if field.external_id and record.get(field.name) not in (None, ""):
                    self._external.pop((sobject.name, field.name.lower(),
                                        str(record[field.name]).lower()), None)
            record.update(clean)
            self._store(sobject, record_id, record, self._stamp())

    def delete(self, sobject: SObject, record_id: str) -> None:
        """To the recycle bin: `query` no longer sees it, `queryAll` does with IsDeleted."""
        with self.lock:
            record = dict(self._records[sobject.name][record_id])
            record["IsDeleted"] = True
            for field in sobject.fields:
                if field.external_id and record.get(field.name) not in (None, ""):
                    self._external.pop((sobject.name, field.name.lower(),
                                        str(record[field.name]).lower()), None)
            self._store(sobject, record_id, record, self._stamp(), index=False)

    def snapshot(self) -> tuple[Any, ...]:
        """Everything, to `restore` when an all-or-none request rolls back."""
        with self.lock:
            return ({o: {i: dict(r) for i, r in rs.items()} for o, rs in self._records.items()},
                    {o: dict(s) for o, s in self._stamps.items()}, dict(self._external))

    def restore(self, snapshot: tuple[Any, ...]) -> None:
        with self.lock:
            self._records, self._stamps, self._external = snapshot

    # -- internals ---------------------------------------------------------------------------

    def _checked(self, sobject: SObject, values: Mapping[str, Any], *, creating: bool
                 ) -> Record:
        clean: Record = {}
        for name, value in values.items():
            if isinstance(value, dict) and (lookup := sobject.relationship(name)) is not None:
                clean[lookup.name] = self._resolve(lookup, value)
                continue
            field = sobject.field(name)
            if field is None:
                raise FieldError("INVALID_FIELD",
                                 f"No such column '{name}' on sobject of type {sobject.name}",
                                 [name])
            if not (field.createable if creating else field.updateable):
                raise FieldError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to {'create' if creating else 'update'} fields: {field.name}. "
                    "Please check the security settings of this field and verify that it is "
                    "read/write for your profile or permission set.", [field.name])
            clean[field.name] = check_value(field, value)
        return clean

    def _resolve(self, lookup: Field, reference: Mapping[str, Any]) -> str:
        """The id of the record a relationship names by external id (`{"Ext__c": "v"}`)."""
        target = OBJECTS[str(lookup.reference_to).lower()]
        keys = [(k, v) for k, v in reference.items() if k != "attributes"]
        field = target.field(keys[0][0]) if len(keys) == 1 else None
        if field is None or not field.external_id:
            raise FieldError("INVALID_FIELD", f"{lookup.relationship}: name one external id "
                             f"field of {target.name}", [lookup.name])
        found = self._external.get((target.name, field.name.lower(), str(keys[0][1]).lower()))
        if found is None:
            raise FieldError("INVALID_FIELD", f"Foreign key external ID: {keys[0][1]} not found "
                             f"for field {field.name} in entity {target.name}", [])
        return found

    def _check_unique(self, sobject: SObject, clean: Record, record_id: str | None) -> None:
        if sobject.name == "CampaignMember" and record_id is None:
            person = clean.get("LeadId") or clean.get("ContactId")
            for other in self._records.get(sobject.name, {}).values():
                if other["CampaignId"] == clean.get("CampaignId") and person in (
                        other["LeadId"], other["ContactId"]) and not other["IsDeleted"]:
                    raise FieldError("DUPLICATE_VALUE", "Already a campaign member.", [])
        for field in sobject.fields:
            value = clean.get(field.name)
            if not field.unique or value in (None, ""):
                continue
            holder = self._external.get((sobject.name, field.name.lower(), str(value).lower()))
            if holder is not None and holder != record_id:
                raise FieldError("DUPLICATE_VALUE",
                                 f"duplicate value found: {field.name} duplicates value on "
                                 f"record with id: {holder}", [field.name])

    def _defaults(self, sobject: SObject) -> Record:
        found: Record = {}
        names = {f.name for f in sobject.fields}
        if "OwnerId" in names:
            found["OwnerId"] = self._owner
        if sobject.name == "Lead":
            found.update(Status="Open - Not Contacted", IsConverted=False)
        if sobject.name == "CampaignMember":
            found["Status"] = "Sent"
        if sobject.name == "Campaign":
            found["IsActive"] = False
        return found

    def _store(self, sobject: SObject, record_id: str, record: Record, stamp: int, *,
               index: bool = True) -> None:
        if sobject.name == "Opportunity":
            record["IsWon"] = record.get("StageName") in WON_STAGES
            record["IsClosed"] = record.get("StageName") in CLOSED_STAGES
        if sobject.name == "Lead_Interaction__c" and not record.get("Name"):
            record["Name"] = "LI-" + record_id[-8:]
        record["SystemModstamp"] = record["LastModifiedDate"] = format_instant(stamp)
        self._records.setdefault(sobject.name, {})[record_id] = record
        self._stamps.setdefault(sobject.name, {})[record_id] = stamp
        if index:
            for field in sobject.fields:
                value = record.get(field.name)
                if field.external_id and value not in (None, ""):
                    self._external[(sobject.name, field.name.lower(), str(value).lower())] = \
                        record_id

    def _stamp(self) -> int:
        self._last_ms = max(self._last_ms, int(self._clock() * 1000))
        return self._last_ms
