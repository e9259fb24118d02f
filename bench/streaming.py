"""Benchmark of the streaming path: outbox commit → relay → real broker → worker → inbox.

Run with `python -m bench.streaming [--broker nats|rabbitmq|redis] [--events N]`. Commits N
events (default 5,000) to a SQLite outbox in transactions of 100 while the relay sends them
and an in-process worker consumes them through the inbox; reports the events per second end
to end and the latency from each event's commit to its handler (p50, p99), and checks that
every event was applied exactly once. Writes the figures as JSON with `--out FILE`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.options import parse, write
from hub.model.events import CART_UPDATED, DomainEvent
from hub.store import StateStore, Tx
from hub.stream.broker import BrokerPublisher
from hub.stream.consumers import Consumer, with_inbox
from hub.stream.relay import OutboxRelay
from hub.stream.worker import WorkerOptions, run_worker
from hub.testing.services import service_url

CHUNK = 100


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", choices=["nats", "rabbitmq", "redis"], default="nats")
    parser.add_argument("--events", type=int, default=5_000)


async def run(url: str, n: int, store: StateStore) -> dict[str, float]:
    tenant = f"bench{uuid.uuid4().hex[:8]}"
    latencies: list[float] = []

    all_applied = asyncio.Event()
    loop = asyncio.get_running_loop()

    def effect(_tx: Tx, event: DomainEvent) -> None:
        latencies.append((datetime.now(UTC) - event.occurred_at).total_seconds() * 1000)
        if len(latencies) == n:
            loop.call_soon_threadsafe(all_applied.set)

    consumer = Consumer.of("bench", {CART_UPDATED}, with_inbox(store, "bench", effect))
    stop = asyncio.Event()
    worker = asyncio.ensure_future(run_worker(url, tenant, [consumer], stop,
                                              WorkerOptions(batch=100)))
    publisher = BrokerPublisher(url, {"bench": [CART_UPDATED]})
    relay = OutboxRelay(store, publisher, batch=CHUNK)
    relaying = asyncio.ensure_future(relay.run(stop, poll=0.01))
    started = time.perf_counter()
    for first in range(0, n, CHUNK):
        with store.transaction() as tx:
            tx.outbox.append_events(DomainEvent(type=CART_UPDATED, tenant=tenant,
                                                key=f"cart{i % 50}", payload={"i": i})
                                    for i in range(first, min(first + CHUNK, n)))
        await asyncio.sleep(0)
    await all_applied.wait()
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(worker, relaying)
    await relay.aclose()
    cuts = statistics.quantiles(latencies, n=100)
    return {"events": n, "seconds": elapsed, "events_per_s": n / elapsed,
            "p50_ms": cuts[49], "p99_ms": cuts[98], "applied": len(latencies)}


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv, options)
    logging.getLogger("faststream").setLevel(logging.WARNING)  # a line per message otherwise
    console = Console()
    url = service_url({"rabbitmq": "rabbitmq"}.get(args.broker, args.broker))
    with tempfile.TemporaryDirectory() as tmp:
        store = StateStore(f"sqlite:///{Path(tmp) / 'hub.db'}")
        store.ensure_schema()
        figures = asyncio.run(run(url, args.events, store))
        store.close()
    table = Table(title=f"streaming through {args.broker}")
    for key in figures:
        table.add_column(key)
    table.add_row(*(f"{v:,.1f}" for v in figures.values()))
    console.print(table)
    write(args.out, {"broker": args.broker, **figures}, console)


if __name__ == "__main__":
    main()
