"""Registers the HubSpot connector; loaded through the `hub` entry point like any plugin.

Without HubSpot's SDK (the `hubspot` extra) this module fails to load with a PluginError that
names the command installing it: the host lists the plugin as broken and goes on.
"""

from __future__ import annotations

from connectors.hubspot.sdk import require_sdk
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry

require_sdk()


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    from connectors.hubspot.connector import HubSpotConnector

    register.add(HubSpotConnector)
