"""Embedded mode (no broker: the daemon's relay applies events itself) and Kafka, which has no
server here and is covered by faststream's in-memory test broker only."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from faststream.kafka import TestKafkaBroker

from hub.app import Hub
from hub.model.events import CART_UPDATED, ORDER_CREATED
from hub.store import StateStore
from hub.store import tables as t
from hub.stream.consumers import Consumer, with_inbox
from hub.stream.worker import build_worker
from tests.stream.procs import processed
from tests.stream.test_worker import cart_events, pending_reminders, write_project


async def test_embedded_mode_applies_the_outbox_once_without_a_broker(
        tmp_path: Path, tenant: str) -> None:
    with Hub(write_project(tmp_path, tenant, None)) as hub:
        store = hub.store()
        events = cart_events(tenant, 12)
        with store.transaction() as tx:
            tx.outbox.append_events(events)
        assert (await hub.streams.relay().drain()).sent == 12
        with store.transaction() as tx:  # as if the relay crashed before its marks
            tx.conn.execute(sa.update(t.outbox).values(relayed_at=None))
        assert (await hub.streams.relay().drain()).sent == 12  # applied again: harmless
        assert processed(store, f"triggers:{tenant}") == 12
        assert pending_reminders(store) == sorted(f"c{i}" for i in range(12))
        # every event marked: a second pass has nothing to do
        assert (await hub.streams.relay().drain()).sent == 0


async def test_kafka_subscribers_apply_each_event_once(store: StateStore, tenant: str) -> None:
    applied: list[str] = []
    handle = with_inbox(store, "probe", lambda _tx, event: applied.append(event.id))
    consumer = Consumer.of("probe", {CART_UPDATED, ORDER_CREATED}, handle)
    broker = build_worker("kafka://127.0.0.1:9092", tenant, [consumer])
    [event] = cart_events(tenant, 1)
    async with TestKafkaBroker(broker) as test:
        for _ in range(2):  # delivered twice: applied once
            await test.publish(event.model_dump_json().encode(), f"hub.{tenant}.{CART_UPDATED}")
    assert applied == [event.id]
