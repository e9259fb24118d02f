"""How Salesforce says no, read into the hub's error tree.

simple-salesforce raises one exception per status (300, 400, 401, 403, 404, other) carrying
Salesforce's error array. The codes decide: 403 REQUEST_LIMIT_EXCEEDED is the org's daily
allocation spent (a quota stop until it frees up, never a retry loop), 401 INVALID_SESSION_ID a
session to renew, 5xx and 429 worth retrying; the message is Salesforce's own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

from hub.errors import (
    AuthError,
    HubError,
    PermanentError,
    QuotaExhaustedError,
    RateLimitedError,
    RecordError,
    TransientError,
)

__all__ = ["RETRYABLE_CODES", "error_codes", "quota_stop", "translate"]

#: per-record statusCodes a later attempt may get past
RETRYABLE_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE",
                             "REQUEST_RUNNING_TOO_LONG", "UNKNOWN_EXCEPTION"})


def error_codes(exc: SalesforceError) -> tuple[str, str]:
    """(errorCode, message) of the first error Salesforce listed."""
    content: Any = exc.content
    first = content[0] if isinstance(content, list) and content else content
    if isinstance(first, dict):
        return str(first.get("errorCode") or ""), str(first.get("message") or "")
    return "", str(content or "")[:300]


def quota_stop(said: str, pause_minutes: int) -> QuotaExhaustedError:
    resume_at = datetime.now(UTC) + timedelta(minutes=pause_minutes)
    return QuotaExhaustedError(
        f"{said}. The run stops with its checkpoint; it can resume after "
        f"{resume_at:%Y-%m-%d %H:%M} UTC, when part of the org's rolling 24-hour allocation "
        "has freed up (Setup > Company Information shows it).", resume_at=resume_at)


def translate(exc: BaseException, *, pause_minutes: int = 60) -> HubError | None:
    """The hub error for an SDK or transport failure; None for anything else (a bug)."""
    if isinstance(exc, requests.RequestException):
        return TransientError(f"Salesforce unreachable: {exc}")
    if not isinstance(exc, SalesforceError):
        return None
    code, message = error_codes(exc)
    said = f"Salesforce answered {exc.status} {code}: {message}".rstrip(": ")
    status = exc.status
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        if "Concurrent" in message:
            return RateLimitedError(said, retry_after=5.0)
        return quota_stop(f"{said} The org's daily API allocation is spent", pause_minutes)
    if status == 401:
        return AuthError(f"{said}. The session was refused and could not be renewed: check "
                         "the connection's credentials")
    if status == 403:
        return AuthError(f"{said}. The integration user lacks permission: check its profile "
                         "or permission sets for this object and field")
    if status == 429:  # not Salesforce's own answer, but a proxy's; the SDK keeps no headers
        return RateLimitedError(said)
    if status >= 500:
        return TransientError(said)
    if status in (400, 300):
        return RecordError(said)
    return PermanentError(said)

