"""How Resend says no, read into the hub's error tree.

Resend's body names each refusal (`{"statusCode", "message", "name"}`), and the name decides
more than the status does: of its 429s, `rate_limit_exceeded` is a wait while
`daily_quota_exceeded` and `monthly_quota_exceeded` stop the send until the quota resets; of
its 409s, `concurrent_idempotent_requests` is a wait while `invalid_idempotent_request` means
a key was reused for other emails; a 400/422 refuses the email it was about (the sender keeps
Resend's words and name for the dead letter).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.errors import (
    AuthError,
    HubError,
    PermanentError,
    QuotaExhaustedError,
    RateLimitedError,
    RecordError,
)
from hub.http import Action, Policy, Reply, parse_retry_after

__all__ = ["VENDOR", "ResendRefusal", "resend_policy"]

VENDOR = "Resend"

KEY_HELP = ("Resend refused the API key ({detail}). To fix it: at Resend open API Keys, create "
            "a key with sending access (or full access, so `hub check` can read your domains) "
            "and set it as the connection's `api_key`.")
DOMAIN_HELP = ("Resend refused to send ({detail}). Verify the sending domain at Resend "
               "(Domains) and use a `from_address` on it.")


class ResendRefusal(RecordError):
    """Resend refused the email(s) of one request: its words and its error name."""

    def __init__(self, message: str, name: str | None) -> None:
        super().__init__(f"{VENDOR} refused it: {message}" + (f" [{name}]" if name else ""))
        self.message = message
        self.name = name


def _next_month(now: datetime) -> datetime:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def _quota(reply: Reply, name: str, message: str) -> QuotaExhaustedError:
    now = datetime.now(UTC)
    if name == "monthly_quota_exceeded":
        resume_at, which = _next_month(now), "monthly"
    else:
        wait = parse_retry_after(reply.headers)
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        resume_at = now + timedelta(seconds=wait) if wait else midnight
        which = "daily"
    return QuotaExhaustedError(
        f"{VENDOR} answered 429 {name}: {message}. The team's {which} email quota is spent; "
        f"the send stops and resumes after {resume_at:%Y-%m-%d %H:%M %Z}.", resume_at=resume_at)


def classify(reply: Reply) -> Action | HubError | None:
    """Resend's error names, where they say more than the status."""
    body = reply.json if isinstance(reply.json, dict) else {}
    name = str(body.get("name") or "")
    message = str(body.get("message") or reply.reason or "no message")
    status = reply.status
    if status == 429 and name in ("daily_quota_exceeded", "monthly_quota_exceeded"):
        return _quota(reply, name, message)
    if status == 429:
        return RateLimitedError(f"{VENDOR} answered 429 {name or 'rate limit'}: {message}",
                                retry_after=parse_retry_after(reply.headers))
    if status == 409 and name == "concurrent_idempotent_requests":
        return RateLimitedError(f"{VENDOR} is still answering the first request under this "
                                f"idempotency key: {message}", retry_after=1.0)
    if status == 409:
        return PermanentError(
            f"{VENDOR} answered 409 {name}: {message}. An idempotency key was reused for "
            "other emails: the batch was changed after it was first sent, so Resend cannot "
            "tell whether these emails went out. Check the send ledger before sending again.")
    if status in (401, 403) and name in ("missing_api_key", "invalid_api_key",
                                         "restricted_api_key"):
        return AuthError(KEY_HELP.format(detail=f"{status} {name}: {message}"))
    if status == 403 and name == "validation_error":
        return PermanentError(DOMAIN_HELP.format(detail=f"403 {name}: {message}"))
    if status in (400, 422):
        return ResendRefusal(message, name or None)
    return None


def resend_policy() -> Policy:
    return Policy(vendor=VENDOR).with_classifier(classify)
