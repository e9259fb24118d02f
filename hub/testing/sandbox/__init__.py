"""One harness for every vendor sandbox (a local emulator of a vendor's API).

A vendor's sandbox writes only the vendor: its routes and records, its `Rules` (who calls,
which limits apply, its headers and error bodies), its webhook events and signer, and its
contract (an OpenAPI document, or checks). The harness does the rest, the same for every vendor:

- `Harness`: the gateway in front of the vendor's ASGI app, with a request log and counts per
  route and status (`log`), rolling-window and daily limits (`limits`), injected faults
  (`faults`: latency, server errors, forced refusals, scripted answers, connection resets,
  truncated bodies, bursts held until complete) and contract validation (`contract`);
- `LoopbackServer` / `serve_forever`: serving on loopback in a thread, or in the foreground,
  each with a ready condition;
- `sandbox_app` / `sandbox_lifespan`: a vendor's routes and state made an ASGI app behind the
  gateway, with the state's background work run by the app's lifespan;
- `WebhookDispatcher`: signed webhook delivery with retries;
- `check_knobs`: a sandbox config's knobs checked for range, all problems in one error;
- `OpenAPIContract` / `Checks`: what requests are validated against.

`hub.testing.sandbox.faultserver` is the harness with no vendor: scripted answers per path.
`protocol` says what a sandbox module exports for `hub sandbox VENDOR`. Nothing in the hub's
runtime imports this package: it is loaded by tests, benchmarks and `hub sandbox` only.
"""

from __future__ import annotations

from hub.testing.sandbox.answers import Fault, Step, json_step
from hub.testing.sandbox.app import sandbox_app, sandbox_lifespan
from hub.testing.sandbox.contract import (
    Checks,
    Contract,
    ContractMonitor,
    OpenAPIContract,
    Violation,
)
from hub.testing.sandbox.faults import FaultInjector, FaultKnobs, FaultSettings
from hub.testing.sandbox.harness import Gateway, Harness
from hub.testing.sandbox.knobs import check_knobs
from hub.testing.sandbox.limits import Daily, RateDecision, RateLimits, Window, WindowUsage
from hub.testing.sandbox.log import RequestLog, Seen
from hub.testing.sandbox.protocol import SandboxModule
from hub.testing.sandbox.rules import Caller, Rules, route_key
from hub.testing.sandbox.server import LOOPBACK, LoopbackServer, listen, serve_forever
from hub.testing.sandbox.webhooks import (
    DeliveryAttempt,
    WebhookDispatcher,
    WebhookKnobs,
    WebhookSettings,
)

__all__ = [
    "LOOPBACK",
    "Caller",
    "Checks",
    "Contract",
    "ContractMonitor",
    "Daily",
    "DeliveryAttempt",
    "Fault",
    "FaultInjector",
    "FaultKnobs",
    "FaultSettings",
    "Gateway",
    "Harness",
    "LoopbackServer",
    "OpenAPIContract",
    "RateDecision",
    "RateLimits",
    "RequestLog",
    "Rules",
    "SandboxModule",
    "Seen",
    "Step",
    "Violation",
    "WebhookDispatcher",
    "WebhookKnobs",
    "WebhookSettings",
    "Window",
    "WindowUsage",
    "check_knobs",
    "json_step",
    "listen",
    "route_key",
    "sandbox_app",
    "sandbox_lifespan",
    "serve_forever",
]
