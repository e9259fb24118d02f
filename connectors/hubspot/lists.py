"""Segments as static HubSpot contact lists (Lists v3, MANUAL processing).

Two ways to keep a list in step with a segment:

- as a sink of the sync engine, one record per member (`{list, email}`): new members are
  added, and in `mirror` mode members who left the segment are removed; the engine's diff makes
  sure members already sent are not sent again;
- `ListSink.sync_membership(list, members)`: reconcile a whole list at once against HubSpot's
  own view of it, adding and removing exactly the difference.

Either way the list is created on first use and found by name afterwards: once, however many
batches ask for it at the same moment, and a name another process took first is read, not
refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from hubspot.crm.lists import ListCreateRequest, MembershipChangeRequest

from connectors.hubspot.api import MODELS, HubSpotApi
from connectors.hubspot.errors import status_of
from connectors.hubspot.settings import ListSinkOptions
from connectors.hubspot.sinks import find_ids, unique_key
from hub.connector import Record, Sink, WriteMode, WriteResult
from hub.errors import RecordError

if TYPE_CHECKING:
    from connectors.hubspot.connector import HubSpotConnector

log = logging.getLogger(__name__)

CONTACTS_TYPE_ID = "0-1"
PAGE = 250  # the largest page HubSpot serves of a list's members
CHANGE_CHUNK = 10_000  # ids per add-and-remove call, well under HubSpot's ceiling


@dataclass
class MembershipDiff:
    """What reconciling one list did."""

    list_id: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # members HubSpot has no contact for


class ListSink(Sink):
    """Memberships of MANUAL contact lists, created by name when missing."""

    modes: ClassVar[frozenset[WriteMode]] = frozenset({WriteMode.UPSERT, WriteMode.MIRROR})

    def __init__(self, connector: HubSpotConnector, name: str, options: ListSinkOptions) -> None:
        self.connector = connector
        self.api: HubSpotApi = connector.api
        self.options = options
        self.name = name
        self.batch_size = options.batch_size
        self._list_ids: dict[str, str] = {}
        self._list_locks: dict[str, asyncio.Lock] = {}

    # -- the engine's path -------------------------------------------------------------------

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        member_field = self.options.member_id_property
        results: list[WriteResult | None] = [None] * len(records)
        by_list: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            name = self.options.list or record.get("list")
            if not name or record.get(member_field) in (None, ""):
                results[index] = WriteResult.failed(
                    f"a list membership needs `list` and `{member_field}`")
                continue
            by_list.setdefault(str(name), []).append(index)
        for name, indexes in by_list.items():
            list_id = await self.list_id(name)
            members = [records[i][member_field] for i in indexes]
            ids = await find_ids(self.connector, "contacts", member_field, members)
            wanted = []
            for index in indexes:
                found = ids.get(unique_key(member_field, records[index][member_field]))
                if found is None:
                    results[index] = WriteResult.failed(
                        f"no contact with {member_field} {records[index][member_field]!r} in "
                        "HubSpot (sync contacts first)", retryable=True)
                else:
                    wanted.append((index, found))
            if wanted:
                answer = await self.api.call("lists.memberships", "add", list_id,
                                             [found for _, found in wanted])
                missing = set(answer.record_ids_missing or [])
                for index, found in wanted:
                    results[index] = (WriteResult.failed(f"HubSpot has no contact {found}")
                                      if found in missing else WriteResult.ok(f"{list_id}:{found}"))
        return [r or WriteResult.failed("not written", retryable=True) for r in results]

    async def delete(self, keys: Sequence[tuple[Any, ...]]) -> list[WriteResult]:
        """Remove members; a key is `(list, member)`, or `(member,)` when the sink has a list."""
        member_field = self.options.member_id_property
        by_list: dict[str, list[tuple[int, Any]]] = {}
        for index, key in enumerate(keys):
            name = self.options.list if len(key) == 1 else key[0]
            by_list.setdefault(str(name), []).append((index, key[-1]))
        results = [WriteResult.ok()] * len(keys)
        for name, members in by_list.items():
            list_id = await self.list_id(name)
            ids = await find_ids(self.connector, "contacts", member_field, (m for _, m in members))
            gone = [ids[k] for _, m in members if (k := unique_key(member_field, m)) in ids]
            if gone:
                await self.api.call("lists.memberships", "remove", list_id, gone)
        return results

    # -- whole-list reconciliation -----------------------------------------------------------

    async def sync_membership(self, list_name: str, members: Iterable[Any]) -> MembershipDiff:
        """Make the list hold exactly `members` (values of `member_id_property`)."""
        member_field = self.options.member_id_property
        wanted_values = list(members)
        list_id = await self.list_id(list_name)
        ids = await find_ids(self.connector, "contacts", member_field, wanted_values)
        diff = MembershipDiff(list_id)
        diff.unknown = sorted({unique_key(member_field, v) for v in wanted_values} - set(ids))
        wanted = set(ids.values())
        current = await self.members(list_id)
        to_add = sorted(wanted - current, key=int)
        to_remove = sorted(current - wanted, key=int)
        for start in range(0, max(len(to_add), len(to_remove)), CHANGE_CHUNK):
            change = MembershipChangeRequest(
                record_ids_to_add=to_add[start:start + CHANGE_CHUNK],
                record_ids_to_remove=to_remove[start:start + CHANGE_CHUNK],
                local_vars_configuration=MODELS)
            answer = await self.api.call("lists.memberships", "add_and_remove", list_id, change)
            diff.added += answer.records_ids_added or []
            diff.removed += answer.record_ids_removed or []
        if diff.unknown:
            log.warning("list %r: %d member(s) have no HubSpot contact yet", list_name,
                        len(diff.unknown))
        return diff

    async def members(self, list_id: str) -> set[str]:
        """Every record id in the list, page by page."""
        found: set[str] = set()
        after: str | None = None
        while True:
            paging: dict[str, Any] = {"limit": PAGE}
            if after:
                paging["after"] = after
            page = await self.api.call("lists.memberships", "get_page", list_id, **paging)
            found.update(str(m.record_id) for m in page.results or [])
            following = page.paging.next.after if page.paging and page.paging.next else None
            if not following or following == after or not page.results:
                return found
            after = following

    async def list_id(self, name: str) -> str:
        """The id of the MANUAL list called `name`, created when HubSpot has none.

        Concurrent batches naming a missing list wait for one of them to create it, rather
        than each creating it and all but one being refused."""
        cached = self._list_ids.get(name)
        if cached is not None:
            return cached
        async with self._list_locks.setdefault(name, asyncio.Lock()):
            if name not in self._list_ids:
                found = await self._find_list(name)
                self._list_ids[name] = found if found is not None else await self.create_list(name)
        return self._list_ids[name]

    async def create_list(self, name: str) -> str:
        """Create the MANUAL list `name`; when another process took the name first, its list
        is the one wanted: read it instead of failing."""
        request = ListCreateRequest(name=name, object_type_id=CONTACTS_TYPE_ID,
                                    processing_type="MANUAL", local_vars_configuration=MODELS)
        try:
            answer = await self.api.call("lists.lists", "create", request)
        except RecordError as exc:
            found = await self._find_list(name) if _name_taken(exc) else None
            if found is None:
                raise
            return found
        log.info("created HubSpot list %r (%s)", name, answer.list.list_id)
        return str(answer.list.list_id)

    async def _find_list(self, name: str) -> str | None:
        try:
            answer = await self.api.call("lists.lists", "get_by_name", name, CONTACTS_TYPE_ID)
        except RecordError as exc:
            if status_of(exc) != 404:
                raise
            return None
        return str(answer.list.list_id)


def _name_taken(error: RecordError) -> bool:
    """HubSpot refuses a list name in use with a 409, or a 400 saying it already exists."""
    status = status_of(error)
    return status == 409 or (status == 400 and "already exists" in str(error))
