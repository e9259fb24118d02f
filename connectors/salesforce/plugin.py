"""Registers the Salesforce connector; loaded through the `hub` entry point like any plugin.
Without simple-salesforce (the `salesforce` extra) it fails to load with a PluginError naming
the command that installs it."""

from __future__ import annotations

from connectors.salesforce.sdk import require_sdk
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry

require_sdk()


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    from connectors.salesforce.connector import SalesforceConnector

    register.add(SalesforceConnector)
