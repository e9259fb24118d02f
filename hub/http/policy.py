"""HTTP failure policy as one table: what a vendor's answer means for the run.

Every connector shares the same reading of status codes; a connector only adds what its vendor
does differently (a status override, or a classifier that reads the body). The same table serves
raw HTTP responses and SDK exceptions, so a synchronous SDK call fails exactly like an httpx call.

    status             action         error raised
    2xx (and 1xx/3xx)  OK             -
    408 425 500 502    RETRY          TransientError (RateLimitedError when Retry-After is sent)
    503 504, other 5xx
    429                RATE_LIMITED   RateLimitedError(retry_after)
    401                REFRESH_AUTH   AuthError once a refresh was tried (or none is possible)
    403                FAIL_RUN       AuthError saying what to check
    501 505            FAIL_RUN       PermanentError
    other 4xx          FAIL_RECORD    RecordError carrying the vendor's own message
    transport failure  RETRY          TransientError
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any

import httpx

from hub.errors import (
    AuthError,
    HubError,
    PermanentError,
    RateLimitedError,
    RecordError,
    TransientError,
)
from hub.http.ratelimit import RateHeaders

_MESSAGE_LIMIT = 300


class Action(enum.Enum):
    """What the engine does with one answer from a vendor."""

    OK = "ok"
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    REFRESH_AUTH = "refresh_auth"
    FAIL_RUN = "fail_run"
    FAIL_RECORD = "fail_record"


DEFAULT_ACTIONS: Mapping[int, Action] = {
    401: Action.REFRESH_AUTH,
    403: Action.FAIL_RUN,
    408: Action.RETRY,
    425: Action.RETRY,
    429: Action.RATE_LIMITED,
    500: Action.RETRY,
    501: Action.FAIL_RUN,
    502: Action.RETRY,
    503: Action.RETRY,
    504: Action.RETRY,
    505: Action.FAIL_RUN,
}

# Failures below HTTP: the request may never have reached the vendor, so trying again is sound.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    httpx.TimeoutException,
    httpx.ConnectError,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
    TimeoutError,
    ConnectionError,
)


@dataclass(frozen=True)
class Reply:
    """The parts of a vendor's answer the policy reads: from an httpx response or an SDK error."""

    status: int
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    text: str = ""
    reason: str = ""

    @classmethod
    def of(cls, response: httpx.Response) -> Reply:
        return cls(response.status_code, response.headers, response.text, response.reason_phrase)

    @classmethod
    def from_parts(
        cls,
        status: int,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        body: str | bytes | Mapping[str, Any] | list[Any] | None = None,
    ) -> Reply:
        """Build a reply from what an SDK exception carries (the body may be already parsed)."""
        if body is None:
            text = ""
        elif isinstance(body, bytes):
            text = body.decode("utf-8", errors="replace")
        elif isinstance(body, str):
            text = body
        else:
            text = json.dumps(body)
        return cls(status, httpx.Headers(headers or {}), text)

    @cached_property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.text) if self.text else None
        except ValueError:
            return None

    @property
    def message(self) -> str:
        """The vendor's own explanation, or the start of the raw body, or the reason phrase."""
        found = vendor_message(self.json)
        if found:
            return found[:_MESSAGE_LIMIT]
        text = self.text.strip()
        if text:
            return text[:_MESSAGE_LIMIT]
        return self.reason or "no message"


@dataclass(frozen=True)
class Verdict:
    """The policy's decision: an action, and the error to raise unless the action is OK."""

    action: Action
    error: HubError | None = None

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


# A classifier looks at a reply before the status table does; None means "no opinion".
# It may answer with an Action (the default error for it is built) or with the exact error.
BodyClassifier = Callable[[Reply], Action | HubError | None]

# Reads an SDK exception: the reply it carries, a ready error, or None when it is not a
# vendor failure at all (a bug in our code must propagate untouched).
ExceptionReader = Callable[[BaseException], Reply | HubError | None]


@dataclass(frozen=True)
class Policy:
    """The status table plus a connector's overrides and body classifiers.

    Extend it without mutating the shared default:
    `Policy(vendor="Acme").with_actions({409: Action.OK}).with_classifier(read_daily_limit)`,
    or subclass and override `classify_body`.
    """

    vendor: str = "the vendor"
    actions: Mapping[int, Action] = field(default_factory=lambda: dict(DEFAULT_ACTIONS))
    classifiers: tuple[BodyClassifier, ...] = ()

    def with_actions(self, overrides: Mapping[int, Action]) -> Policy:
        return replace(self, actions={**self.actions, **overrides})

    def with_classifier(self, classifier: BodyClassifier) -> Policy:
        return replace(self, classifiers=(*self.classifiers, classifier))

    def action_for(self, status: int) -> Action:
        if status in self.actions:
            return self.actions[status]
        if status < 400:
            return Action.OK
        if status < 500:
            return Action.FAIL_RECORD
        return Action.RETRY

    def classify_body(self, reply: Reply) -> Action | HubError | None:
        """Ask each classifier in the order added; the first that answers decides."""
        for classifier in self.classifiers:
            answer = classifier(reply)
            if answer is not None:
                return answer
        return None

    def judge(self, reply: Reply) -> Verdict:
        answer = self.classify_body(reply)
        if isinstance(answer, HubError):
            return Verdict(action_of(answer), answer)
        action = answer if answer is not None else self.action_for(reply.status)
        return Verdict(action, self.default_error(action, reply))

    def judge_exception(
        self, exc: BaseException, read: ExceptionReader | None = None
    ) -> Verdict | None:
        """Map an exception onto the table; None when it is not a vendor or transport failure."""
        if isinstance(exc, HubError):
            return Verdict(action_of(exc), exc)
        found = read(exc) if read is not None else None
        if isinstance(found, HubError):
            return Verdict(action_of(found), found)
        if isinstance(found, Reply):
            return self.judge(found)
        if isinstance(exc, TRANSPORT_ERRORS):
            detail = str(exc) or type(exc).__name__
            return Verdict(Action.RETRY, TransientError(f"{self.vendor} unreachable: {detail}"))
        return None

    def default_error(self, action: Action, reply: Reply) -> HubError | None:
        said = f"{self.vendor} answered {reply.status}: {reply.message}"
        if action is Action.OK:
            return None
        if action in (Action.RETRY, Action.RATE_LIMITED):
            wait = parse_retry_after(reply.headers)
            if action is Action.RETRY and wait is None:
                return TransientError(said)
            return RateLimitedError(said, retry_after=wait)
        if action is Action.REFRESH_AUTH or (action is Action.FAIL_RUN and reply.status == 401):
            return AuthError(
                f"{said}. The credentials were refused (a token refresh, where one is "
                "possible, did not help): check the connection's token or API key, or "
                "reconnect the app to issue new ones."
            )
        if action is Action.FAIL_RUN and reply.status == 403:
            return AuthError(
                f"{said}. The credential is valid but not allowed to do this: check its "
                "scopes or permissions for this object, and that the account is active."
            )
        if action is Action.FAIL_RUN:
            return PermanentError(said)
        return RecordError(said)


DEFAULT_POLICY = Policy()


def action_of(error: HubError) -> Action:
    """The action an error of this kind stands for."""
    if isinstance(error, RateLimitedError):
        return Action.RATE_LIMITED
    if isinstance(error, TransientError):
        return Action.RETRY
    if isinstance(error, RecordError):
        return Action.FAIL_RECORD
    return Action.FAIL_RUN


def classify(response: httpx.Response, policy: Policy = DEFAULT_POLICY) -> Action:
    return policy.judge(Reply.of(response)).action


def raise_for_policy(response: httpx.Response, policy: Policy = DEFAULT_POLICY) -> None:
    """Raise the hub error the policy assigns to this response; return quietly when it is OK."""
    policy.judge(Reply.of(response)).raise_error()


def parse_retry_after(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Seconds the vendor asked us to wait: Retry-After (seconds or HTTP-date), else its reset.

    The reset headers count only when nothing is left in the window; otherwise they describe
    a window that still has room and are no request to wait.
    """
    raw = headers.get("retry-after")
    if raw is not None:
        raw = raw.strip()
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    seen = RateHeaders.parse(headers)
    if seen.remaining == 0 and seen.reset is not None:
        return seen.reset
    return None


# Vendors name their machine-readable error code differently; the first one found is shown.
_CODE_KEYS = ("errorCode", "code", "category", "name", "error")


def vendor_message(body: Any) -> str | None:
    """The human message in a vendor's JSON error body, whatever its shape.

    Handles `{"message": ...}` (with optional `errors: [{message}]`), RFC 9457 problem details
    (`detail`/`title`), OAuth errors (`error_description`/`error`) and arrays of error objects
    (`[{"message", "errorCode"}]`).
    """
    if isinstance(body, list):
        parts = [m for m in (vendor_message(item) for item in body) if m]
        return "; ".join(parts) or None
    if not isinstance(body, dict):
        return None
    for key in ("message", "detail", "error_description", "title", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            code = next((body[k] for k in _CODE_KEYS if k != key and body.get(k)), None)
            return f"{value} [{code}]" if isinstance(code, (str, int)) else value
        if isinstance(value, dict):
            nested = vendor_message(value)
            if nested:
                return nested
    errors = body.get("errors")
    return vendor_message(errors) if isinstance(errors, list) else None


_RATE_LIMIT_WORDS = ("rate limit", "ratelimit", "too many requests", "request_limit_exceeded")


def body_mentions_rate_limit(reply: Reply) -> Action | None:
    """An opt-in classifier: a 4xx whose body talks about a rate limit is a rate limit."""
    if 400 <= reply.status < 500 and reply.status != 429:
        text = reply.text.lower()
        if any(word in text for word in _RATE_LIMIT_WORDS):
            return Action.RATE_LIMITED
    return None
