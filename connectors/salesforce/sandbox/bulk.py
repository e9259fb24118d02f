"""Bulk API 2.0 ingest jobs: created Open, given one CSV upload, closed (UploadComplete), then
processed in a background thread (InProgress → JobComplete) with the same per-record checks as
sObject Collections; results are CSV: successful (`sf__Id`, `sf__Created`), failed (`sf__Id`,
`sf__Error` as `CODE:message`) and unprocessed records, each with the uploaded columns."""

from __future__ import annotations

import csv
import io
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import SalesforceError
from .records import RecordStore
from .schema import SObject
from .values import FieldError

__all__ = ["BulkJobs", "Job"]

_NULL = "#N/A"


@dataclass
class Job:
    id: str
    sobject: SObject
    operation: str
    external_id: str | None
    version: str
    state: str = "Open"
    csv_text: str | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    header: list[str] = field(default_factory=list)
    succeeded: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    processed: int = 0
    done: threading.Event = field(default_factory=threading.Event)

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id, "operation": self.operation, "object": self.sobject.name,
            "createdById": "005000000000001AAA", "createdDate": self.created,
            "systemModstamp": self.created, "state": self.state,
            "externalIdFieldName": self.external_id, "concurrencyMode": "Parallel",
            "contentType": "CSV", "apiVersion": float(self.version), "jobType": "V2Ingest",
            "lineEnding": "LF", "columnDelimiter": "COMMA",
            "contentUrl": f"services/data/v{self.version}/jobs/ingest/{self.id}/batches",
            "numberRecordsProcessed": self.processed, "numberRecordsFailed": len(self.failed),
            "retries": 0, "totalProcessingTime": 0,
        }


class BulkJobs:
    """Thread-safe: the jobs of one org, processed one background thread each."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def create(self, sobject: SObject, operation: str, external_id: str | None,
               version: str) -> Job:
        job = Job("750" + secrets.token_hex(6)[:12] + "AAA", sobject, operation, external_id,
                  version)
        with self._lock:
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def all(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def upload(self, job: Job, text: str) -> None:
        if job.state != "Open" or job.csv_text is not None:
            raise SalesforceError(409, "INVALIDJOBSTATE",
                                  "Found an upload for a job which is not Open or already "
                                  "has data")
        job.csv_text = text

    def close(self, job: Job, state: str) -> None:
        if state == "Aborted":
            job.state = "Aborted"
            job.done.set()
            return
        if state != "UploadComplete" or job.state != "Open":
            raise SalesforceError(400, "INVALIDJOBSTATE", f"Cannot move the job from "
                                  f"{job.state} to {state}")
        if job.csv_text is None:
            job.state = "Failed"
            job.done.set()
            return
        job.state = "UploadComplete"
        threading.Thread(target=self._process, args=(job,), daemon=True,
                         name=f"bulk-{job.id}").start()

    def _process(self, job: Job) -> None:
        job.state = "InProgress"
        rows = list(csv.reader(io.StringIO(job.csv_text or "")))
        job.header, body = (rows[0], rows[1:]) if rows else ([], [])
        keys = [row[job.header.index(job.external_id)].lower()
                if job.external_id in job.header else "" for row in body]
        repeated = {k for k, n in Counter(keys).items() if k and n > 1}
        for row, key in zip(body, keys, strict=True):
            values = self._values(job, row)
            try:
                if key in repeated:
                    raise FieldError("DUPLICATE_EXTERNAL_ID",
                                     f"Duplicate external id specified: {key}",
                                     [str(job.external_id)])
                with self._records.lock:
                    done = self._records.upsert(job.sobject, str(job.external_id), values)
                job.succeeded.append([done.id, "true" if done.created else "false", *row])
            except FieldError as exc:
                job.failed.append(["", f"{exc.code}:{exc.message}", *row])
            job.processed += 1
        job.state = "JobComplete"
        job.done.set()

    @staticmethod
    def _values(job: Job, row: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, text in zip(job.header, row, strict=False):
            if text == "":
                continue  # an empty cell leaves the field as it is
            relation, dot, field_name = name.partition(".")
            if dot:
                values[relation] = {field_name: text}
                continue
            found = job.sobject.field(name)
            values[name] = None if text == _NULL else _typed(found.type if found else "", text)
        return values

    @staticmethod
    def results(job: Job, kind: str) -> str:
        heads = {"successfulResults": ["sf__Id", "sf__Created"],
                 "failedResults": ["sf__Id", "sf__Error"], "unprocessedrecords": []}
        rows = {"successfulResults": job.succeeded, "failedResults": job.failed,
                "unprocessedrecords": job.unprocessed}[kind]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow([*heads[kind], *job.header])
        writer.writerows(rows)
        return out.getvalue()


def _typed(kind: str, text: str) -> Any:
    """A CSV cell as the field's type holds it (a bad one is left for the checks to refuse)."""
    try:
        if kind in ("double", "currency"):
            return float(text)
        if kind == "int":
            return int(text)
    except ValueError:
        return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    return text
