"""Benchmark of a HubSpot sync at HubSpot's own ceiling: how close the hub runs to the limit.

Run with `python -m bench.hubspot`. A SQLite database of 20,000 contacts (the `sql` source)
is synced to the HubSpot sandbox limited as a Professional portal is, 190 requests per 10 s,
through the sync engine and the default contacts mapping. At 100 contacts a call the ceiling
is 1,900 contacts per second; the run reports what it achieved against it (target: 90%), the
API calls it spent per 1,000 contacts, and that every contact arrived with no 429 reaching
the run. Then 5,000 more contacts are added in the sandbox and the whole portal (25,000) is
read back through the search API, whose 10,000-result cap the stream must work around.
Prints a table (`--out FILE` keeps the figures as JSON).
"""

from __future__ import annotations

import os
import platform
import tempfile
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from bench import syncs
from bench.options import parse, write
from connectors.hubspot import HubSpotConnector
from connectors.hubspot.sandbox import SandboxConfig, SandboxServer
from connectors.hubspot.streams import SearchStream

CONTACTS = 20_000
EXTRA_IN_HUBSPOT = 5_000
BURST, WINDOW_S, PER_CALL = 190, 10.0, 100
CEILING = BURST * PER_CALL / WINDOW_S  # contacts per second HubSpot allows at best
TARGET_RATIO = 0.9
REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 1, 1)

people = sa.Table(
    "people", sa.MetaData(),
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("email", sa.String(200)),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("properties", sa.JSON),
    sa.Column("updated_at", sa.DateTime),
)


def make_source(url: str) -> None:
    engine = sa.create_engine(url)
    people.create(engine)
    rows = [{"id": f"c{i}", "email": f"person{i}@example.com", "first_name": f"First{i}",
             "last_name": f"Last{i}", "properties": {"lead_score": i % 100},
             "updated_at": T0 + timedelta(seconds=i)} for i in range(CONTACTS)]
    with engine.begin() as conn:
        conn.execute(people.insert(), rows)
    engine.dispose()


def write_config(root: Path, sandbox: SandboxServer) -> Path:
    mappings = REPO / "mappings" / "hubspot"
    crm = {"connector": "hubspot", "access_token": "sandbox-token", "base_url": sandbox.base_url,
           "tier": "professional", "properties_file": str(mappings / "properties.json")}
    return syncs.write_config(root, crm, {
        "contacts": {
            "source": {"connection": "source", "stream": "people", "cursor": "updated_at",
                       "primary_key": ["id"]},
            "destination": {"connection": "crm", "object": "contacts"},
            "mapping": str(mappings / "contacts.yaml"),
        }})


def read_back(sandbox: SandboxServer) -> tuple[int, int, int, float]:
    """Every contact through the search API: (records, distinct ids, searches, seconds)."""

    def open_stream() -> tuple[HubSpotConnector, SearchStream]:
        hub = HubSpotConnector(HubSpotConnector.settings_model.model_validate(
            {"access_token": "sandbox-token", "base_url": sandbox.base_url,
             "tier": "professional", "properties_file": None}))
        stream = hub.stream("contacts", {"properties": ["email"]})
        assert isinstance(stream, SearchStream)
        return hub, stream

    count, distinct, stream, seconds = syncs.read_all(open_stream, "id")
    return count, distinct, stream.searches, seconds


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="bench-hubspot-") as tmp:
        root = Path(tmp)
        make_source(f"sqlite:///{root / 'source.db'}")
        config = SandboxConfig(burst_limit=BURST, burst_interval_s=WINDOW_S)
        with SandboxServer(config) as sandbox:
            result, seconds = syncs.sync(write_config(root, sandbox), "contacts")
            counters = sandbox.state.counters.snapshot()
            arrived = sandbox.state.records.count("contacts")
            for i in range(EXTRA_IN_HUBSPOT):
                sandbox.state.create("contacts", {"email": f"made-in-hubspot{i}@example.com"})
            read, distinct, searches, read_seconds = read_back(sandbox)

    calls = sum(counters["requests"].values())
    rate = result.counts["written"] / seconds
    report: dict[str, Any] = {
        "contacts": CONTACTS,
        "limit": f"{BURST} requests per {WINDOW_S:g} s",
        "status": result.status,
        "written": result.counts["written"],
        "failed": result.counts["failed"],
        "arrived_in_hubspot": arrived,
        "seconds": round(seconds, 3),
        "records_per_second": round(rate, 1),
        "ceiling_records_per_second": CEILING,
        "ratio": round(rate / CEILING, 3),
        "target_ratio": TARGET_RATIO,
        "api_calls": calls,
        "api_calls_per_1000_records": round(calls * 1000 / CONTACTS, 2),
        "rate_limited_429s": counters["rate_limited"],
        "calls_by_endpoint": counters["requests"],
        "search_read": {"in_hubspot": CONTACTS + EXTRA_IN_HUBSPOT, "read": read,
                        "distinct": distinct, "searches": searches,
                        "seconds": round(read_seconds, 3)},
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "hubspot-api-client": version("hubspot-api-client")},
    }

    table = Table(title=f"HubSpot sync: {CONTACTS:,} contacts at {report['limit']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, value in (
        ("written / failed", f"{report['written']:,} / {report['failed']:,}"),
        ("arrived in HubSpot", f"{arrived:,}"),
        ("seconds", f"{seconds:.2f}"),
        ("contacts per second", f"{rate:,.0f}"),
        ("ceiling (100 per call)", f"{CEILING:,.0f}"),
        ("ratio to the ceiling", f"{report['ratio']:.3f} (target {TARGET_RATIO})"),
        ("API calls per 1,000 contacts", f"{report['api_calls_per_1000_records']:.2f}"),
        ("429s from HubSpot", f"{counters['rate_limited']}"),
        ("search read of the portal", f"{read:,} read, {distinct:,} distinct of "
                                      f"{CONTACTS + EXTRA_IN_HUBSPOT:,} in {searches} searches"),
    ):
        table.add_row(label, value)
    console.print(table)
    write(args.out, report, console)


if __name__ == "__main__":
    main()
