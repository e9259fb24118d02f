"""Reading HubSpot incrementally through the CRM search API, never losing a record to its cap.

Every page is a fresh search for records modified at or after the last instant read, sorted
by last-modified date, skipping the ids already read at that instant (keyset paging). Offsets
are never used: a record edited mid-read moves to the end of the sort order, which would shift
every later offset by one and skip a record the checkpoint then moves past. And no search ever
pages deep enough to meet HubSpot's 10,000-result cap. Should a whole page share one instant,
that instant is read on its own, sorted by record id and paged by id, before the stream moves
past it.

Records are HubSpot's properties, flattened, with the record id as `id`. A checkpoint is the
last instant read and the ids read at it, so a resumed read repeats and loses nothing even when
many records share an instant.

The streams speak JSON through the kit's client (`connector.request`): a search is one POST of
a small body, which the SDK would make a tree of four model objects to send. The kit's client
carries the connection's limiter, policy and token; the search limiter is taken around it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connectors.hubspot.settings import DealStreamOptions, SearchStreamOptions
from hub.connector import Record, Stream

if TYPE_CHECKING:
    from connectors.hubspot.connector import HubSpotConnector

LAST_MODIFIED = {"contacts": "lastmodifieddate", "companies": "hs_lastmodifieddate",
                 "deals": "hs_lastmodifieddate"}
DEFAULT_PROPERTIES = {
    "contacts": ["email", "firstname", "lastname", "phone", "company", "lifecyclestage",
                 "createdate"],
    "companies": ["name", "domain", "industry", "numberofemployees", "country", "city",
                  "createdate"],
    "deals": ["dealname", "amount", "closedate", "dealstage", "pipeline", "createdate"],
}
RECORD_ID = "hs_object_id"


class HubSpotRecord(dict[str, Any]):
    """A record that remembers the ids read at its instant, up to and including itself."""

    __slots__ = ("tie",)
    tie: tuple[list[str], int]


def epoch_ms(instant: str) -> str:
    """HubSpot's filter form of an instant: epoch milliseconds (ISO values are converted)."""
    text = instant.strip()
    if text.isdigit():
        return text
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return str(int(moment.timestamp() * 1000))


Filter = dict[str, Any]


def _filter(name: str, operator: str, value: str | None = None,
            values: Sequence[str] | None = None) -> Filter:
    found: Filter = {"propertyName": name, "operator": operator}
    if value is not None:
        found["value"] = value
    if values is not None:
        found["values"] = list(values)
    return found


class SearchStream(Stream):
    """Contacts, companies or deals modified since the checkpoint, oldest change first."""

    def __init__(self, connector: HubSpotConnector, object_type: str,
                 options: SearchStreamOptions) -> None:
        self.connector = connector
        self.name = object_type
        self.object_type = object_type
        self.options = options
        self.primary_key = ("id",)
        self.cursor: str = LAST_MODIFIED[object_type]
        self.cursor_field = self.cursor
        custom = connector.ensurer.names(object_type)
        wanted = options.properties or [*DEFAULT_PROPERTIES[object_type], *custom]
        self.properties = list(dict.fromkeys([*wanted, self.cursor, RECORD_ID]))
        self.page_size = min(options.page_size, options.result_cap)
        self.searches = 0  # search requests this stream made (tests and benchmarks read it)

    def extra_filters(self) -> list[Filter]:
        """Filters every window adds (deal stages, for instance)."""
        return []

    def checkpoint(self, record: Record) -> dict[str, Any]:
        if not isinstance(record, HubSpotRecord):
            raise TypeError("checkpoint() takes a record this stream read")
        ids, count = record.tie
        return {"cursor": record.get(self.cursor), "seen": ids[:count]}

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        instant: str | None = after.get("cursor") if after else None
        tie_ids: list[str] = [str(i) for i in (after or {}).get("seen") or []]
        tie_set = set(tie_ids)
        window_start, inclusive = instant, True
        tie_mode, last_tie_id = False, "0"
        while True:
            if tie_mode:  # one instant, read in record id order, paged by id
                filters = [_filter(self.cursor, "EQ", epoch_ms(str(instant))),
                           _filter(RECORD_ID, "GT", last_tie_id)]
                results, more = await self._search(filters, RECORD_ID)
            else:
                filters = [] if window_start is None else [
                    _filter(self.cursor, "GTE" if inclusive else "GT", epoch_ms(window_start))]
                results, more = await self._search(filters, self.cursor)
            page: list[Record] = []
            for found in results:
                record = self._record(found)
                value = record.get(self.cursor)
                if value == instant and record["id"] in tie_set:
                    continue  # read before this window began
                if value != instant:
                    instant, tie_ids, tie_set = value, [], set()
                tie_ids.append(record["id"])
                tie_set.add(record["id"])
                record.tie = (tie_ids, len(tie_ids))
                page.append(record)
            if page:
                yield await self.enrich(page)
            if tie_mode:
                if more and results:
                    last_tie_id = str(results[-1]["id"])
                else:  # every record at this instant is read: move strictly past it
                    tie_mode, window_start, inclusive = False, instant, False
                continue
            if not more or not results:
                return
            if instant == window_start and instant is not None:
                tie_mode, last_tie_id = True, "0"  # a whole page at one instant: page it by id
            else:
                window_start, inclusive = instant, True  # the next page starts where this ended

    async def _search(self, filters: list[Filter], sort: str) -> tuple[list[Any], bool]:
        body = {"filterGroups": [{"filters": [*filters, *self.extra_filters()]}],
                "sorts": [sort], "properties": self.properties, "limit": self.page_size}
        self.searches += 1
        api = self.connector.api
        async with api.search_limiter.acquire(api.max_wait):
            answer = await self.connector.send(
                "POST", f"/crm/v3/objects/{self.object_type}/search", body)
        results = list(answer.get("results") or [])
        more = bool(((answer.get("paging") or {}).get("next") or {}).get("after"))
        return results, more

    def _record(self, found: Mapping[str, Any]) -> HubSpotRecord:
        record = HubSpotRecord(found.get("properties") or {})
        record["id"] = str(found["id"])
        return record

    async def enrich(self, page: list[Record]) -> list[Record]:
        """Add what the search cannot return; the base stream adds nothing."""
        return page


class DealStream(SearchStream):
    """Deals in the given stages (closed won by default), with their associated contacts."""

    def __init__(self, connector: HubSpotConnector, name: str,
                 options: DealStreamOptions) -> None:
        super().__init__(connector, name, options)
        self.deal_options = options

    def extra_filters(self) -> list[Filter]:
        return [_filter("dealstage", "IN", values=self.deal_options.stages)]

    async def enrich(self, page: list[Record]) -> list[Record]:
        if not self.deal_options.with_contacts:
            return page
        contacts: dict[str, list[str]] = {}
        for start in range(0, len(page), 100):
            chunk = page[start:start + 100]
            body = {"inputs": [{"id": r["id"]} for r in chunk]}
            answer = await self.connector.send(
                "POST", "/crm/v4/associations/deals/contacts/batch/read", body)
            for result in answer.get("results") or []:
                contacts[str(result["from"]["id"])] = [str(to["toObjectId"])
                                                       for to in result.get("to") or []]
        for record in page:
            ids = contacts.get(record["id"], [])
            record["contact_ids"] = ids
            record["contact_id"] = ids[0] if ids else None
        return page
