"""Registers the sql connector; loaded through the `hub` entry point like any plugin."""

from __future__ import annotations

from connectors.sql.connector import SqlConnector
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    register.add(SqlConnector)
