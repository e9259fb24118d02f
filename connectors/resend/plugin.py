"""Registers the Resend connector; loaded through the `hub` entry point like any plugin.

Without the `svix` library (the `resend` extra) this module fails to load with a PluginError
that names the command installing it: the host lists the plugin as broken and goes on.
"""

from __future__ import annotations

import importlib.util

from hub.errors import PluginError
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry

if importlib.util.find_spec("svix") is None:
    raise PluginError("the Resend connector verifies webhooks with the svix library: "
                      "pip install 'marketing-hub[resend]'")


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    from connectors.resend.connector import ResendConnector

    register.add(ResendConnector)
