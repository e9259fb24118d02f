"""Benchmark of Salesforce syncs: calls per 1,000 records and pace, Collections and Bulk API 2.0.

Run with `python -m bench.salesforce`. The Salesforce sandbox runs in its own process (`hub
sandbox salesforce`), as an org would be elsewhere. SQLite databases of captured leads (the
`sql` source) are synced to it through the sync engine and seed 003's leads mapping: 10,000
through sObject Collections, 200 a call (target: at most 5 calls per 1,000), then 100,000 more
as one Bulk API 2.0 job (target: at most 15 calls in all). The org's own count of API calls
(its `/limits`, read before and after) gives the calls. Then every lead is read back through
the Lead stream (SOQL paged by nextRecordsUrl). Prints a table (`--out FILE` keeps the figures
as JSON).
"""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from bench import syncs
from bench.options import parse, write
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.settings import SalesforceSettings
from connectors.salesforce.streams import SoqlStream

LEADS = 10_000
BULK_LEADS = 100_000
TARGET_CALLS_PER_1000 = 5.0
TARGET_BULK_CALLS = 15
REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 1, 1)
CLIENT = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret",
          "refresh_token": "sandbox-refresh-token"}

leads = sa.Table(
    "leads", sa.MetaData(),
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("email", sa.String(200)),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("company", sa.String(200)),
    sa.Column("score", sa.Float),
    sa.Column("updated_at", sa.DateTime),
)


@contextmanager
def sandbox_process() -> Iterator[str]:
    """`hub sandbox salesforce` in a child process; its URL once it answers."""
    child = subprocess.Popen(
        [sys.executable, "-m", "hub", "sandbox", "salesforce", "--port", "0",
         "--set", "daily_limit=1000000", "--set", "request_log_size=100"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=REPO)
    try:
        url = _ready(child.stderr)
        threading.Thread(target=_drain, args=(child.stderr,), daemon=True).start()
        yield url
    finally:
        child.terminate()
        child.wait(30)


def _ready(stream: IO[str] | None) -> str:
    assert stream is not None
    for line in stream:
        if line.startswith("ready on "):
            return line.removeprefix("ready on ").strip()
    raise RuntimeError("the Salesforce sandbox exited before it was ready")


def _drain(stream: IO[str] | None) -> None:
    for _ in stream or ():
        pass


def make_source(url: str, count: int, prefix: str) -> None:
    engine = sa.create_engine(url)
    leads.create(engine)
    rows = [{"id": f"{prefix}{i:06d}", "email": f"{prefix}{i}@example.com",
             "first_name": f"First{i}", "last_name": f"Last{i}", "company": f"Company {i % 97}",
             "score": float(i % 100), "updated_at": T0 + timedelta(seconds=i)}
            for i in range(count)]
    with engine.begin() as conn:
        conn.execute(leads.insert(), rows)
    engine.dispose()


def write_config(root: Path, url: str, page_size: int, **destination: Any) -> Path:
    return syncs.write_config(root, {"connector": "salesforce", "login_url": url, **CLIENT}, {
        "leads": {
            "source": {"connection": "source", "stream": "leads", "cursor": "updated_at",
                       "primary_key": ["id"], "page_size": page_size},
            "destination": {"connection": "crm", "object": "Lead", **destination},
            "mapping": str(REPO / "mappings" / "salesforce" / "leads.yaml"),
        }})


def api_used(url: str) -> int:
    """The org's daily API requests used so far, by its `/limits` (which counts itself)."""

    async def go() -> int:
        sf = SalesforceConnector(SalesforceSettings.model_validate({"login_url": url, **CLIENT}))
        try:
            limits = await sf.api.call(lambda s: s.limits())
        finally:
            await sf.aclose()
        daily = limits["DailyApiRequests"]
        return int(daily["Max"]) - int(daily["Remaining"])

    return asyncio.run(go())


def read_back(url: str) -> tuple[int, int, int, float]:
    """Every lead through the Lead stream: (records, distinct ids, queries, seconds)."""

    def open_stream() -> tuple[SalesforceConnector, SoqlStream]:
        sf = SalesforceConnector(SalesforceSettings.model_validate({"login_url": url, **CLIENT}))
        stream = sf.stream("Lead", {"fields": ["Marketing_Platform_ID__c"]})
        assert isinstance(stream, SoqlStream)
        return sf, stream

    count, distinct, stream, seconds = syncs.read_all(open_stream, "Id")
    return count, distinct, stream.queries, seconds


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="bench-salesforce-") as tmp, \
            sandbox_process() as url:
        collections, bulk = Path(tmp) / "collections", Path(tmp) / "bulk"
        collections.mkdir()
        bulk.mkdir()
        make_source(f"sqlite:///{collections / 'source.db'}", LEADS, "L")
        make_source(f"sqlite:///{bulk / 'source.db'}", BULK_LEADS, "B")
        before = api_used(url)
        result, seconds = syncs.sync(write_config(collections, url, 2000, bulk_threshold=None),
                                     "leads")
        calls = api_used(url) - before - 1  # the second `/limits` counts itself
        before = api_used(url)
        bulk_result, bulk_seconds = syncs.sync(
            write_config(bulk, url, BULK_LEADS, bulk_threshold=10_000), "leads")
        bulk_calls = api_used(url) - before - 1
        read, distinct, queries, read_seconds = read_back(url)

    rate = result.counts["written"] / seconds
    per_1000 = calls * 1000 / LEADS
    report: dict[str, Any] = {
        "leads": LEADS,
        "path": "sObject Collections upsert, 200 a call",
        "status": result.status,
        "written": result.counts["written"],
        "failed": result.counts["failed"],
        "seconds": round(seconds, 3),
        "records_per_second": round(rate, 1),
        "api_calls": calls,
        "api_calls_per_1000_records": round(per_1000, 2),
        "target_calls_per_1000": TARGET_CALLS_PER_1000,
        "bulk": {"leads": BULK_LEADS, "path": "one Bulk API 2.0 ingest job",
                 "status": bulk_result.status, "written": bulk_result.counts["written"],
                 "failed": bulk_result.counts["failed"], "seconds": round(bulk_seconds, 3),
                 "records_per_second": round(bulk_result.counts["written"] / bulk_seconds, 1),
                 "api_calls": bulk_calls, "target_api_calls": TARGET_BULK_CALLS,
                 "api_calls_per_1000_records": round(bulk_calls * 1000 / BULK_LEADS, 3)},
        "read_back": {"read": read, "distinct": distinct, "queries": queries,
                      "seconds": round(read_seconds, 3),
                      "records_per_second": round(read / read_seconds, 1)},
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "simple-salesforce": version("simple-salesforce")},
    }
    bulk_rate = bulk_result.counts["written"] / bulk_seconds
    table = Table(title="Salesforce syncs through Collections and Bulk API 2.0")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, value in (
        ("Collections: written / failed", f"{report['written']:,} / {report['failed']:,}"),
        ("Collections: leads per second", f"{rate:,.0f}"),
        ("Collections: API calls (the org's count)", f"{calls:,}"),
        ("Collections: API calls per 1,000 leads",
         f"{per_1000:.2f} (target ≤ {TARGET_CALLS_PER_1000:g})"),
        ("Bulk: written / failed", f"{bulk_result.counts['written']:,} / "
                                   f"{bulk_result.counts['failed']:,} of {BULK_LEADS:,}"),
        ("Bulk: leads per second", f"{bulk_rate:,.0f}"),
        ("Bulk: API calls in all", f"{bulk_calls} (target ≤ {TARGET_BULK_CALLS}), "
                                   f"{bulk_calls * 1000 / BULK_LEADS:.3f} per 1,000"),
        ("read back", f"{read:,} read, {distinct:,} distinct in {queries} queries, "
                      f"{read / read_seconds:,.0f} per second"),
    ):
        table.add_row(label, value)
    console.print(table)
    write(args.out, report, console)


if __name__ == "__main__":
    main()
