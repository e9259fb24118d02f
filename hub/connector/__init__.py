"""Base classes for connector authors."""

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
from hub.connector.settings import ConnectorSettings, HttpConnectorSettings, RateLimit

__all__ = [
    "CheckResult",
    "Connector",
    "ConnectorSettings",
    "HttpConnectorSettings",
    "Options",
    "Outcome",
    "RateLimit",
    "Record",
    "Sink",
    "Stream",
    "WebhookVerifier",
    "WriteMode",
    "WriteResult",
]
