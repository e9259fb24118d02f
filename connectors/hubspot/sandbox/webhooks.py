"""Outgoing webhooks: record changes become HubSpot's event arrays, signed and POSTed.

Events are delivered asynchronously by one background thread, up to `webhook_batch_size` per
request, each request signed with v3 (and the legacy v1 header HubSpot still sends). A delivery
answered with anything but 2xx, or not answered, is retried with exponential backoff up to
`webhook_max_attempts` times; each attempt is freshly signed and carries its `attemptNumber`.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.hubspot.signature import sign_v1, sign_v3

from .config import SandboxConfig
from .records import Change
from .schema import OBJECT_TYPES
from .timeutil import epoch_ms

__all__ = ["DeliveryAttempt", "WebhookDispatcher"]

_CHANGE_FLAGS = {"creation": "NEW", "deletion": "DELETED"}


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST the dispatcher made: which events, which attempt, and how it ended."""

    attempt_number: int
    event_ids: tuple[int, ...]
    status_code: int | None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(order=True)
class _Delivery:
    due: float
    sequence: int
    events: list[dict[str, Any]] = field(compare=False)
    attempt: int = field(default=0, compare=False)


class WebhookDispatcher:
    """Turns `Change`s into events and delivers them; thread-safe, started and stopped once."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._condition = threading.Condition()
        self._queue: list[dict[str, Any]] = []
        self._retries: list[_Delivery] = []
        self._in_flight = 0
        self._event_ids = itertools.count(1)
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.attempts: list[DeliveryAttempt] = []
        self.delivered_events = 0
        self.abandoned_events = 0

    # -- producing ---------------------------------------------------------------------------

    def publish(self, changes: list[Change]) -> None:
        """Queue the events the configured subscriptions select from `changes`."""
        if self._config.webhook_url is None:
            return
        events = [event for change in changes if (event := self._event(change)) is not None]
        if events:
            with self._condition:
                self._queue.extend(events)
                self._condition.notify_all()

    def _event(self, change: Change) -> dict[str, Any] | None:
        cfg = self._config
        subscription = f"{OBJECT_TYPES[change.object_type].singular}.{change.kind}"
        if subscription not in cfg.webhook_subscriptions:
            return None
        if (
            change.kind == "propertyChange"
            and cfg.webhook_properties is not None
            and change.property_name not in cfg.webhook_properties
        ):
            return None
        event: dict[str, Any] = {
            "eventId": next(self._event_ids),
            "subscriptionId": 1000 + cfg.webhook_subscriptions.index(subscription),
            "portalId": cfg.portal_id,
            "appId": cfg.app_id,
            "occurredAt": epoch_ms(change.occurred_at),
            "subscriptionType": subscription,
            "attemptNumber": 0,
            "objectId": int(change.object_id),
            "changeSource": change.source,
        }
        if change.kind == "propertyChange":
            event["propertyName"] = change.property_name
            event["propertyValue"] = change.property_value
        else:
            event["changeFlag"] = _CHANGE_FLAGS[change.kind]
        return event

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        with self._condition:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(
                target=self._run, name="hubspot-sandbox-webhooks", daemon=True
            )
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
                    size = self._config.webhook_batch_size
                    batch, self._queue = self._queue[:size], self._queue[size:]
                    self._in_flight += 1
                    return _Delivery(now, next(self._sequence), batch)
                wait = self._retries[0].due - now if self._retries else None
                self._condition.wait(wait)
            return None

    def _run(self) -> None:
        with httpx.Client(timeout=self._config.webhook_timeout_s) as client:
            while (delivery := self._next_delivery()) is not None:
                attempt = self._send(client, delivery)
                with self._condition:
                    self.attempts.append(attempt)
                    self._in_flight -= 1
                    if attempt.succeeded:
                        self.delivered_events += len(delivery.events)
                    elif delivery.attempt + 1 < self._config.webhook_max_attempts:
                        delivery.attempt += 1
                        delivery.due = self._clock() + self._backoff(delivery.attempt)
                        heapq.heappush(self._retries, delivery)
                    else:
                        self.abandoned_events += len(delivery.events)
                    self._condition.notify_all()

    def _backoff(self, attempt: int) -> float:
        cfg = self._config
        return float(min(cfg.webhook_retry_max_s, cfg.webhook_retry_base_s * 2 ** (attempt - 1)))

    def _send(self, client: httpx.Client, delivery: _Delivery) -> DeliveryAttempt:
        cfg = self._config
        url = cfg.webhook_url
        events = [{**event, "attemptNumber": delivery.attempt} for event in delivery.events]
        event_ids = tuple(int(event["eventId"]) for event in events)
        if url is None:
            return DeliveryAttempt(delivery.attempt, event_ids, None, "no webhook_url configured")
        body = json.dumps(events, separators=(",", ":")).encode("utf-8")
        timestamp = str(int(time.time() * 1000))
        headers = {
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": sign_v3(cfg.client_secret, "POST", url, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp,
            "X-HubSpot-Signature": sign_v1(cfg.client_secret, body),
            "X-HubSpot-Signature-Version": "v1",
        }
        try:
            response = client.post(url, content=body, headers=headers)
        except Exception as exc:  # any failure to deliver is a failed attempt, never a dead thread
            return DeliveryAttempt(
                delivery.attempt, event_ids, None, f"{type(exc).__name__}: {exc}"
            )
        return DeliveryAttempt(delivery.attempt, event_ids, response.status_code)
