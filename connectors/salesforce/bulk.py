"""Large writes through Bulk API 2.0: one ingest job for the batch, as CSV.

The job is created (`POST jobs/ingest`, upsert on the external-id field), given the CSV (`PUT
…/batches`), closed (`PATCH` to UploadComplete) and polled with a growing wait until Salesforce
has processed it; then its successful, failed and unprocessed records (three CSVs) are matched
back to the batch by external id, one WriteResult per record. A job that Salesforce fails or
aborts leaves its records to be retried. A handful of calls carry any number of records, where
Collections would spend one per 200.

A run killed mid-job leaves the job in Salesforce; the engine resends the batch on the rerun.
Before uploading, the org's recent jobs are listed: one that holds this very batch (its
results carry the uploaded rows) is finished or read instead, so a batch is never uploaded
twice.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.util import exception_handler

from connectors.salesforce.errors import RETRYABLE_CODES
from connectors.salesforce.values import field_value
from hub.connector import Record, WriteResult

if TYPE_CHECKING:
    from connectors.salesforce.api import SalesforceApi

__all__ = ["BulkUpsert", "to_csv"]

NULL = "#N/A"  # Bulk API's way to set a field to null; an empty cell leaves it as it is
FIRST_POLL_S, MAX_POLL_S = 0.5, 30.0  # Salesforce takes seconds to minutes per job
# a crashed run's job is looked for among those created this recently
RECOVERY_WINDOW = timedelta(hours=6)

Results = dict[str, list[dict[str, str]]]  # result kind → its CSV rows


def to_csv(records: Sequence[Record]) -> str:
    columns = list(dict.fromkeys(k for r in records for k in r if k not in ("Id", "attributes")))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record[c]) if c in record else "" for c in columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    value = field_value(value)
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json(sf: Salesforce, path: str, method: str = "GET", body: Any = None) -> dict[str, Any]:
    found = sf.restful(path, method=method, json=body)
    return dict(found) if isinstance(found, dict) else {}


def _send(sf: Salesforce, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A Bulk call the SDK's `restful` cannot make (a CSV body or answer), on its session."""
    headers = {**sf.headers, **kwargs.pop("headers", {})}
    answer = sf.session.request(method, sf.base_url + path, headers=headers, **kwargs)
    if answer.status_code >= 300:
        exception_handler(answer, name=path)
    return answer


class BulkUpsert:
    """One ingest job's life, through the connection's `SalesforceApi`."""

    def __init__(self, api: SalesforceApi, sobject: str, external_id: str) -> None:
        self.api = api
        self.sobject = sobject
        self.external_id = external_id
        self.polls = 0
        self.recovered: str | None = None  # the id of a crashed run's job this write finished

    async def write(self, records: Sequence[Record]) -> list[WriteResult]:
        data = to_csv(records)
        recovered = await self._recover(data)
        if recovered is not None:
            return self._outcomes(recovered, records)
        body = {"object": self.sobject, "operation": "upsert", "contentType": "CSV",
                "externalIdFieldName": self.external_id, "lineEnding": "LF"}
        job = await self.api.call(lambda sf: _json(sf, "jobs/ingest", "POST", body))
        path = f"jobs/ingest/{job['id']}"
        await self.api.call(lambda sf: _send(sf, "PUT", f"{path}/batches",
                                             data=data.encode("utf-8"),
                                             headers={"Content-Type": "text/csv"}))
        await self.api.call(_closer(path))
        info = await self._until_processed(path)
        if info.get("state") != "JobComplete":
            said = info.get("errorMessage") or info.get("state")
            return [WriteResult.failed(f"Salesforce's Bulk job {job['id']} ended {said}",
                                       retryable=True)] * len(records)
        return self._outcomes(await self._results(path), records)

    async def _recover(self, data: str) -> Results | None:
        """The results of a job a crashed run left with this very CSV, finished if need be:
        an Open one is closed (it holds this upload, or one the engine resends anyway), one
        in progress is waited for, and a recent complete one whose results were never read
        is read. None when no job holds this batch: it is uploaded then, once."""
        listing = await self.api.call(lambda sf: _json(sf, "jobs/ingest"))
        since = datetime.now(UTC) - RECOVERY_WINDOW
        size = len(data.splitlines()) - 1
        for job in sorted(listing.get("records") or [], key=lambda j: str(j.get("createdDate")),
                          reverse=True):
            if (job.get("object"), job.get("operation"), job.get("externalIdFieldName")) != (
                    self.sobject, "upsert", self.external_id) or _created(job) < since:
                continue
            path, state = f"jobs/ingest/{job['id']}", job.get("state")
            if state == "Open":
                await self.api.call(_closer(path))
            if state in ("Open", "UploadComplete", "InProgress"):
                state = (await self._until_processed(path)).get("state")
            elif job.get("numberRecordsProcessed") != size:
                continue  # a finished job of another batch
            if state == "JobComplete":
                found = await self._results(path)
                if _same_rows(found, data):
                    self.recovered = str(job["id"])
                    return found
        return None

    async def _until_processed(self, path: str) -> dict[str, Any]:
        wait = FIRST_POLL_S
        while True:
            await asyncio.sleep(wait)
            self.polls += 1
            info = await self.api.call(lambda sf: _json(sf, path))
            if info.get("state") in ("JobComplete", "Failed", "Aborted"):
                return info
            wait = min(MAX_POLL_S, wait * 2)

    async def _results(self, path: str) -> Results:
        found: Results = {}
        for kind in ("successfulResults", "failedResults", "unprocessedrecords"):
            text = (await self.api.call(_getter(f"{path}/{kind}"))).text
            found[kind] = list(csv.DictReader(io.StringIO(text)))
        return found

    def _outcomes(self, found: Results, records: Sequence[Record]) -> list[WriteResult]:
        where = {str(r.get(self.external_id, "")).lower(): i for i, r in enumerate(records)}
        results: list[WriteResult] = [WriteResult.failed(
            "Salesforce's Bulk job did not report on this record", retryable=True)] * len(records)
        for kind, rows in found.items():
            for row in rows:
                index = where.get(str(row.get(self.external_id, "")).lower())
                if index is not None:
                    results[index] = _result(kind, row)
        return results


def _created(job: Mapping[str, Any]) -> datetime:
    text = str(job.get("createdDate") or "")
    text = text.replace("Z", "+00:00").replace("+0000", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _same_rows(found: Results, data: str) -> bool:
    """Whether a job's results hold exactly the rows of this CSV (the uploaded columns come
    back beside Salesforce's own `sf__` ones)."""
    header, *rows = list(csv.reader(io.StringIO(data)))
    returned = [row for kind_rows in found.values() for row in kind_rows]
    if any(not set(header) <= row.keys() for row in returned):
        return False
    seen = [tuple(str(row[column]) for column in header) for row in returned]
    return sorted(map(tuple, rows)) == sorted(seen)


def _closer(path: str) -> Callable[[Salesforce], dict[str, Any]]:
    return lambda sf: _json(sf, path, "PATCH", {"state": "UploadComplete"})


def _getter(path: str) -> Callable[[Salesforce], requests.Response]:
    return lambda sf: _send(sf, "GET", path)


def _result(kind: str, row: dict[str, str]) -> WriteResult:
    if kind == "successfulResults":
        return WriteResult.ok(row["sf__Id"], created=row.get("sf__Created") == "true")
    if kind == "unprocessedrecords":
        return WriteResult.failed("Salesforce's Bulk job did not process this record",
                                  retryable=True)
    code, _, message = row.get("sf__Error", "").partition(":")
    return WriteResult.failed(f"Salesforce refused it ({code}: {message})",
                              retryable=code in RETRYABLE_CODES)
