"""Base classes for connector authors, and the kit that makes a REST connector small."""

from __future__ import annotations

from hub.connector.base import (
    CheckResult,
    Connector,
    Options,
    Outcome,
    Record,
    Sink,
    Stream,
    WebhookVerifier,
    WriteMode,
    WriteResult,
)
from hub.connector.http import ClientOptions, HttpConnector
from hub.connector.messaging import (
    DeliveryEvent,
    MessageSender,
    OptOut,
    OutboundMessage,
    SendResult,
    SendStatus,
)
from hub.connector.paging import (
    KeysetPaginator,
    LinkHeaderPaginator,
    OffsetPaginator,
    PageRequest,
    Paginator,
    SinglePage,
    TokenPaginator,
)
from hub.connector.rest import BatchSink, RestStream
from hub.connector.settings import ConnectorSettings, HttpConnectorSettings, RateLimit

__all__ = [
    "BatchSink",
    "CheckResult",
    "ClientOptions",
    "Connector",
    "ConnectorSettings",
    "DeliveryEvent",
    "HttpConnector",
    "HttpConnectorSettings",
    "KeysetPaginator",
    "LinkHeaderPaginator",
    "MessageSender",
    "OffsetPaginator",
    "OptOut",
    "Options",
    "OutboundMessage",
    "Outcome",
    "PageRequest",
    "Paginator",
    "RateLimit",
    "Record",
    "RestStream",
    "SendResult",
    "SendStatus",
    "SinglePage",
    "Sink",
    "Stream",
    "TokenPaginator",
    "WebhookVerifier",
    "WriteMode",
    "WriteResult",
]
