"""The account's messages and opt-outs, in memory; every method is thread-safe.

Lists come newest first, as Twilio's do, and page by a token naming the last message of the
previous page, so messages created while a client pages never shift what it has yet to read.
`DateSent>`/`DateSent<` are inclusive; a date alone (`2026-12-07`) compares by day.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .senders import Send
from .shapes import Message, new_sid

__all__ = ["DateFilter", "MessageStore", "Page"]

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT",
                     "REVOKE"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})


@dataclass(frozen=True)
class DateFilter:
    """A bound on `date_sent`: `op` is `=`, `>=` or `<=`, `value` a date or a UTC datetime."""

    op: str
    value: date | datetime

    @classmethod
    def parse(cls, op: str, raw: str) -> DateFilter:
        """ValueError when `raw` is neither `YYYY-MM-DD` nor an ISO 8601 date-time."""
        text = raw.strip()
        if len(text) == 10:
            return cls(op, date.fromisoformat(text))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return cls(op, parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))

    def admits(self, sent: datetime | None) -> bool:
        if sent is None:
            return False
        mine: date | datetime = sent if isinstance(self.value, datetime) else sent.date()
        if self.op == ">=":
            return mine >= self.value
        if self.op == "<=":
            return mine <= self.value
        return mine == self.value


@dataclass(frozen=True)
class Page:
    messages: list[Message]
    next_token: str | None


class MessageStore:
    def __init__(self, account_sid: str, clock: Callable[[], datetime] | None = None) -> None:
        self.account_sid = account_sid
        self._clock = clock or (lambda: datetime.now(UTC))
        self.created_at = self._clock()
        self._lock = threading.Lock()
        self._messages: dict[str, Message] = {}
        self._sequence = itertools.count(1)
        self._opted_out: set[tuple[str, str]] = set()

    # -- opt-outs ------------------------------------------------------------------------------

    def opted_out(self, sender: str, recipient: str) -> bool:
        with self._lock:
            return (sender, recipient) in self._opted_out

    def set_opt_out(self, sender: str, recipient: str, opted_out: bool) -> None:
        with self._lock:
            if opted_out:
                self._opted_out.add((sender, recipient))
            else:
                self._opted_out.discard((sender, recipient))

    # -- messages ------------------------------------------------------------------------------

    def create(self, send: Send) -> Message:
        """An outbound message, queued (or accepted, through a Messaging Service)."""
        now = self._clock()
        status = "accepted" if send.messaging_service_sid else "queued"
        with self._lock:
            message = Message(
                sid=new_sid("SM"), sequence=next(self._sequence), account_sid=self.account_sid,
                to=send.to, from_=send.from_, body=send.body, status=status,
                direction="outbound-api", date_created=now, date_sent=now, date_updated=now,
                messaging_service_sid=send.messaging_service_sid,
                status_callback=send.status_callback)
            self._messages[message.sid] = message
            return message

    def receive(self, from_: str, to: str, body: str) -> tuple[Message, str | None]:
        """An inbound message; an opt-out or opt-in keyword changes the pair's state. Returns
        the message and `STOP`/`START` when it was such a keyword."""
        now = self._clock()
        keyword = body.strip().upper()
        kind = "STOP" if keyword in OPT_OUT else "START" if keyword in OPT_IN else None
        with self._lock:
            message = Message(
                sid=new_sid("SM"), sequence=next(self._sequence), account_sid=self.account_sid,
                to=to, from_=from_, body=body, status="received", direction="inbound",
                date_created=now, date_sent=now, date_updated=now)
            self._messages[message.sid] = message
            if kind == "STOP":
                self._opted_out.add((to, from_))
            elif kind == "START":
                self._opted_out.discard((to, from_))
            return message, kind

    def set_status(self, sid: str, status: str, error_code: int | None = None,
                   error_message: str | None = None) -> None:
        with self._lock:
            message = self._messages[sid]
            message.status, message.date_updated = status, self._clock()
            message.error_code, message.error_message = error_code, error_message

    def get(self, sid: str) -> Message | None:
        with self._lock:
            return self._messages.get(sid)

    def all(self) -> list[Message]:
        """Every message, oldest first."""
        with self._lock:
            return sorted(self._messages.values(), key=lambda m: m.sequence)

    def page(self, *, to: str | None = None, from_: str | None = None,
             dates: Sequence[DateFilter] = (), size: int = 50,
             after: str | None = None) -> Page:
        """Newest first: the `size` messages matching every filter, after the message `after`
        names (a page token), and the token of the next page (None on the last)."""
        with self._lock:
            chosen = [m for m in self._messages.values()
                      if (to is None or m.to == to) and (from_ is None or m.from_ == from_)
                      and all(bound.admits(m.date_sent) for bound in dates)]
            anchor = self._messages.get(after) if after else None
        chosen.sort(key=lambda m: m.sequence, reverse=True)
        if anchor is not None:
            chosen = [m for m in chosen if m.sequence < anchor.sequence]
        found = chosen[:size]
        more = len(chosen) > size
        return Page(found, found[-1].sid if more else None)
