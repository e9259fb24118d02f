"""Streaming, composed: the consumers this hub runs, the outbox relay and the worker.

With `broker.url` in hub.yaml the relay sends the outbox to that broker and `hub worker`
processes consume it; without one (embedded mode) the relay hands each event straight to the
consumers in its own process, so the outbox itself is the queue.
"""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.app.core import Hub
    from hub.model.events import DomainEvent
    from hub.stream.consumers import Consumer
    from hub.stream.relay import OutboxRelay
    from hub.stream.worker import WorkerOptions


class Streams:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    @property
    def broker_url(self) -> str | None:
        broker = self.hub.config().config.broker if self.hub.has_config else None
        return broker.url if broker else None

    @cached_property
    def consumers(self) -> list[Consumer]:
        """The subscribers: first of all the real-time triggers (`cart.updated` schedules
        the abandoned-cart check, `order.created` cancels it, `customer.segmented` starts
        segment-entry sequences)."""
        from hub.marketing.triggers import TriggerEvents
        from hub.marketing.triggers.events import CONSUMER
        from hub.model.events import CART_UPDATED, CUSTOMER_SEGMENTED, ORDER_CREATED
        from hub.stream.consumers import Consumer

        events = TriggerEvents(self.hub.triggers())
        return [Consumer.of(CONSUMER, {CART_UPDATED, ORDER_CREATED, CUSTOMER_SEGMENTED},
                            lambda event: events.handle([event]) == 1)]

    def relay(self) -> OutboxRelay:
        from hub.stream.relay import OutboxRelay

        url = self.broker_url
        if url is None:
            return OutboxRelay(self.hub.store(), self._in_process, exclusive=False)
        from hub.stream.broker import BrokerPublisher
        from hub.stream.consumers import subscriptions

        publisher = BrokerPublisher(url, subscriptions(self.consumers))
        return OutboxRelay(self.hub.store(), publisher, close=publisher.close)

    async def _in_process(self, event: DomainEvent) -> None:
        for consumer in self.consumers:
            if event.type in consumer.types:
                await asyncio.to_thread(consumer.handle, event)

    def asyncapi(self) -> str:
        """The AsyncAPI document of the subscribers a worker runs (`hub streams docs`)."""
        from importlib.metadata import PackageNotFoundError, version

        from hub.stream.worker import asyncapi

        try:
            release = version("marketing-hub")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            release = "dev"
        return asyncapi(self._required_url(), self.hub.tenant, self.consumers, release)

    def _required_url(self) -> str:
        from hub.errors import ConfigError

        url = self.broker_url
        if url is None:
            raise ConfigError("hub.yaml names no broker (broker.url), so there is nothing for "
                              "a worker to consume: the daemon applies events itself")
        return url

    async def work(self, stop: asyncio.Event, options: WorkerOptions | None = None) -> None:
        """Consume the broker until `stop` is set (`hub worker`)."""
        from hub.stream.worker import run_worker

        url = self._required_url()
        self.hub.store()  # the schema is current before any handler writes
        await run_worker(url, self.hub.tenant, self.consumers, stop, options)
