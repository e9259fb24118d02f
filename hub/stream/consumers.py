"""Consumers: what a worker runs for each event, made harmless to redeliver.

Brokers deliver at least once: a worker killed after its effect but before its ack, or a relay
that crashed between the ack and its mark, delivers an event again. The inbox
(`processed_events`, keyed by consumer and event id) is written in the same transaction as the
effect, so a copy finds its id there and is acknowledged without acting twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hub.model.events import DomainEvent
from hub.store import StateStore, Tx

Handle = Callable[[DomainEvent], bool]
Effect = Callable[[Tx, DomainEvent], None]


@dataclass(frozen=True)
class Consumer:
    """`handle` applies one event and says whether it was new (False: a redelivery)."""

    name: str
    types: frozenset[str]
    handle: Handle

    @classmethod
    def of(cls, name: str, types: Iterable[str], handle: Handle) -> Consumer:
        return cls(name, frozenset(types), handle)


def with_inbox(store: StateStore, consumer: str, effect: Effect) -> Handle:
    """`effect` run at most once per event id, in the transaction that records the id."""

    def handle(event: DomainEvent) -> bool:
        with store.transaction() as tx:
            if not tx.outbox.claim_event(consumer, event.id):
                return False
            effect(tx, event)
        return True

    return handle


def subscriptions(consumers: Iterable[Consumer]) -> dict[str, frozenset[str]]:
    return {c.name: c.types for c in consumers}
