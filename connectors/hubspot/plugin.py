"""Registers the HubSpot connector; loaded through the `hub` entry point like any plugin."""

from __future__ import annotations

from connectors.hubspot.connector import HubSpotConnector
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    register.add(HubSpotConnector)
