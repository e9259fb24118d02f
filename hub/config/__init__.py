"""hub.yaml: connections, pipelines, schedules, segments and triggers, with located errors."""

from __future__ import annotations

from hub.config.loader import STORE_CONNECTION, LoadedConfig, load_config
from hub.config.schema import Connection, Destination, HubConfig, Pipeline, Schedule, Source
from hub.config.secrets import REDACTED, redact
from hub.config.yaml_source import YamlDocument, load_yaml, validate

__all__ = [
    "REDACTED",
    "STORE_CONNECTION",
    "Connection",
    "Destination",
    "HubConfig",
    "LoadedConfig",
    "Pipeline",
    "Schedule",
    "Source",
    "YamlDocument",
    "load_config",
    "load_yaml",
    "redact",
    "validate",
]
