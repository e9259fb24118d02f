"""Outgoing webhooks: events queued by a sandbox, POSTed in batches, signed, retried.

One background thread delivers, up to `webhook_batch_size` events per request. A delivery
answered with anything but 2xx, or not answered, is retried with exponential backoff up to
`webhook_max_attempts` times. Each attempt is rendered and signed afresh: the vendor supplies
`render(events, attempt) -> body` (e.g. to stamp the attempt number) and `sign(url, body) ->
headers`. The knobs are read from a `WebhookKnobs` object (a vendor's sandbox config has these
fields) at each use.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

__all__ = ["DeliveryAttempt", "WebhookDispatcher", "WebhookKnobs", "WebhookSettings"]

Render = Callable[[Sequence[Any], int], bytes]
Sign = Callable[[str, bytes], dict[str, str]]


class WebhookKnobs(Protocol):
    webhook_url: str | None
    webhook_max_attempts: int
    webhook_retry_base_s: float
    webhook_retry_max_s: float
    webhook_timeout_s: float
    webhook_batch_size: int


@dataclass
class WebhookSettings:
    """Webhook knobs of their own, for a sandbox whose config has none."""

    webhook_url: str | None = None
    webhook_max_attempts: int = 10
    webhook_retry_base_s: float = 1.0
    webhook_retry_max_s: float = 60.0
    webhook_timeout_s: float = 5.0
    webhook_batch_size: int = 100


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST the dispatcher made: which events, which attempt, and how it ended."""

    attempt_number: int
    event_ids: tuple[Any, ...]
    status_code: int | None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(order=True)
class _Delivery:
    due: float
    sequence: int
    events: list[Any] = field(compare=False)
    attempt: int = field(default=0, compare=False)


def json_array(events: Sequence[Any], attempt: int) -> bytes:
    """The events as one compact JSON array."""
    return json.dumps(list(events), separators=(",", ":")).encode("utf-8")


class WebhookDispatcher:
    """Delivers queued events; thread-safe, started and stopped once (by the app's lifespan)."""

    def __init__(
        self,
        knobs: WebhookKnobs,
        *,
        sign: Sign,
        render: Render = json_array,
        event_id: Callable[[Any], Any] = lambda event: event.get("id"),
        clock: Callable[[], float] = time.monotonic,
        name: str = "sandbox-webhooks",
    ) -> None:
        self.knobs = knobs
        self._sign = sign
        self._render = render
        self._event_id = event_id
        self._clock = clock
        self._name = name
        self._condition = threading.Condition()
        self._queue: list[Any] = []
        self._retries: list[_Delivery] = []
        self._in_flight = 0
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.attempts: list[DeliveryAttempt] = []
        self.delivered_events = 0
        self.abandoned_events = 0

    def enqueue(self, events: Sequence[Any]) -> None:
        """Queue events for delivery (dropped while no `webhook_url` is set)."""
        if self.knobs.webhook_url is None or not events:
            return
        with self._condition:
            self._queue.extend(events)
            self._condition.notify_all()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        with self._condition:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._condition:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._condition.notify_all()
        if thread is not None:
            thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued, in flight or waiting for a retry; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._queue or self._retries or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return True

    # -- delivering --------------------------------------------------------------------------

    def _next_delivery(self) -> _Delivery | None:
        """Wait for work: a due retry first, else a new batch; None when stopping."""
        with self._condition:
            while not self._stopping:
                now = self._clock()
                if self._retries and self._retries[0].due <= now:
                    self._in_flight += 1
                    return heapq.heappop(self._retries)
                if self._queue:
                    size = self.knobs.webhook_batch_size
                    batch, self._queue = self._queue[:size], self._queue[size:]
                    self._in_flight += 1
                    return _Delivery(now, next(self._sequence), batch)
                wait = self._retries[0].due - now if self._retries else None
                self._condition.wait(wait)
            return None

    def _run(self) -> None:
        with httpx.Client(timeout=self.knobs.webhook_timeout_s) as client:
            while (delivery := self._next_delivery()) is not None:
                attempt = self._send(client, delivery)
                with self._condition:
                    self.attempts.append(attempt)
                    self._in_flight -= 1
                    if attempt.succeeded:
                        self.delivered_events += len(delivery.events)
                    elif delivery.attempt + 1 < self.knobs.webhook_max_attempts:
                        delivery.attempt += 1
                        delivery.due = self._clock() + self._backoff(delivery.attempt)
                        heapq.heappush(self._retries, delivery)
                    else:
                        self.abandoned_events += len(delivery.events)
                    self._condition.notify_all()

    def _backoff(self, attempt: int) -> float:
        knobs = self.knobs
        return float(min(knobs.webhook_retry_max_s,
                         knobs.webhook_retry_base_s * 2 ** (attempt - 1)))

    def _send(self, client: httpx.Client, delivery: _Delivery) -> DeliveryAttempt:
        url = self.knobs.webhook_url
        event_ids = tuple(self._event_id(event) for event in delivery.events)
        if url is None:
            return DeliveryAttempt(delivery.attempt, event_ids, None, "no webhook_url configured")
        body = self._render(delivery.events, delivery.attempt)
        headers = {"Content-Type": "application/json", **self._sign(url, body)}
        try:
            response = client.post(url, content=body, headers=headers)
        except Exception as exc:  # any failure to deliver is a failed attempt, never a dead thread
            return DeliveryAttempt(
                delivery.attempt, event_ids, None, f"{type(exc).__name__}: {exc}"
            )
        return DeliveryAttempt(delivery.attempt, event_ids, response.status_code)
