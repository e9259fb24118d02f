"""Reading Salesforce incrementally: SOQL ordered by (SystemModstamp, Id), paged by
`nextRecordsUrl`, resumed by keyset.

A read asks for records strictly after the checkpoint's (SystemModstamp, Id):
`SystemModstamp > T OR (SystemModstamp = T AND Id > 'X')`, so records sharing an instant are
neither lost nor repeated. The query's result set is fixed when it runs (a query locator), and
its pages are followed with `nextRecordsUrl`, never with offsets: a record edited during the read
gets a later SystemModstamp and is read again, in its latest version, by the next read. With
`include_deleted` the read goes through `queryAll` and deleted records come with IsDeleted.
Opportunity reads closed-won deals with an amount, for attribution.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from simple_salesforce.api import Salesforce

from connectors.salesforce.settings import StreamOptions
from connectors.salesforce.values import soql_instant, soql_string
from hub.connector import Record, Stream
from hub.errors import ConfigError, PermanentError, RecordError

if TYPE_CHECKING:
    from connectors.salesforce.connector import SalesforceConnector

__all__ = ["DEFAULT_FIELDS", "SoqlStream"]

CURSOR = "SystemModstamp"
DEFAULT_FIELDS: dict[str, list[str]] = {
    "Lead": ["FirstName", "LastName", "Email", "Company", "Status", "LeadSource", "OwnerId",
             "Marketing_Platform_ID__c", "Lead_Score__c", "Campaign_ID__c", "CreatedDate"],
    "Contact": ["FirstName", "LastName", "Email", "Phone", "AccountId",
                "Marketing_Platform_ID__c", "CreatedDate"],
    "Account": ["Name", "Website", "Industry", "NumberOfEmployees", "Marketing_Platform_ID__c",
                "CreatedDate"],
    "Campaign": ["Name", "Type", "Status", "StartDate", "EndDate", "BudgetedCost",
                 "ActualCost", "IsActive", "Marketing_Platform_ID__c", "CreatedDate"],
    "CampaignMember": ["CampaignId", "LeadId", "ContactId", "Status", "CreatedDate"],
    "Opportunity": ["Name", "Amount", "StageName", "CloseDate", "IsWon", "AccountId",
                    "ContactId", "CampaignId", "CreatedDate"],
}
#: conditions a stream always adds: closed-won deals with an amount, for attribution
BASE_WHERE = {"Opportunity": "IsWon = true AND Amount != null"}


def _more(url: str, headers: dict[str, str]) -> Callable[[Salesforce], Any]:
    """The page at `nextRecordsUrl` (a path, which the SDK puts on the instance)."""
    return lambda sf: sf.query_more(url, identifier_is_url=True, headers=headers)


class SoqlStream(Stream):
    """One object's records changed since the checkpoint, oldest change first."""

    def __init__(self, connector: SalesforceConnector, name: str,
                 options: StreamOptions) -> None:
        self.connector = connector
        self.name = name
        self.options = options
        self.primary_key = ("Id",)
        self.cursor_field = CURSOR
        wanted = options.fields or DEFAULT_FIELDS.get(name, [])
        extra = ["IsDeleted"] if options.include_deleted else []
        self.fields = list(dict.fromkeys(["Id", *wanted, *extra, CURSOR]))
        self.queries = 0  # SOQL requests (first pages and nextRecordsUrl) this stream made

    async def verify(self) -> None:
        described = await self.connector.describe(self.name)
        known = {str(f["name"]).lower() for f in described.get("fields") or []}
        missing = [f for f in self.fields if f.lower() not in known]
        if missing:
            raise ConfigError(f"Salesforce's {self.name} has no field {', '.join(missing)}")

    def soql(self, after: Mapping[str, Any] | None) -> str:
        conditions = [c for c in (BASE_WHERE.get(self.name), self.options.where) if c]
        if after and after.get("cursor"):
            instant = soql_instant(str(after["cursor"]))
            last_id = soql_string(str((after.get("key") or [""])[0]))
            conditions.append(f"({CURSOR} > {instant} OR ({CURSOR} = {instant} AND "
                              f"Id > {last_id}))")
        where = " WHERE " + " AND ".join(f"({c})" for c in conditions) if conditions else ""
        return (f"SELECT {', '.join(self.fields)} FROM {self.name}{where} "
                f"ORDER BY {CURSOR}, Id")

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        headers = {"Sforce-Query-Options": f"batchSize={self.options.page_size}"}
        deleted = self.options.include_deleted
        soql = self.soql(after)
        page = await self._query(lambda sf: sf.query(soql, include_deleted=deleted,
                                                     headers=headers))
        while True:
            records = [{k: v for k, v in r.items() if k != "attributes"}
                       for r in page.get("records") or []]
            if records:
                yield records
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = await self._query(_more(str(next_url), headers))

    async def _query(self, fn: Callable[[Salesforce], Any]) -> dict[str, Any]:
        self.queries += 1
        try:
            found = await self.connector.api.call(fn)
        except RecordError as exc:  # a refused query is the pipeline's fault, not a record's
            raise PermanentError(f"{self.name}: {exc}") from exc
        return dict(found) if found else {}
