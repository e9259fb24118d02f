"""The outbox relay against the real brokers: every event once, in order, only after the ack."""

from __future__ import annotations

from hub.model.events import CART_UPDATED, DomainEvent
from hub.store import StateStore
from hub.stream.broker import BrokerPublisher
from hub.stream.relay import OutboxRelay
from hub.stream.topology import Route
from tests.stream.brokers import read_back, unreachable

N = 60


def _write(store: StateStore, tenant: str, n: int = N) -> list[DomainEvent]:
    events = [DomainEvent(type=CART_UPDATED, tenant=tenant, key=f"cart-{i % 5}",
                          payload={"n": i}) for i in range(n)]
    with store.transaction() as tx:
        tx.outbox.append_events(events)
    return events


def _unrelayed(store: StateStore) -> int:
    with store.transaction() as tx:
        return tx.outbox.unrelayed_count()


async def test_every_event_is_published_once_in_order(store: StateStore, tenant: str,
                                                       broker_url: str) -> None:
    events = _write(store, tenant)
    publisher = BrokerPublisher(broker_url, {"probe": [CART_UPDATED]})
    try:
        result = await OutboxRelay(store, publisher, batch=25).drain()
    finally:
        await publisher.close()
    assert (result.sent, result.error) == (N, None)
    assert _unrelayed(store) == 0
    got = await read_back(broker_url, Route("probe", tenant, CART_UPDATED), N)
    assert [e.id for e in got] == [e.id for e in events]
    assert got[7] == events[7]  # the envelope arrives whole


async def test_an_unreachable_broker_marks_nothing_and_the_relay_catches_up(
        store: StateStore, tenant: str, broker_url: str) -> None:
    events = _write(store, tenant)
    away = BrokerPublisher(unreachable(broker_url), {"probe": [CART_UPDATED]})
    result = await OutboxRelay(store, away).drain()
    await away.close()
    assert result.sent == 0
    assert result.error
    assert _unrelayed(store) == N  # held in the outbox

    back = BrokerPublisher(broker_url, {"probe": [CART_UPDATED]})
    try:
        result = await OutboxRelay(store, back).drain()
    finally:
        await back.close()
    assert (result.sent, result.error, _unrelayed(store)) == (N, None, 0)
    got = await read_back(broker_url, Route("probe", tenant, CART_UPDATED), N)
    assert [e.id for e in got] == [e.id for e in events]
