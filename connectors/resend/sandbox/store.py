"""What the sandbox keeps: the emails it accepted, its idempotency keys, the day's quota.

Idempotency follows Resend: a key is remembered for 24 hours with the request it came with
and the answer it got. The same key with the same request gets the same answer and sends
nothing again; with another request, 409 `invalid_idempotent_request`; while the first is
still being answered, 409 `concurrent_idempotent_requests`. Only accepted requests are
remembered, so a refused one may be corrected and sent again under its key.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import ResendError
from .validation import recipients

__all__ = ["Answer", "EmailStore", "SentEmail", "fingerprint"]

Answer = tuple[int, Any]  # status and JSON body


def fingerprint(path: str, body: bytes) -> str:
    """What makes two requests under one key the same request: the path and the JSON body."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True)
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    return hashlib.sha256(f"{path}\n{canonical}".encode()).hexdigest()


@dataclass
class SentEmail:
    id: str
    sender: str
    to: list[str]
    subject: str
    created_at: datetime
    html: str | None = None
    text: str | None = None
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None
    last_event: str = "sent"

    def as_resend(self) -> dict[str, Any]:
        """The email as `GET /emails/{id}` answers it."""
        return {
            "object": "email", "id": self.id, "to": self.to, "from": self.sender,
            "created_at": self.created_at.isoformat(sep=" "), "subject": self.subject,
            "html": self.html, "text": self.text, "bcc": self.bcc, "cc": self.cc,
            "reply_to": self.reply_to, "last_event": self.last_event,
            "tags": [{"name": k, "value": v} for k, v in self.tags.items()],
        }


@dataclass
class _Remembered:
    fingerprint: str
    at: float
    answer: Answer | None = None  # None: still being answered


class EmailStore:
    """Thread-safe: the server's loop writes, a test's thread reads."""

    def __init__(self, *, ttl_s: float, daily_quota: Callable[[], int],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._daily_quota = daily_quota
        self._clock = clock
        self._lock = threading.Lock()
        self._emails: dict[str, SentEmail] = {}
        self._keys: dict[str, _Remembered] = {}
        self._by_key: Counter[str] = Counter()
        self._by_recipient: Counter[str] = Counter()
        self._day = ""
        self._used_today = 0

    # -- idempotency --------------------------------------------------------------------------

    def claim(self, key: str, print_: str) -> Answer | None:
        """The remembered answer for `key`, or None after marking it in flight; 409 when the
        key came with another request, or is still being answered."""
        with self._lock:
            now = self._clock()
            found = self._keys.get(key)
            if found is not None and now - found.at > self._ttl_s:
                found = None
            if found is None:
                self._keys[key] = _Remembered(print_, now)
                return None
            if found.fingerprint != print_:
                raise ResendError(409, "invalid_idempotent_request",
                                  "Same idempotency key used with a different request payload. "
                                  "Change your idempotency key or payload.")
            if found.answer is None:
                raise ResendError(409, "concurrent_idempotent_requests",
                                  "Same idempotency key used while original request is still "
                                  "in progress. Try the request again later.")
            return found.answer

    def remember(self, key: str, answer: Answer) -> None:
        with self._lock:
            if key in self._keys:
                self._keys[key].answer = answer

    def forget(self, key: str) -> None:
        """A refused request under `key`: the key is free again."""
        with self._lock:
            self._keys.pop(key, None)

    # -- emails -------------------------------------------------------------------------------

    def reserve_quota(self, count: int) -> None:
        """Count `count` emails against today's quota, or refuse them all (429)."""
        with self._lock:
            today = datetime.now(UTC).date().isoformat()
            if today != self._day:
                self._day, self._used_today = today, 0
            quota = self._daily_quota()
            if self._used_today + count > quota:
                raise ResendError(
                    429, "daily_quota_exceeded",
                    f"You have reached your daily email sending quota of {quota} emails. "
                    "Upgrade your plan to increase the quota, or wait until it resets.",
                    headers={"retry-after": str(_seconds_to_midnight())})
            self._used_today += count

    def add(self, email: Mapping[str, Any], key: str | None) -> SentEmail:
        """Keep an accepted email (already checked) and count it."""
        sent = SentEmail(
            id=str(uuid.uuid4()), sender=str(email["from"]), to=recipients(email["to"]),
            subject=str(email["subject"]), created_at=datetime.now(UTC),
            html=email.get("html"), text=email.get("text"), cc=recipients(email.get("cc")),
            bcc=recipients(email.get("bcc")), reply_to=recipients(email.get("reply_to")),
            headers=dict(email.get("headers") or {}),
            tags={t["name"]: t["value"] for t in email.get("tags") or ()},
            idempotency_key=key)
        with self._lock:
            self._emails[sent.id] = sent
            if key is not None:
                self._by_key[key] += 1
            for address in sent.to:
                self._by_recipient[address.lower()] += 1
        return sent

    def get(self, email_id: str) -> SentEmail | None:
        with self._lock:
            return self._emails.get(email_id)

    # -- reading, for tests and benchmarks ----------------------------------------------------

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._emails)

    def emails(self) -> list[SentEmail]:
        with self._lock:
            return list(self._emails.values())

    def by_key(self) -> Counter[str]:
        """Emails created per request idempotency key."""
        with self._lock:
            return Counter(self._by_key)

    def by_recipient(self) -> Counter[str]:
        """Emails created per recipient address (lower-cased)."""
        with self._lock:
            return Counter(self._by_recipient)

    def by_tag(self, name: str) -> Counter[str]:
        """Emails created per value of tag `name` (e.g. the hub's `message_id`)."""
        with self._lock:
            return Counter(e.tags[name] for e in self._emails.values() if name in e.tags)


def _seconds_to_midnight() -> int:
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))
