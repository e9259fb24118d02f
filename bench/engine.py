"""Benchmark of the sync engine's CPU path, with no network: records per second through
map → validate → dedup → diff, and memory as the source grows.

Run with `python -m bench.engine` (or all benchmarks with `make bench`). Shop customers are
made on the fly, a page at a time, by an in-memory stream; they go through the real customers
mapping (`mappings/shop/customers.yaml`) into `canonical.Contact`, and the diff reads and
keeps its hashes in a SQLite state store, as `hub sync` does. Two data sets of 200,000
records: with a phone on every record (the mapping parses each to E.164, the costliest
transform) and without phones. For each:

  path, all new        `_prepare` over every page: map, validate, dedup, diff (nothing sent)
  run, all new         `SyncEngine.run` with a sink that accepts everything: adds batching,
                       the writes, and each page's commit of hashes, counts and checkpoint
  path, all unchanged  the same path once the state holds every record's hash
  run, all unchanged   a full refresh that finds nothing to write

Rates are records per CPU second of this process (`time.process_time`: the engine works on
one thread here), so other work on a shared machine does not distort them; wall-clock seconds
are kept in the JSON too. Making the records is timed apart and left out of every rate.
Memory is the tracemalloc peak of a whole run at 50k, 100k and 200k records: streamed pages
keep it flat. Prints a table (`--out FILE` keeps the figures as JSON). Target: the path at
50,000 records/s or more on one core.
"""

from __future__ import annotations

import asyncio
import os
import platform
import tempfile
import time
import tracemalloc
import unicodedata
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Console
from rich.table import Table

from bench.options import parse, write
from hub.config.schema import Pipeline
from hub.connector import (
    CheckResult,
    Connector,
    ConnectorSettings,
    Record,
    Sink,
    Stream,
    WriteMode,
    WriteResult,
)
from hub.engine import Plan, SyncEngine
from hub.mapping import load_mapping
from hub.model import Contact, canonical_fields
from hub.plugin.host import default_host
from hub.store import StateStore

RECORDS = 200_000
PAGE_SIZE = 1_000
BATCH_SIZE = 500
MEMORY_SIZES = (50_000, 100_000, 200_000)
TARGET = 50_000  # records/s through the path, one core
MAPPING = Path(__file__).resolve().parents[1] / "mappings" / "shop" / "customers.yaml"

T0 = datetime(2026, 1, 5, 8, 0)
FIRST = ("Olivia", "Liam", "Emma", "Noah", "Chloé", "Jonas", "Zoë", "Hiro", "Aisha", "Diego")
LAST = ("Smith", "Garcia", "Müller", "Dubois", "Tanaka", "O'Brien", "van Dijk", "Nguyen")
ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London")
# area codes whose 555 numbers are all valid: with four digits after, 200,000 distinct phones
AREAS = (201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219,
         224, 225, 228)


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def customer(i: int, phones: bool) -> Record:
    """Shop customer `i` as the shop's table gives it: untidy emails, local phone numbers.
    Names keep their accents; addresses are ASCII, as nearly all real ones are (an address
    with accents takes email-validator's slower path: see bench.mapping's contact set)."""
    first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
    email = _ascii(f"{first}.{last}.{i}@example.com").replace(" ", "").replace("'", "")
    return {
        "id": i, "email": f"  {email} " if i % 7 == 0 else email.lower(),
        "first_name": first, "last_name": last,
        "phone": f"({AREAS[i % len(AREAS)]}) 555-{i // len(AREAS) % 10_000:04d}"
        if phones else None,
        "country": "US", "time_zone": ZONES[i % len(ZONES)],
        "created_at": T0 - timedelta(days=i % 700), "updated_at": T0 + timedelta(seconds=i),
    }


def pages(total: int, phones: bool) -> Iterator[list[Record]]:
    for start in range(0, total, PAGE_SIZE):
        yield [customer(i, phones) for i in range(start, min(total, start + PAGE_SIZE))]


@dataclass
class Clock:
    """CPU and wall-clock seconds, summed over the spans measured."""

    cpu: float = 0.0
    wall: float = 0.0

    @contextmanager
    def span(self) -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            self.cpu += time.process_time() - cpu
            self.wall += time.perf_counter() - wall


class MemoryStream(Stream):
    """Makes its records page by page, and keeps the time that took apart from the engine's."""

    def __init__(self, total: int, phones: bool) -> None:
        self.name, self.primary_key, self.cursor_field = "customers", ("id",), "updated_at"
        self.total, self.phones, self.making = total, phones, Clock()

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        made = pages(self.total, self.phones)
        while True:
            with self.making.span():
                page = next(made, None)
            if page is None:
                return
            yield page


class AcceptingSink(Sink):
    """Takes every batch at once: what is timed is the engine, not a destination."""

    name, batch_size = "contacts", BATCH_SIZE

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        return [WriteResult.ok(created=True) for _ in records]


class Memory(Connector[ConnectorSettings]):
    id: ClassVar[str] = "memory"

    async def check(self) -> CheckResult:
        return CheckResult(True, "in memory")


def make_plan(stream: MemoryStream) -> Plan:
    mapping = load_mapping(MAPPING, transforms=default_host().transforms,
                           target_fields=canonical_fields)
    pipeline = Pipeline.model_validate({
        "source": {"connection": "shop", "stream": "customers"},
        "destination": {"connection": "store", "object": "contacts"}})
    ends = Memory(ConnectorSettings())
    return Plan("bench_customers", pipeline, ends, stream, ends, AcceptingSink(), mapping,
                Contact)


@dataclass
class Rate:
    data: str
    step: str
    records: int
    cpu_seconds: float
    wall_seconds: float

    @property
    def per_second(self) -> float:
        return self.records / self.cpu_seconds


def time_path(engine: SyncEngine, plan: Plan, total: int, phones: bool) -> Clock:
    """Time spent in the engine's record path over every page (making them not counted)."""
    clock = Clock()
    for page in pages(total, phones):
        with clock.span():
            engine._prepare(plan, page)
    return clock


def time_run(engine: SyncEngine, stream: MemoryStream, *, full_refresh: bool) -> Clock:
    stream.making, clock = Clock(), Clock()
    with clock.span():
        result = asyncio.run(engine.run(make_plan(stream), full_refresh=full_refresh))
    assert result.status == "succeeded", result.error
    assert result.counts["read"] == stream.total
    return Clock(clock.cpu - stream.making.cpu, clock.wall - stream.making.wall)


def rate(data: str, step: str, total: int, clock: Clock) -> Rate:
    return Rate(data, step, total, clock.cpu, clock.wall)


def bench_rates(phones: bool, total: int = RECORDS) -> list[Rate]:
    data = "with phones" if phones else "without phones"
    with tempfile.TemporaryDirectory() as folder:
        store = StateStore(f"sqlite:///{Path(folder) / 'hub.db'}")
        store.upgrade()
        try:
            engine = SyncEngine(store)
            stream = MemoryStream(total, phones)
            plan = make_plan(stream)
            # in this order: the first run fills the state the unchanged steps diff against
            rates = [rate(data, "path, all new", total, time_path(engine, plan, total, phones)),
                     rate(data, "run, all new", total,
                          time_run(engine, stream, full_refresh=False)),
                     rate(data, "path, all unchanged", total,
                          time_path(engine, plan, total, phones)),
                     rate(data, "run, all unchanged", total,
                          time_run(engine, stream, full_refresh=True))]
        finally:
            store.close()
    return rates


def peak_memory(total: int) -> float:
    """MiB: the tracemalloc peak of one whole run over `total` new records."""
    with tempfile.TemporaryDirectory() as folder:
        store = StateStore(f"sqlite:///{Path(folder) / 'hub.db'}")
        store.upgrade()
        try:
            engine, stream = SyncEngine(store), MemoryStream(total, phones=False)
            tracemalloc.start()
            try:
                asyncio.run(engine.run(make_plan(stream)))
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        finally:
            store.close()
    return peak / 2**20


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    console = Console()
    console.print(f"{RECORDS:,} shop customers through {MAPPING.parent.name}/{MAPPING.name} "
                  f"into canonical.Contact, pages of {PAGE_SIZE:,}, one core")
    rates = bench_rates(phones=False) + bench_rates(phones=True)
    memory = {size: peak_memory(size) for size in MEMORY_SIZES}

    table = Table(title="Sync engine: records per CPU second, no network")
    for column in ("data", "step", "records/s", "µs/record", "target"):
        table.add_column(column, justify="left" if column in ("data", "step") else "right")
    for rate in rates:
        target = ""
        if rate.step.startswith("path"):
            target = f"≥ {TARGET:,} " + ("ok" if rate.per_second >= TARGET else "below")
        table.add_row(rate.data, rate.step, f"{rate.per_second:,.0f}",
                      f"{1e6 / rate.per_second:.1f}", target)
    console.print(table)
    memory_table = Table(title="Peak Python memory of a whole run (tracemalloc)")
    memory_table.add_column("records", justify="right")
    memory_table.add_column("peak MiB", justify="right")
    for size, mib in memory.items():
        memory_table.add_row(f"{size:,}", f"{mib:.1f}")
    console.print(memory_table)

    report = {
        "records": RECORDS, "page_size": PAGE_SIZE, "batch_size": BATCH_SIZE,
        "mapping": f"mappings/shop/{MAPPING.name}", "target_records_per_second": TARGET,
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "machine": platform.machine()},
        "rates": [{**asdict(r), "records_per_second": round(r.per_second)} for r in rates],
        "peak_memory_mib": {str(size): round(mib, 2) for size, mib in memory.items()},
    }
    write(args.out, report, console)


if __name__ == "__main__":
    main()
