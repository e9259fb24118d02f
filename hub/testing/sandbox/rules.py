"""A vendor's rules at a sandbox's door: who calls, which limits apply, and the vendor's own
headers and bodies for refusals and errors. Subclass `Rules` and override what the vendor does;
the defaults let everyone in as one caller with no limits and answer errors in plain JSON."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute, Match, Route

from hub.testing.sandbox.answers import Scope, Step, json_step
from hub.testing.sandbox.limits import Daily, RateDecision, Window
from hub.testing.sandbox.log import Seen

__all__ = ["Caller", "Rules", "route_key"]


@dataclass(frozen=True)
class Caller:
    """Who a request comes from; limits are counted per `key`, `kind` is the vendor's word for
    the credential (e.g. HubSpot's private-app and OAuth tokens have different headers)."""

    key: str
    kind: str = ""


def route_key(routes: Sequence[BaseRoute], scope: Scope, literal: Collection[str] = ()) -> str:
    """`METHOD /path/{template}` of the route a request goes to, with the path parameters named
    in `literal` filled in (e.g. an object type); `METHOD (unmatched) /path` when none does."""
    method = scope["method"]
    for route in routes:
        if not isinstance(route, Route):
            continue
        match, child = route.matches(scope)
        if match is Match.FULL:
            params: Mapping[str, Any] = child.get("path_params", {})
            path = route.path
            for name, value in params.items():
                if name in literal:
                    path = path.replace("{" + name + "}", str(value))
            return f"{method} {path}"
    return f"{method} (unmatched) {scope['path']}"


class Rules:
    """The defaults of a sandbox without a vendor: one anonymous caller, no limits."""

    #: path parameters kept literal in route keys (see `route_key`)
    literal_params: frozenset[str] = frozenset()

    def route_key(self, routes: Sequence[BaseRoute], scope: Scope) -> str:
        """The key a request is counted under."""
        if not routes:
            return f"{scope['method']} {scope['path']}"
        return route_key(routes, scope, self.literal_params)

    def identify(self, seen: Seen) -> Caller | Step | None:
        """The caller; a `Step` refuses the request at the door (e.g. a 401); None lets it through
        untouched by limits and faults (a public endpoint, such as a token exchange)."""
        return Caller("")

    def windows(self, seen: Seen, caller: Caller) -> Sequence[Window]:
        """The rolling windows this request counts against, most specific first."""
        return ()

    def daily(self, seen: Seen, caller: Caller) -> Daily | None:
        return None

    def limit_headers(self, decision: RateDecision, caller: Caller) -> dict[str, str]:
        """The vendor's rate-limit headers, sent on every limited answer."""
        return {}

    def refusal(self, decision: RateDecision, headers: Mapping[str, str]) -> Step:
        """The vendor's 429 for a request over a limit (`decision.forced`: a forced one)."""
        return json_step(429, {"message": "rate limit exceeded"}, headers)

    def server_error(self, status: int, headers: Mapping[str, str]) -> Step:
        """The vendor's body for an injected server error."""
        return json_step(status, {"message": "injected server error"}, headers)
