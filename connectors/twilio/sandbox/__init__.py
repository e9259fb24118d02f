"""A local emulator of Twilio's Programmable Messaging API, faithful to its shapes, errors,
limits, opt-outs and signed callbacks.

    from connectors.twilio.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(status_callback_url=hooks_url)) as sandbox:
        client = twilio.rest.Client(sandbox.config.account_sid, sandbox.config.auth_token)
        client.api.base_url = sandbox.base_url
        client.messages.create(to="+14155552671", from_="+15005550006", body="Hi")
        sandbox.state.text("+14155552671", "+15005550006", "STOP")   # a reply

It serves the Account fetch and the Messages resource (create, list with To/From/DateSent
filters and paging, fetch) under Basic auth, answers with Twilio's JSON and error codes
(magic test numbers included), keeps opt-outs per sender and recipient, refuses beyond its
rate and concurrency limits with 429/20429, and posts signed status and inbound-message
callbacks. Every request is checked against Twilio's official OpenAPI (`openapi.json`, the
subset of `twilio_api_v2010.json` for these operations); a test asserts

        sandbox.state.contract.assert_clean()

The gateway, request log, limits, faults, webhook delivery and serving are the harness's
(`hub.testing.sandbox`); this package holds Twilio's shapes and rules on top of it.
"""

from __future__ import annotations

from .app import create_app
from .config import SandboxConfig
from .errors import TwilioError
from .server import SandboxServer, serve
from .shapes import Message
from .state import SandboxState

__all__ = ["Message", "SandboxConfig", "SandboxServer", "SandboxState", "TwilioError",
           "create_app", "serve"]
