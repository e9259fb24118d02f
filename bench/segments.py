"""Benchmark of RFM scoring and segment evaluation at scale, on SQLite and PostgreSQL.

Run with `python -m bench.segments [--contacts N] [--backend sqlite|postgres]`. Generates
N contacts (default 1,000,000) and 5·N orders (one line each, 30% with a promotion) inside
the database itself (INSERT … SELECT over a recursive CTE on SQLite, generate_series on
PostgreSQL), then times the nightly RFM snapshot and the evaluation of each of the seed's
five segments (examples/segments.yaml: ids fetched, as a refresh does), prints a table and
writes them as JSON with `--out FILE`. Targets: RFM < 30 s, < 5 s per segment at 1M contacts.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from bench.options import parse, write
from examples.shop import ANCHOR
from hub.marketing.common import epoch_seconds, fixed_clock
from hub.marketing.rfm import take_snapshot
from hub.marketing.segments.definitions import load_segment_file
from hub.marketing.segments.membership import SegmentService
from hub.store import StateStore
from hub.testing.services import service_url

TENANT = "bench"
ORDERS_PER_CONTACT = 5
SEGMENTS_FILE = Path(__file__).parents[1] / "examples" / "segments.yaml"
TARGET_RFM_SECONDS = 30.0
TARGET_SEGMENT_SECONDS = 5.0
CATEGORIES = ("Apparel", "Footwear", "Accessories", "Home", "Beauty")
SPAN_SECONDS = 730 * 86_400  # orders spread over two years before the anchor
LOADED = ("contacts", "consents", "suppressions", "orders", "order_lines", "applied_promotions")

T = TypeVar("T")


@dataclass
class BackendResult:
    backend: str
    contacts: int
    orders: int
    generate_seconds: float
    rfm_seconds: float = 0.0
    rfm_rows: int = 0
    rfm_complete: bool = False
    segments: dict[str, dict[str, float | int]] = field(default_factory=dict)
    refreshes: dict[str, dict[str, float | int]] = field(default_factory=dict)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    outcome = action()
    return outcome, time.perf_counter() - started


def _hash(n: str, multiplier: int) -> str:
    # a cheap, portable pseudo-random spread of a row number (Knuth's multiplicative hash)
    return f"(({n} * {multiplier}) % 4294967296)"


def _mixed(n: str, multiplier: int) -> str:
    """A better-mixed 32-bit hash: multiply, xor-shift (spelled with | and &, which both
    databases have), multiply again. Consecutive n no longer land on regular strides."""
    h = _hash(n, multiplier)
    shifted = f"({h} >> 15)"
    return _hash(f"(({h} | {shifted}) - ({h} & {shifted}))", 1103515245)


def _buyer(n: str, contacts: int) -> str:
    """Which contact places order n: 60% spread evenly (about Poisson: some buy once, some
    never), 40% skewed towards a loyal head (index ~ N * u^2)."""
    h = _mixed(n, 2654435761)
    u = f"({h} >> 16)"
    return (f"(1 + CASE WHEN {_hash(n, 40503)} % 10 < 6 THEN {h} % {contacts} "
            f"ELSE ({u} * {u} / 65536) * {contacts} / 65536 END)")


def _generate(conn: sa.Connection, contacts: int) -> None:
    """Fill the store's tables for TENANT, entirely inside the database."""
    sqlite = conn.dialect.name == "sqlite"
    anchor = epoch_seconds(ANCHOR)

    def stamp(seconds_before: str) -> str:
        if sqlite:  # the layout SQLAlchemy stores datetimes in on SQLite
            return (f"(strftime('%Y-%m-%d %H:%M:%S', {anchor} - ({seconds_before}), "
                    "'unixepoch') || '.000000')")
        return f"to_timestamp({anchor} - ({seconds_before}))"

    def numbers(count: int) -> str:
        if sqlite:
            return (f"(WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq "
                    f"WHERE n < {count}) SELECT n FROM seq)")
        return f"(SELECT n FROM generate_series(CAST(1 AS BIGINT), {count}) AS n)"

    money = "" if sqlite else "::numeric"
    category = "CASE {h} % 5 " + " ".join(
        f"WHEN {i} THEN '{c}'" for i, c in enumerate(CATEGORIES)) + " END"
    orders = contacts * ORDERS_PER_CONTACT
    statements = [
        f"""INSERT INTO contacts (tenant, id, email, created_at, properties, external_ids)
            SELECT '{TENANT}', 'c' || n, 'c' || n || '@example.com',
                   {stamp(_hash('n', 40503) + f' % {SPAN_SECONDS}')}, '{{}}', '{{}}'
            FROM {numbers(contacts)} AS seq""",
        f"""INSERT INTO consents (tenant, contact_id, channel, topic, status, source, recorded_at)
            SELECT '{TENANT}', 'c' || n, 'email', '',
                   CASE WHEN n % 10 = 0 THEN 'opted_out' ELSE 'opted_in' END, 'bench',
                   {stamp('0')}
            FROM {numbers(contacts)} AS seq""",
        f"""INSERT INTO suppressions (tenant, contact_id, channel, reason, recorded_at)
            SELECT '{TENANT}', 'c' || n, 'email', 'hard_bounced', {stamp('0')}
            FROM {numbers(contacts)} AS seq WHERE n % 100 = 7""",
        f"""INSERT INTO orders (tenant, id, contact_id, status, currency, total, discount,
                                placed_at)
            SELECT '{TENANT}', 'o' || n, 'c' || {_buyer('n', contacts)},
                   CASE WHEN {_hash('n', 2246822519)} % 100 < 85 THEN 'completed'
                        WHEN {_hash('n', 2246822519)} % 100 < 93 THEN 'paid'
                        WHEN {_hash('n', 2246822519)} % 100 < 97 THEN 'refunded'
                        ELSE 'cancelled' END,
                   'USD', (5 + ({_hash('n', 3266489917)} % 30000) / 100.0){money}, 0{money},
                   {stamp(_hash('n', 668265263) + f' % {SPAN_SECONDS}')}
            FROM {numbers(orders)} AS seq""",
        f"""INSERT INTO order_lines (tenant, order_id, line_no, sku, category, quantity,
                                     unit_price)
            SELECT '{TENANT}', 'o' || n, 1, 'sku-' || ({_hash('n', 374761393)} % 40),
                   {category.format(h=_hash('n', 374761393))}, 1,
                   (5 + ({_hash('n', 3266489917)} % 30000) / 100.0){money}
            FROM {numbers(orders)} AS seq""",
        f"""INSERT INTO applied_promotions (tenant, order_id, promotion_id, code, discount)
            SELECT '{TENANT}', 'o' || n, 'p' || ({_hash('n', 1103515245)} % 5), 'CODE', 5{money}
            FROM {numbers(orders)} AS seq WHERE {_hash('n', 1103515245)} % 10 < 3""",
    ]
    for statement in statements:
        conn.execute(sa.text(statement))
    if sqlite:
        conn.execute(sa.text("ANALYZE"))


def _settle(store: StateStore) -> None:
    """What a database looks like some time after a bulk load: statistics gathered and, on
    PostgreSQL, the visibility map set (autovacuum's work), which index-only scans need."""
    if store.backend == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"VACUUM ANALYZE {', '.join(LOADED)}"))


@contextmanager
def _store(backend: str) -> Iterator[StateStore]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
            store = StateStore(f"sqlite:///{Path(folder) / 'hub.db'}")
            store.upgrade()
            try:
                yield store
            finally:
                store.close()
        return
    base = service_url("postgres")
    schema = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    store = StateStore(f"{base}{sep}options=-csearch_path%3D{schema}")
    try:
        store.upgrade()
        yield store
    finally:
        store.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_backend(backend: str, contacts: int, console: Console) -> BackendResult:
    segments = load_segment_file(SEGMENTS_FILE)
    with _store(backend) as store:
        console.print(f"[{backend}] generating {contacts:,} contacts and "
                      f"{contacts * ORDERS_PER_CONTACT:,} orders …")
        def load() -> None:
            with store.engine.begin() as conn:
                _generate(conn, contacts)
            _settle(store)

        _, generate_seconds = timed(load)
        result = BackendResult(backend, contacts, contacts * ORDERS_PER_CONTACT,
                               generate_seconds)
        report, result.rfm_seconds = timed(lambda: take_snapshot(store, TENANT, ANCHOR,
                                                                 segments.settings.rfm))
        result.rfm_rows, result.rfm_complete = report.rows, report.complete
        console.print(f"[{backend}] RFM snapshot: {report.rows:,} rows in "
                      f"{result.rfm_seconds:.1f} s")
        service = SegmentService(store, segments, tenant=TENANT, clock=fixed_clock(ANCHOR))
        for definition in segments:
            ids, seconds = timed(partial(service.members, definition.name))
            result.segments[definition.name] = {"seconds": seconds, "members": len(ids)}
            console.print(f"[{backend}] {definition.name}: {len(ids):,} members in "
                          f"{seconds:.2f} s")
        # stored membership: the first refresh writes every entry (and its event), the
        # second finds nothing changed and writes nothing
        for attempt in ("first", "again"):
            refreshed, seconds = timed(partial(service.refresh, "vip"))
            result.refreshes[f"vip ({attempt})"] = {
                "seconds": seconds, "entered": len(refreshed.entered),
                "exited": len(refreshed.exited)}
            console.print(f"[{backend}] refresh vip ({attempt}): +{len(refreshed.entered):,} "
                          f"-{len(refreshed.exited):,} in {seconds:.2f} s")
    return result


def report(results: list[BackendResult], console: Console) -> None:
    table = Table("backend", "measure", "seconds", "rows / members", "target",
                  title=f"Segments and RFM at {results[0].contacts:,} contacts")
    for r in results:
        table.add_row(r.backend, "generate data", f"{r.generate_seconds:.1f}",
                      f"{r.orders:,} orders", "")
        ok = "ok" if r.rfm_seconds < TARGET_RFM_SECONDS else "MISSED"
        table.add_row(r.backend, "RFM snapshot", f"{r.rfm_seconds:.2f}", f"{r.rfm_rows:,}",
                      f"< {TARGET_RFM_SECONDS:.0f} s {ok}")
        for name, figures in r.segments.items():
            ok = "ok" if figures["seconds"] < TARGET_SEGMENT_SECONDS else "MISSED"
            table.add_row(r.backend, f"segment {name}", f"{figures['seconds']:.2f}",
                          f"{int(figures['members']):,}",
                          f"< {TARGET_SEGMENT_SECONDS:.0f} s {ok}")
        for name, figures in r.refreshes.items():
            table.add_row(r.backend, f"refresh {name}", f"{figures['seconds']:.2f}",
                          f"+{int(figures['entered']):,} -{int(figures['exited']):,}", "")
    console.print(table)


def main(argv: list[str] | None = None) -> None:
    def more(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--contacts", type=int, default=1_000_000)
        parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")

    args = parse(__doc__, argv, more)
    console = Console()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [run_backend(b, args.contacts, console) for b in backends]
    report(results, console)
    write(args.out, {
        "anchor": ANCHOR.isoformat(),
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "sqlalchemy": sa.__version__,
                        # other work on the machine slows every figure: say how much there was
                        "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "targets": {"rfm_seconds": TARGET_RFM_SECONDS,
                    "segment_seconds": TARGET_SEGMENT_SECONDS},
        "results": [asdict(r) for r in results],
    }, console)


if __name__ == "__main__":
    main()
