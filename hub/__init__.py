"""Marketing Hub: a plugin-based integration hub for marketing data.

The public API for connector and plugin authors; everything else is internal.
"""

from __future__ import annotations

from hub.connector import (
    CheckResult,
    Connector,
    ConnectorSettings,
    HttpConnectorSettings,
    Options,
    Outcome,
    RateLimit,
    Record,
    Sink,
    Stream,
    WebhookVerifier,
    WriteMode,
    WriteResult,
)
from hub.errors import (
    AuthError,
    ConfigError,
    DomainRuleError,
    HubError,
    MappingError,
    PermanentError,
    PluginError,
    Problem,
    QuotaExhaustedError,
    RateLimitedError,
    RecordError,
    SecretError,
    TenantMismatchError,
    TransientError,
)
from hub.plugin import hookimpl

__all__ = [
    "AuthError",
    "CheckResult",
    "ConfigError",
    "Connector",
    "ConnectorSettings",
    "DomainRuleError",
    "HttpConnectorSettings",
    "HubError",
    "MappingError",
    "Options",
    "Outcome",
    "PermanentError",
    "PluginError",
    "Problem",
    "QuotaExhaustedError",
    "RateLimit",
    "RateLimitedError",
    "Record",
    "RecordError",
    "SecretError",
    "Sink",
    "Stream",
    "TenantMismatchError",
    "TransientError",
    "WebhookVerifier",
    "WriteMode",
    "WriteResult",
    "hookimpl",
]
