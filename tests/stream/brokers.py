"""Read back what the relay put on a real broker, straight through each broker's client."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from faststream.redis.parser.binary import BinaryMessageFormatV1

from hub.model.events import DomainEvent
from hub.stream.topology import BrokerKind, Route, broker_kind, jetstream_name

BROKERS = ["nats", "rabbitmq", "redis"]


def unreachable(url: str) -> str:
    """The same kind of broker on a loopback port nothing listens on."""
    kind = broker_kind(url)
    return {BrokerKind.NATS: "nats://127.0.0.1:9", BrokerKind.RABBIT: "amqp://guest:guest@127.0.0.1:9/",
            BrokerKind.REDIS: "redis://127.0.0.1:9/0"}[kind]


async def read_back(url: str, route: Route, expected: int) -> list[DomainEvent]:
    """Every message in the route's consumer place (at least `expected`, waiting for them)."""
    kind = broker_kind(url)
    if kind is BrokerKind.NATS:
        return await _nats(url, route, expected)
    if kind is BrokerKind.RABBIT:
        return await _rabbit(url, route, expected)
    return await _redis(url, route)


def _event(body: Any) -> DomainEvent:
    return DomainEvent.model_validate(json.loads(body))


async def _nats(url: str, route: Route, expected: int) -> list[DomainEvent]:
    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(route.subject, durable=route.durable,
                                      stream=jetstream_name(route.tenant))
        got: list[DomainEvent] = []
        while len(got) < expected:
            for msg in await sub.fetch(expected - len(got), timeout=30):
                got.append(_event(msg.data))
                await msg.ack()
        with contextlib.suppress(nats.errors.TimeoutError):  # nothing more than expected
            got += [_event(m.data) for m in await sub.fetch(1, timeout=0.5)]
        return got
    finally:
        await nc.close()


async def _rabbit(url: str, route: Route, expected: int) -> list[DomainEvent]:
    import aio_pika

    conn = await aio_pika.connect(url)
    try:
        channel = await conn.channel()
        queue = await channel.declare_queue(route.durable, durable=True, passive=True)
        got = []
        while (msg := await queue.get(no_ack=True, fail=False)) is not None:
            got.append(_event(msg.body))
        return got
    finally:
        await conn.close()


async def _redis(url: str, route: Route) -> list[DomainEvent]:
    import redis.asyncio as redis

    client: Any = redis.from_url(url)
    try:
        entries = await client.xrange(route.subject)
        return [_event(BinaryMessageFormatV1.parse(fields[b"__data__"])[0])
                for _id, fields in entries]
    finally:
        await client.aclose()
