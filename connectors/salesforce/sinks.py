"""Writing to Salesforce: upserts by an external-id field through sObject Collections.

One call carries up to 200 records of one object (`PATCH …/composite/sobjects/{SObject}/
{ExternalIdField}`, allOrNone false) and counts as one API call. Salesforce answers with one
result per record in request order: written (with its 18-character id and whether it was
created) or refused with its statusCode and message (REQUIRED_FIELD_MISSING,
INVALID_EMAIL_ADDRESS, STRING_TOO_LONG, DUPLICATE_EXTERNAL_ID …), which go to the dead-letter
queue as they are. Only lock contention and server trouble are retried. A lookup is given by
its target's external id (`Campaign.Marketing_Platform_ID__c`), so the hub needs no Salesforce
ids to link a campaign member or an interaction. A write of `bulk_threshold` records or more
goes as one Bulk API 2.0 job instead (`bulk.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from simple_salesforce.api import Salesforce

from connectors.salesforce.bulk import BulkUpsert
from connectors.salesforce.describe import check_writable
from connectors.salesforce.errors import RETRYABLE_CODES
from connectors.salesforce.settings import UpsertSinkOptions
from connectors.salesforce.values import field_value, soql_string
from hub.connector import Record, Sink, WriteMode, WriteResult
from hub.errors import ConfigError, PermanentError, RecordError

if TYPE_CHECKING:
    from connectors.salesforce.connector import SalesforceConnector

__all__ = ["UpsertSink", "result_of"]


def result_of(answer: Any) -> WriteResult:
    """One record's fate from its entry in a Collections answer."""
    if not isinstance(answer, dict):
        return WriteResult.failed("Salesforce did not report on this record", retryable=True)
    if answer.get("success"):
        return WriteResult.ok(str(answer.get("id")), created=bool(answer.get("created")))
    errors = answer.get("errors") or [{}]
    parts, retryable = [], True
    for error in errors:
        code = str(error.get("statusCode") or "UNKNOWN")
        message = str(error.get("message") or "no message")
        unsaid = [f for f in error.get("fields") or [] if f not in message]
        parts.append(f"{code}: {message}" + (f" [{', '.join(unsaid)}]" if unsaid else ""))
        retryable = retryable and code in RETRYABLE_CODES
    return WriteResult.failed("Salesforce refused it (" + "; ".join(parts) + ")",
                              retryable=retryable)


def _patch(path: str, body: dict[str, Any]) -> Callable[[Salesforce], Any]:
    return lambda sf: sf.restful(path, method="PATCH", json=body)


def _query_all(soql: str) -> Callable[[Salesforce], Any]:
    return lambda sf: sf.query_all(soql)


def _delete(ids: list[str]) -> Callable[[Salesforce], Any]:
    path = f"composite/sobjects?ids={','.join(ids)}&allOrNone=false"
    return lambda sf: sf.restful(path, method="DELETE")


class UpsertSink(Sink):
    """Leads, contacts, accounts, campaigns, campaign members or custom objects, upserted by an
    external-id field."""

    modes: ClassVar[frozenset[WriteMode]] = frozenset({WriteMode.UPSERT, WriteMode.MIRROR})

    def __init__(self, connector: SalesforceConnector, name: str,
                 options: UpsertSinkOptions) -> None:
        self.connector = connector
        self.name = name
        self.options = options
        self.external_id = options.external_id_field
        # the engine's batches: big enough to reach the Bulk threshold when Bulk is on
        self.batch_size = options.bulk_batch_size if options.bulk_threshold else \
            options.batch_size
        self.calls = 0  # Collections calls this sink made (tests and benchmarks read it)
        self.bulk_jobs = 0

    async def verify(self) -> None:
        """Refuse an object the org lacks, an external-id field that is not one, and any of
        the options' `fields` the object lacks or cannot write, naming object and field."""
        described = await self.connector.describe(self.name)
        check_writable(described, self.name, self.options.fields or [], self.external_id)

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        results: list[WriteResult] = [WriteResult.failed("not sent")] * len(records)
        keyed: list[int] = []
        for index, record in enumerate(records):
            if record.get(self.external_id) in (None, ""):
                results[index] = WriteResult.failed(
                    f"no {self.external_id}: Salesforce cannot tell which {self.name} this is")
            else:
                keyed.append(index)
        threshold = self.options.bulk_threshold
        if threshold is not None and len(keyed) >= threshold:
            self.bulk_jobs += 1
            bulk = BulkUpsert(self.connector.api, self.name, self.external_id)
            for index, result in zip(keyed, await bulk.write([records[i] for i in keyed]),
                                     strict=True):
                results[index] = result
            return results
        size = self.options.batch_size
        chunks = [keyed[start:start + size] for start in range(0, len(keyed), size)]
        for chunk, answers in zip(chunks, await asyncio.gather(
                *(self._upsert(records, chunk) for chunk in chunks)), strict=True):
            for position, index in enumerate(chunk):
                results[index] = result_of(answers[position] if position < len(answers)
                                           else None)
        return results

    async def delete(self, keys: Sequence[tuple[Any, ...]]) -> list[WriteResult]:
        """Delete by external id (mirror mode: a campaign member whose person left the
        audience): the ids are found by SOQL, then deleted through Collections, 200 a call.
        A record already gone counts as deleted."""
        values = [str(key[0]) for key in keys]
        found: dict[str, str] = {}
        for start in range(0, len(values), 200):
            listed = ", ".join(soql_string(v) for v in values[start:start + 200])
            answer = await self.connector.api.call(_query_all(
                f"SELECT Id, {self.external_id} FROM {self.name} "
                f"WHERE {self.external_id} IN ({listed})"))
            found |= {str(r[self.external_id]).lower(): str(r["Id"])
                      for r in (answer or {}).get("records") or []}
        done: dict[str, WriteResult] = {}
        ids = list(found.values())
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            answer = await self.connector.api.call(_delete(chunk))
            for entry in answer if isinstance(answer, list) else []:
                done[str(entry.get("id"))] = result_of(entry)
        gone = WriteResult.ok()  # not in Salesforce: nothing left to delete
        return [done.get(found.get(v.lower(), ""), gone) for v in values]

    async def _upsert(self, records: Sequence[Record], chunk: list[int]) -> list[Any]:
        """One Collections call for up to 200 records; Salesforce's answer, one per record."""
        body = {"allOrNone": False, "records": [self._shaped(records[i]) for i in chunk]}
        path = f"composite/sobjects/{self.name}/{self.external_id}"
        self.calls += 1
        try:
            answer = await self.connector.api.call(_patch(path, body))
        except RecordError as exc:
            if "INVALID_FIELD" in str(exc):
                await self._stop_on_unknown_fields(records)
            raise
        return answer if isinstance(answer, list) else []

    def _shaped(self, record: Record) -> dict[str, Any]:
        """The record as Salesforce takes it; `Campaign.Ext__c: v` names a lookup's target by
        its external id (`"Campaign": {"Ext__c": v}`), so no Salesforce id is needed."""
        shaped: dict[str, Any] = {"attributes": {"type": self.name}}
        for name, value in record.items():
            if name in ("Id", "attributes"):
                continue
            relation, dot, field = name.partition(".")
            if not dot:
                shaped[name] = field_value(value)
            elif value not in (None, ""):
                shaped[relation] = {field: field_value(value)}
        return shaped

    async def _stop_on_unknown_fields(self, records: Sequence[Record]) -> None:
        """Salesforce refused a whole call for a field: when the object lacks one the records
        carry, stop the run naming it (every batch would be refused alike); else return."""
        names = sorted({name for record in records for name in record} - {"Id", "attributes"})
        try:
            check_writable(await self.connector.describe(self.name), self.name, names)
        except ConfigError as exc:
            raise PermanentError(str(exc)) from exc
