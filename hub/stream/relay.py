"""The outbox relay: unrelayed events, in append order, to the broker, marked after its ack.

On PostgreSQL one relay sends at a time (an advisory lock held for one batch), so events
leave in the order they were committed and each key's events stay in order, however many
daemons run. SQLite's only lock would stop every writer while the broker answers, so there
the relay takes none: one daemon per SQLite store relays. An event is marked only
once the broker acknowledged it; when the broker is away the batch stops at the first failure,
what was acknowledged is marked, and the rest waits in the outbox for the next attempt. A crash
between the ack and the mark re-sends: consumers drop the copy by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hub.model.events import DomainEvent
from hub.store import StateStore

log = logging.getLogger(__name__)

Send = Callable[[DomainEvent], Awaitable[None]]
Close = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class RelayPass:
    sent: int
    error: str | None = None


class OutboxRelay:
    """`exclusive` (with a broker, on PostgreSQL) holds the relay lock for each batch.
    Otherwise (embedded mode, where `send` runs the consumers and they write to the store
    themselves, or SQLite) no transaction stays open while sending; another relay may then
    send an event too, which the consumers' inbox makes harmless."""

    def __init__(self, store: StateStore, send: Send, *, batch: int = 200,
                 exclusive: bool = True, close: Close | None = None) -> None:
        self.store, self.send, self.batch, self.exclusive = store, send, batch, exclusive
        self._close = close

    async def aclose(self) -> None:
        """Let go of the broker connection."""
        if self._close is not None:
            await self._close()

    async def relay_once(self) -> RelayPass:
        """Send one batch; never raises for a broker failure (it is in the result)."""
        if not self.exclusive or self.store.backend != "postgresql":
            return await self._unlocked()
        with self.store.transaction() as tx:
            tx.outbox.lock_relay()
            sent, error = await self._send(tx.outbox.pending_events(self.batch))
            tx.outbox.mark_relayed(sent)
        return RelayPass(len(sent), error)

    async def _unlocked(self) -> RelayPass:
        with self.store.transaction() as tx:
            pending = tx.outbox.pending_events(self.batch)
        sent, error = await self._send(pending)
        with self.store.transaction() as tx:
            tx.outbox.mark_relayed(sent)
        return RelayPass(len(sent), error)

    async def _send(self, pending: list[tuple[int, DomainEvent]]) -> tuple[list[int], str | None]:
        """Send in order until the first failure: the seqs sent, and the failure."""
        sent: list[int] = []
        for seq, event in pending:
            try:
                await self.send(event)
            except Exception as exc:  # the broker is away: keep the rest for later
                return sent, f"{type(exc).__name__}: {exc}"
            sent.append(seq)
        return sent, None

    async def drain(self) -> RelayPass:
        """Relay until the outbox is empty or the broker fails."""
        total = 0
        while True:
            one = await self.relay_once()
            total += one.sent
            if one.error or one.sent < self.batch:
                return RelayPass(total, one.error)

    async def run(self, stop: asyncio.Event, *, poll: float = 0.2, backoff: float = 5.0) -> None:
        """Relay until `stop` is set: poll while idle, back off while the broker is away."""
        while not stop.is_set():
            one = await self.drain()
            if one.error:
                log.warning("outbox relay: the broker failed (%s); %d sent, retrying",
                            one.error, one.sent)
            wait = backoff if one.error else poll
            if one.sent and not one.error:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
