"""A local emulator of HubSpot's CRM API, faithful to its shapes, limits, errors and webhooks.

    from connectors.hubspot.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(burst_limit=10)) as sandbox:
        client = hubspot.HubSpot(access_token="sandbox-token", host=sandbox.base_url)
        ...
        sandbox.state.modify("contacts", "100001", {"firstname": "Ada"})  # a UI edit

It serves contacts, companies and deals (`/crm/v3/objects/...`: CRUD, batch, search), properties
and property groups, associations v4, lists v3 and OAuth refresh on loopback, answers with
HubSpot's error bodies and rate-limit headers, and POSTs signed v3 webhooks on changes. Every
request is checked against HubSpot's published contract (`openapi.yaml`); a test asserts

        assert sandbox.state.contract.violations == []

What is not HubSpot's (the gateway, request log, limits, faults, webhook delivery, serving) is
the harness in `hub.testing.sandbox`; this package holds HubSpot's shapes and rules on top of it.
"""

from __future__ import annotations

from .app import create_app
from .config import DEFAULT_WEBHOOK_SUBSCRIPTIONS, SandboxConfig
from .counters import Counters
from .errors import HubSpotError
from .records import Change, Record
from .server import SandboxServer, serve
from .state import SandboxState
from .webhooks import DeliveryAttempt, HubSpotWebhooks

__all__ = [
    "DEFAULT_WEBHOOK_SUBSCRIPTIONS",
    "Change",
    "Counters",
    "DeliveryAttempt",
    "HubSpotError",
    "HubSpotWebhooks",
    "Record",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
    "create_app",
    "serve",
]
