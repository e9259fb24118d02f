"""Registers the Twilio connector; loaded through the `hub` entry point like any plugin.

Without Twilio's SDK (the `twilio` extra) this module fails to load with a PluginError that
names the command installing it: the host lists the plugin as broken and goes on.
"""

from __future__ import annotations

from connectors.twilio.sdk import require_sdk
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry

require_sdk()


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    from connectors.twilio.connector import TwilioConnector

    register.add(TwilioConnector)
