"""Where each event goes: one subject per tenant and event type, and the broker by URL.

`hub.<tenant>.<type>` names the subject (NATS), routing key (RabbitMQ's `hub` topic exchange),
stream (Redis) or topic (Kafka). A consumer reads each type it handles from its own durable
place (a JetStream durable, a queue, a consumer group) shared by every worker process, so
workers compete for messages instead of each getting a copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from hub.errors import ConfigError

EXCHANGE = "hub"


class BrokerKind(StrEnum):
    NATS = "nats"
    RABBIT = "amqp"
    REDIS = "redis"
    KAFKA = "kafka"


def broker_kind(url: str) -> BrokerKind:
    scheme = urlsplit(url).scheme
    try:
        return BrokerKind(scheme)
    except ValueError:
        known = ", ".join(f"{k.value}://" for k in BrokerKind)
        raise ConfigError(f"broker URL {url!r}: unknown scheme {scheme!r} "
                          f"(one of {known})") from None


def subject(tenant: str, event_type: str) -> str:
    return f"hub.{tenant}.{event_type}"


def jetstream_name(tenant: str) -> str:
    """The JetStream stream holding every subject of a tenant."""
    return f"HUB_{_token(tenant)}"


@dataclass(frozen=True)
class Route:
    """One consumer's subscription to one event type of one tenant."""

    consumer: str
    tenant: str
    event_type: str

    @property
    def subject(self) -> str:
        return subject(self.tenant, self.event_type)

    @property
    def durable(self) -> str:
        """A name for the shared consumer state: JetStream durable, queue, group."""
        return _token(f"{self.consumer}-{self.tenant}-{self.event_type}")


def _token(text: str) -> str:
    # JetStream names may not hold '.', '*', '>' or spaces
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)
