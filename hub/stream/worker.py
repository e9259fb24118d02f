"""`hub worker`: the consumers as competing subscribers of the broker.

Every worker process joins the same durable place per consumer and event type (a JetStream
durable pull consumer, a RabbitMQ queue read with a prefetch, a Redis consumer group), so a
message goes to one of them. A message is acknowledged only after its handler committed; an
error nacks it for redelivery, and a worker that dies unacked leaves its messages to the
others (JetStream after `ack_wait`, RabbitMQ when the connection drops, Redis Streams when a
live consumer claims entries idle for `claim_after`).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.model.events import DomainEvent
from hub.stream.broker import declare, make_broker, rabbit_exchange, rabbit_queue
from hub.stream.consumers import Consumer
from hub.stream.topology import BrokerKind, Route, broker_kind, jetstream_name


@dataclass(frozen=True)
class WorkerOptions:
    ack_wait: float = 30.0  # seconds JetStream waits for an ack before redelivering
    claim_after: float = 30.0  # seconds a Redis entry stays idle before another worker takes it
    batch: int = 16  # messages fetched (JetStream) or prefetched (RabbitMQ) at once


def routes(consumers: Iterable[Consumer], tenant: str) -> list[tuple[Route, Consumer]]:
    return [(Route(c.name, tenant, t), c) for c in consumers for t in sorted(c.types)]


def build_worker(url: str, tenant: str, consumers: Iterable[Consumer],
                 options: WorkerOptions | None = None) -> Any:
    """A broker with one subscriber per consumer and event type (not started)."""
    options = options or WorkerOptions()
    broker = make_broker(url)
    for route, consumer in routes(consumers, tenant):
        _subscribe(broker, url, route, consumer, options)
    return broker


def _subscribe(broker: Any, url: str, route: Route, consumer: Consumer,
               options: WorkerOptions) -> None:
    from faststream import AckPolicy

    kind = broker_kind(url)
    policy = AckPolicy.NACK_ON_ERROR  # a failed handler's message is redelivered, not dropped
    title = f"{route.consumer}:{route.subject}"
    if kind is BrokerKind.NATS:
        from faststream.nats import ConsumerConfig, JStream, PullSub

        stream = JStream(name=jetstream_name(route.tenant), subjects=[f"hub.{route.tenant}.>"])
        subs = [broker.subscriber(route.subject, stream=stream, durable=route.durable,
                                  pull_sub=PullSub(batch_size=options.batch),
                                  config=ConsumerConfig(ack_wait=options.ack_wait),
                                  ack_policy=policy, title=title)]
    elif kind is BrokerKind.RABBIT:
        from faststream.rabbit import Channel

        subs = [broker.subscriber(rabbit_queue(route), rabbit_exchange(), ack_policy=policy,
                                  channel=Channel(prefetch_count=options.batch), title=title)]
    elif kind is BrokerKind.REDIS:
        from faststream.redis import StreamSub

        name = f"{socket.gethostname()}-{os.getpid()}"
        # XAUTOCLAIM reads only entries delivered and left unacknowledged (a dead worker's),
        # never new ones: a second reader of the group takes those over
        subs = [broker.subscriber(stream=StreamSub(route.subject, group=route.durable,
                                                   consumer=name),
                                  ack_policy=policy, title=title),
                broker.subscriber(stream=StreamSub(
                    route.subject, group=route.durable, consumer=f"{name}-claim",
                    min_idle_time=int(options.claim_after * 1000)),
                    ack_policy=policy, title=f"{title}:claim")]
    else:
        subs = [broker.subscriber(route.subject, group_id=route.durable, ack_policy=policy,
                                  title=title)]

    async def handle(event: DomainEvent) -> None:
        if event.type in consumer.types:
            await asyncio.to_thread(consumer.handle, event)

    for sub in subs:
        sub(handle)


async def run_worker(url: str, tenant: str, consumers: list[Consumer], stop: asyncio.Event,
                     options: WorkerOptions | None = None) -> None:
    """Consume until `stop` is set, then let in-flight handlers finish and ack."""
    broker = build_worker(url, tenant, consumers, options)
    await broker.connect()
    await declare(broker, url, tenant, [r for r, _ in routes(consumers, tenant)])
    await broker.start()
    try:
        await stop.wait()
    finally:
        await broker.stop()


def asyncapi(url: str, tenant: str, consumers: Iterable[Consumer], version: str) -> str:
    """The AsyncAPI 3.0 document of the worker's subscribers, as JSON."""
    from faststream.specification import AsyncAPI

    broker = build_worker(url, tenant, consumers)
    spec = AsyncAPI(broker, title="Marketing Hub events", version=version,
                    description="Domain events (the DomainEvent envelope) per tenant and type")
    return str(spec.to_specification().to_json())
