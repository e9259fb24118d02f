"""Lists (segments) v3: MANUAL and SNAPSHOT lists with explicit memberships.

DYNAMIC lists can be created and read, but the sandbox does not evaluate their filters, so they
stay empty; as in HubSpot, only MANUAL and SNAPSHOT lists accept membership writes.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import HubSpotError, bad_request, not_found
from .timeutil import iso, utc_now

__all__ = ["CrmList", "ListStore", "MembershipChange"]

PROCESSING_TYPES = ("MANUAL", "SNAPSHOT", "DYNAMIC")
WRITABLE_TYPES = ("MANUAL", "SNAPSHOT")


@dataclass
class CrmList:
    """One list and its members (record id → when it was added)."""

    list_id: str
    name: str
    object_type_id: str
    processing_type: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    members: dict[str, datetime] = field(default_factory=dict)
    filter_branch: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """HubSpot's `PublicObjectList`. The filter branch is left out: the SDK can only
        decode it through a oneOf that a sandbox has no reason to emulate."""
        return {
            "listId": self.list_id,
            "listVersion": self.version,
            "name": self.name,
            "objectTypeId": self.object_type_id,
            "processingType": self.processing_type,
            "processingStatus": "COMPLETE",
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "size": len(self.members),
        }

    def to_search_json(self) -> dict[str, Any]:
        """HubSpot's `PublicObjectListSearchResult`."""
        body = self.to_json()
        del body["size"]
        body["additionalProperties"] = {"hs_list_size": str(len(self.members))}
        return body


@dataclass(frozen=True)
class MembershipChange:
    """The answer to a membership write, in HubSpot's spelling (`recordsIdsAdded`)."""

    added: list[str]
    removed: list[str]
    missing: list[str]

    def to_json(self) -> dict[str, list[str]]:
        return {
            "recordsIdsAdded": self.added,
            "recordIdsRemoved": self.removed,
            "recordIdsMissing": self.missing,
        }


class ListStore:
    """Thread-safe store of lists; `record_exists(objectTypeId, id)` says which ids are real."""

    def __init__(
        self, record_exists: Callable[[str, str], bool], lock: threading.RLock | None = None
    ) -> None:
        self._lock = lock or threading.RLock()
        self._exists = record_exists
        self._lists: dict[str, CrmList] = {}
        self._ids = itertools.count(1)

    def create(self, body: dict[str, Any]) -> CrmList:
        name = str(body.get("name") or "").strip()
        object_type_id = str(body.get("objectTypeId") or "")
        processing_type = str(body.get("processingType") or "")
        if not name or not object_type_id:
            raise bad_request("A list needs a 'name' and an 'objectTypeId'")
        if processing_type not in PROCESSING_TYPES:
            raise bad_request(f"processingType must be one of {', '.join(PROCESSING_TYPES)}")
        with self._lock:
            if self.find_by_name(object_type_id, name) is not None:
                raise bad_request(f"A list named '{name}' already exists")
            now = utc_now()
            crm_list = CrmList(
                str(next(self._ids)),
                name,
                object_type_id,
                processing_type,
                now,
                now,
                filter_branch=body.get("filterBranch"),
            )
            self._lists[crm_list.list_id] = crm_list
            return crm_list

    def get(self, list_id: str) -> CrmList:
        with self._lock:
            crm_list = self._lists.get(list_id)
        if crm_list is None:
            raise not_found(f"List {list_id} does not exist")
        return crm_list

    def all(self) -> list[CrmList]:
        with self._lock:
            return sorted(self._lists.values(), key=lambda lst: int(lst.list_id))

    def find_by_name(self, object_type_id: str, name: str) -> CrmList | None:
        with self._lock:
            wanted = name.strip().lower()
            return next(
                (
                    lst
                    for lst in self._lists.values()
                    if lst.object_type_id == object_type_id and lst.name.lower() == wanted
                ),
                None,
            )

    def delete(self, list_id: str) -> None:
        with self._lock:
            self.get(list_id)
            del self._lists[list_id]

    def rename(self, list_id: str, name: str) -> CrmList:
        with self._lock:
            crm_list = self.get(list_id)
            crm_list.name, crm_list.version, crm_list.updated_at = (
                name,
                crm_list.version + 1,
                utc_now(),
            )
            return crm_list

    def change(self, list_id: str, add: Iterable[str], remove: Iterable[str]) -> MembershipChange:
        """Add and remove members; ids of records that do not exist come back as missing."""
        with self._lock:
            crm_list = self._writable(list_id)
            added: list[str] = []
            removed: list[str] = []
            missing: list[str] = []
            now = utc_now()
            for record_id in dict.fromkeys(str(i) for i in remove):
                if crm_list.members.pop(record_id, None) is not None:
                    removed.append(record_id)
                elif not self._exists(crm_list.object_type_id, record_id):
                    missing.append(record_id)
            for record_id in dict.fromkeys(str(i) for i in add):
                if not self._exists(crm_list.object_type_id, record_id):
                    missing.append(record_id)
                elif record_id not in crm_list.members:
                    crm_list.members[record_id] = now
                    added.append(record_id)
            if added or removed:
                crm_list.updated_at = now
            return MembershipChange(added, removed, missing)

    def clear(self, list_id: str) -> None:
        with self._lock:
            crm_list = self._writable(list_id)
            crm_list.members.clear()
            crm_list.updated_at = utc_now()

    def members(self, list_id: str) -> list[tuple[str, datetime]]:
        """Members in record id order, as HubSpot pages them."""
        with self._lock:
            crm_list = self.get(list_id)
            return sorted(crm_list.members.items(), key=lambda item: int(item[0]))

    def lists_of(self, object_type_id: str, record_id: str) -> list[tuple[CrmList, datetime]]:
        with self._lock:
            return [
                (lst, lst.members[record_id])
                for lst in self.all()
                if lst.object_type_id == object_type_id and record_id in lst.members
            ]

    def forget_record(self, object_type_id: str, record_id: str) -> None:
        """Drop an archived record from every list, as HubSpot does."""
        with self._lock:
            for crm_list in self._lists.values():
                if crm_list.object_type_id == object_type_id:
                    crm_list.members.pop(record_id, None)

    def _writable(self, list_id: str) -> CrmList:
        crm_list = self.get(list_id)
        if crm_list.processing_type not in WRITABLE_TYPES:
            raise HubSpotError(
                400,
                "VALIDATION_ERROR",
                f"List {list_id} is a {crm_list.processing_type} list; only MANUAL and SNAPSHOT "
                "lists accept membership changes",
            )
        return crm_list
