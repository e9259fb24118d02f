"""How HubSpot says no, read into the hub's error tree.

The hub's policy table decides most of it; HubSpot adds three things the status alone does not
say: a 429 names its policy (`TEN_SECONDLY_ROLLING` and `SECONDLY` are waits, `DAILY` stops the
run until midnight in the portal's time zone), a 401 deserves instructions a person can act on,
and per-record failures inside a 207 carry HubSpot's own message, which the dead-letter queue
keeps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import urllib3.exceptions

from hub.errors import AuthError, HubError, QuotaExhaustedError, RateLimitedError, TransientError
from hub.http import Action, BodyClassifier, Policy, Reply, next_midnight, parse_retry_after

VENDOR = "HubSpot"

TOKEN_HELP = (
    "HubSpot refused the token ({detail}). To fix it: in HubSpot open Settings > Integrations > "
    "Private Apps > your app > Auth, rotate or copy the access token and set it as the "
    "connection's `access_token`; for an OAuth app, reconnect it and set the new "
    "`refresh_token`. Check too that `base_url` is the right portal's API."
)


def read_sdk_error(exc: BaseException) -> Reply | HubError | None:
    """Turn an SDK exception into the reply it carries; None for anything else (a bug)."""
    status = getattr(exc, "status", None)
    # every SDK sub-package has its own ApiException (and subclasses): read them by shape
    if isinstance(status, int) and hasattr(exc, "body") and hasattr(exc, "reason"):
        if not status:  # the SDK reports TLS failures as status 0
            return TransientError(f"{VENDOR} unreachable: {getattr(exc, 'reason', exc)}")
        headers = getattr(exc, "headers", None)
        pairs: Mapping[str, str] = dict(headers.items()) if headers is not None else {}
        return Reply.from_parts(int(status), pairs, getattr(exc, "body", None))
    if isinstance(exc, urllib3.exceptions.HTTPError):
        reason = getattr(exc, "reason", None) or exc
        return TransientError(f"{VENDOR} unreachable: {reason}")
    return None


def rate_limit_classifier(portal_time_zone: str) -> BodyClassifier:
    """A body classifier for HubSpot's 429 policies."""
    zone = ZoneInfo(portal_time_zone)

    def classify(reply: Reply) -> Action | HubError | None:
        body = reply.json if isinstance(reply.json, dict) else {}
        if reply.status == 429:
            policy = str(body.get("policyName") or "")
            said = f"{VENDOR} answered 429 ({policy or 'rate limit'}): {reply.message}"
            if policy == "DAILY":
                resume_at = next_midnight(zone)
                return QuotaExhaustedError(
                    f"{said}. The portal's daily API limit is spent; the run stops with its "
                    f"checkpoint and can resume after {resume_at:%Y-%m-%d %H:%M %Z}.",
                    resume_at=resume_at)
            wait = parse_retry_after(reply.headers)
            if wait is None and policy == "SECONDLY":
                wait = 1.0  # the search limit counts whole seconds
            return RateLimitedError(said, retry_after=wait)
        return None

    return classify


@dataclass(frozen=True)
class HubSpotPolicy(Policy):
    """The hub's table, with a 401 that says which token to replace and where."""

    def default_error(self, action: Action, reply: Reply) -> HubError | None:
        if reply.status == 401 and action in (Action.REFRESH_AUTH, Action.FAIL_RUN):
            body = reply.json if isinstance(reply.json, dict) else {}
            category = body.get("category") or "INVALID_AUTHENTICATION"
            said = str(body.get("message") or reply.reason or "").split(". ")[0].rstrip(".")
            return AuthError(TOKEN_HELP.format(detail=f"401 {category}: {said}"))
        return super().default_error(action, reply)


def hubspot_policy(portal_time_zone: str = "UTC") -> Policy:
    return HubSpotPolicy(vendor=VENDOR).with_classifier(rate_limit_classifier(portal_time_zone))


def standard_error_message(error: Any) -> str:
    """HubSpot's own words for one failed input of a batch (`StandardError`), made readable.

    A refused property value arrives as `Property values were not valid: [{json}]`; the
    details (`errors[].message` and `code`) say the same thing plainly, so they are preferred.
    """
    category = _field(error, "category") or ""
    details = _field(error, "errors") or []
    parts = []
    for detail in details:
        message = _field(detail, "message")
        code = _field(detail, "code")
        context = _field(detail, "context") or {}
        names = context.get("propertyName") if isinstance(context, dict) else None
        label = ", ".join([*(names or []), *([code] if code else [])])
        if message:
            parts.append(f"{message} [{label}]" if label else str(message))
    if not parts:
        parts.append(_unquoted(str(_field(error, "message") or "no message")))
    text = "; ".join(parts)
    if category:
        return f"{VENDOR} refused it ({category}): {text}"
    return f"{VENDOR} refused it: {text}"


def _unquoted(message: str) -> str:
    """Pull the readable messages out of HubSpot's `...: [{json}]` form when it is used."""
    head, sep, tail = message.partition(": [")
    if not sep:
        return message
    try:
        items = json.loads("[" + tail)
    except ValueError:
        return message
    found = [str(i.get("message")) for i in items if isinstance(i, dict) and i.get("message")]
    return "; ".join(found) if found else head


def _field(obj: Any, name: str) -> Any:
    """Read a field from an SDK model or a plain dict alike."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def status_of(error: BaseException) -> int | None:
    """The HTTP status behind a hub error raised for an SDK exception, if there was one."""
    status = getattr(error.__cause__, "status", None)
    return status if isinstance(status, int) else None
