"""`hub worker` against the real brokers: the trigger subscribers, and a worker killed with
SIGKILL mid-stream losing nothing and applying nothing twice."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from hub.app import Hub
from hub.model import Cart, CartItem
from hub.model.events import CART_UPDATED, DomainEvent
from hub.store import StateStore
from hub.store import tables as t
from tests.stream.procs import hub_process, processed, stop, wait_until

N = 120
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def write_project(tmp: Path, tenant: str, broker_url: str | None) -> Path:
    config = tmp / "hub.yaml"
    broker = f"broker: {{url: '{broker_url}'}}\n" if broker_url else ""
    config.write_text(f"tenant: {tenant}\nstore: {{url: 'sqlite:///{tmp / 'hub.db'}'}}\n"
                      f"{broker}triggers:\n"
                      "  cart_reminder: {kind: abandoned_cart, template: cart-reminder}\n")
    return config


def cart_events(tenant: str, n: int) -> list[DomainEvent]:
    events = []
    for i in range(n):
        cart = Cart(id=f"cart{i}", contact_id=f"c{i}", status="active", tenant=tenant,
                    updated_at=T0 + timedelta(seconds=i), items=[CartItem(
                        sku="ACC-1", category="Accessories", quantity=1,
                        unit_price=Decimal(30))])
        events.append(DomainEvent(type=CART_UPDATED, tenant=tenant, key=cart.id,
                                  payload=cart.model_dump(mode="json")))
    return events


def pending_reminders(store: StateStore) -> list[str]:
    ex = t.trigger_executions.c
    with store.engine.connect() as conn:
        return sorted(conn.execute(sa.select(ex.contact_id).where(
            ex.trigger == "cart_reminder", ex.status == "pending")).scalars())


async def test_a_killed_worker_loses_nothing_and_applies_nothing_twice(
        tmp_path: Path, tenant: str, broker_url: str) -> None:
    config = write_project(tmp_path, tenant, broker_url)
    with Hub(config) as hub:
        store = hub.store()
        with store.transaction() as tx:
            tx.outbox.append_events(cart_events(tenant, N))
        relay = hub.streams.relay()
        try:
            assert (await relay.drain()).sent == N
        finally:
            await relay.aclose()
        consumer = f"triggers:{tenant}"
        log = tmp_path / "worker.log"
        args = ("worker", "--ack-wait", "2", "--claim-after", "1")

        first = hub_process(config, *args, log=log)
        second = None
        try:
            wait_until("the first worker applied some events",
                       lambda: processed(store, consumer) > 5)
            assert stop(first, signal.SIGKILL) == -signal.SIGKILL

            second = hub_process(config, *args, log=log)
            wait_until(f"all {N} events applied",
                       lambda: processed(store, consumer) >= N or second.poll() is not None)
            assert stop(second) == 0, log.read_text()
        finally:
            for proc in (first, second):
                if proc is not None:
                    stop(proc, signal.SIGKILL)
        assert processed(store, consumer) == N
        # one pending reminder per cart: each event's effect exactly once
        assert pending_reminders(store) == sorted(f"c{i}" for i in range(N))


def test_a_worker_without_a_broker_is_refused(tmp_path: Path, tenant: str) -> None:
    from hub.cli import main

    config = write_project(tmp_path, tenant, None)
    assert main(["-c", str(config), "worker"]) == 2
