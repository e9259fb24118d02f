"""A faststream broker for a URL, the topology it needs, and publishing with the broker's ack.

Publishing returns only once the broker has the message durably: a JetStream PubAck, a
RabbitMQ publisher confirm (persistent message), a Redis XADD reply. Declaring the topology
before the first publish means no event lands where no consumer will ever look: the queues and
consumer groups exist, reading from the start, before the relay sends anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from hub.model.events import DomainEvent
from hub.stream.topology import EXCHANGE, BrokerKind, Route, broker_kind, jetstream_name, subject

GRACEFUL_TIMEOUT = 30.0  # seconds a stopping worker waits for its in-flight handlers


def make_broker(url: str, *, retry_forever: bool = True) -> Any:
    """The faststream broker of the URL's kind (not connected yet). Without `retry_forever`
    (the relay, which reconnects on its own schedule) a NATS connect gives up quickly."""
    kind = broker_kind(url)
    if kind is BrokerKind.NATS:
        from faststream.nats import NatsBroker

        return NatsBroker(url, graceful_timeout=GRACEFUL_TIMEOUT,
                          max_reconnect_attempts=-1 if retry_forever else 1,
                          reconnect_time_wait=1)
    if kind is BrokerKind.RABBIT:
        from faststream.rabbit import Channel, RabbitBroker

        return RabbitBroker(url, graceful_timeout=GRACEFUL_TIMEOUT,
                            default_channel=Channel(prefetch_count=16))
    if kind is BrokerKind.REDIS:
        from faststream.redis import RedisBroker

        return RedisBroker(url, graceful_timeout=GRACEFUL_TIMEOUT)
    from faststream.kafka import KafkaBroker

    return KafkaBroker(url.removeprefix("kafka://"), graceful_timeout=GRACEFUL_TIMEOUT)


def rabbit_exchange() -> Any:
    from faststream.rabbit import ExchangeType, RabbitExchange

    return RabbitExchange(EXCHANGE, type=ExchangeType.TOPIC, durable=True)


def rabbit_queue(route: Route) -> Any:
    from faststream.rabbit import RabbitQueue

    return RabbitQueue(route.durable, durable=True, routing_key=route.subject)


async def declare(broker: Any, url: str, tenant: str, routes: Iterable[Route]) -> None:
    """Create the stream, exchange, queues and consumer groups the routes read from."""
    kind = broker_kind(url)
    routes = list(routes)
    if kind is BrokerKind.NATS:
        js = broker.connection.jetstream()
        await js.add_stream(name=jetstream_name(tenant), subjects=[f"hub.{tenant}.>"])
    elif kind is BrokerKind.RABBIT:
        exchange = await broker.declare_exchange(rabbit_exchange())
        for route in routes:
            queue = await broker.declare_queue(rabbit_queue(route))
            await queue.bind(exchange, routing_key=route.subject)
    elif kind is BrokerKind.REDIS:
        client = await broker.connect()
        for route in routes:
            try:  # from the stream's start: events relayed before any worker ran are kept
                await client.xgroup_create(route.subject, route.durable, id="0", mkstream=True)
            except Exception as exc:  # redis's ResponseError; BUSYGROUP: it exists already
                if "BUSYGROUP" not in str(exc):
                    raise


async def publish(broker: Any, url: str, event: DomainEvent) -> None:
    """Send one event and return once the broker acknowledged it."""
    kind = broker_kind(url)
    body = event.model_dump_json().encode()
    to = subject(event.tenant, event.type)
    if kind is BrokerKind.NATS:
        # the event id lets JetStream drop a copy re-sent after a crash before the mark
        await broker.publish(body, to, stream=jetstream_name(event.tenant),
                             headers={"Nats-Msg-Id": event.id}, timeout=10.0)
    elif kind is BrokerKind.RABBIT:
        await broker.publish(body, exchange=rabbit_exchange(), routing_key=to, persist=True,
                             message_id=event.id, mandatory=False, timeout=10.0)
    elif kind is BrokerKind.REDIS:
        await broker.publish(body, stream=to)
    else:
        await broker.publish(body, to, key=event.key.encode())


class BrokerPublisher:
    """The relay's sender: connects on first use, declares each tenant's topology once, and
    drops the connection after a failure so the next attempt starts afresh.

    `subscriptions` maps each consumer name to the event types it reads."""

    def __init__(self, url: str, subscriptions: Mapping[str, Iterable[str]]) -> None:
        self.url = url
        self.subscriptions = {name: sorted(types) for name, types in subscriptions.items()}
        self._broker: Any = None
        self._declared: set[str] = set()

    def routes(self, tenant: str) -> list[Route]:
        return [Route(name, tenant, t) for name, types in self.subscriptions.items()
                for t in types]

    async def __call__(self, event: DomainEvent) -> None:
        try:
            if self._broker is None:
                broker = make_broker(self.url, retry_forever=False)
                await broker.connect()
                self._broker = broker
            if event.tenant not in self._declared:
                await declare(self._broker, self.url, event.tenant, self.routes(event.tenant))
                self._declared.add(event.tenant)
            await publish(self._broker, self.url, event)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        broker, self._broker = self._broker, None
        self._declared.clear()
        if broker is not None:
            # a broken connection may not close cleanly: it is gone anyway
            with contextlib.suppress(Exception):
                await broker.stop()
