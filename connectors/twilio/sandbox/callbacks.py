"""Callbacks the sandbox posts, signed as Twilio signs them: message status changes, and the
messages people text to the account (a STOP reply).

Twilio posts one form-encoded request per callback to the message's StatusCallback (or the
Messaging Service's) after each status change past the first: `sent`, then `delivered` or
`undelivered`, or `failed`. Which fate a message meets is drawn from the config's rates with
the fault seed. On demand a callback is posted twice (`duplicate_rate`) or a message's final
status before its `sent` (`out_of_order`), as Twilio's delivery sometimes does. The harness's
WebhookDispatcher delivers (one per target URL, retried with backoff); each attempt carries
`X-Twilio-Signature` over that URL and the form parameters.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from connectors.twilio.signature import signature
from hub.testing.sandbox import WebhookDispatcher, WebhookSettings

from .config import SandboxConfig
from .shapes import API_VERSION, Message

__all__ = ["TwilioCallbacks"]

# The delivery error codes a status callback carries (ErrorCode).
UNDELIVERED_CODE, FAILED_CODE = "30003", "30008"


class TwilioCallbacks:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._random = random.Random(config.fault_seed)
        self._lock = threading.Lock()
        self._dispatchers: dict[str, WebhookDispatcher] = {}
        self._started = False
        self._counter = 0

    # -- what Twilio posts ---------------------------------------------------------------------

    def fate(self) -> str:
        """The final status of the next message sent, drawn from the configured rates."""
        cfg = self.config
        with self._lock:
            draw = self._random.random()
        if draw < cfg.failed_rate:
            return "failed"
        if draw < cfg.failed_rate + cfg.undelivered_rate:
            return "undelivered"
        return "delivered"

    def status_changes(self, message: Message, statuses: Sequence[str]) -> None:
        """Post a status callback per status, in order (reversed when `out_of_order`)."""
        url = message.status_callback or self.config.status_callback_url
        if url is None:
            return
        ordered = list(reversed(statuses)) if self.config.out_of_order else list(statuses)
        events = [self._event(self._status_params(message, status)) for status in ordered]
        self._post(url, events)

    def inbound(self, message: Message, keyword: str | None) -> None:
        """Post an inbound message to the account's incoming-message URL."""
        if self.config.inbound_url is None:
            return
        params = [
            ("ToCountry", "US"), ("SmsMessageSid", message.sid), ("NumMedia", "0"),
            ("SmsSid", message.sid), ("SmsStatus", "received"), ("Body", message.body),
            ("To", message.to), ("NumSegments", "1"), ("MessageSid", message.sid),
            ("AccountSid", message.account_sid), ("From", message.from_),
            ("ApiVersion", API_VERSION),
        ]
        if keyword is not None and self.config.advanced_opt_out:
            params.append(("OptOutType", keyword))
        self._post(self.config.inbound_url, [self._event(params)])

    def _status_params(self, message: Message, status: str) -> list[tuple[str, str]]:
        params = [
            ("SmsSid", message.sid), ("SmsStatus", status), ("MessageStatus", status),
            ("To", message.to), ("MessageSid", message.sid),
            ("AccountSid", message.account_sid), ("From", message.from_),
            ("ApiVersion", API_VERSION),
        ]
        if message.messaging_service_sid:
            params.append(("MessagingServiceSid", message.messaging_service_sid))
        if status in ("undelivered", "failed"):
            params.append(("ErrorCode", UNDELIVERED_CODE if status == "undelivered"
                           else FAILED_CODE))
        if status in ("delivered", "undelivered"):
            params.append(("RawDlrDoneDate", datetime.now(UTC).strftime("%y%m%d%H%M")))
        return params

    def _event(self, params: list[tuple[str, str]]) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            return {"id": self._counter, "params": params}

    def _post(self, url: str, events: list[dict[str, Any]]) -> None:
        with self._lock:
            posted = [copy for event in events
                      for copy in ([event, event] if self._random.random()
                                   < self.config.duplicate_rate else [event])]
        self._dispatcher(url).enqueue(posted)

    # -- delivery ------------------------------------------------------------------------------

    def _dispatcher(self, url: str) -> WebhookDispatcher:
        cfg = self.config
        with self._lock:
            found = self._dispatchers.get(url)
            if found is None:
                # Twilio posts each callback on its own, so one per request.
                target = WebhookSettings(url, cfg.webhook_max_attempts, cfg.webhook_retry_base_s,
                                         cfg.webhook_retry_max_s, cfg.webhook_timeout_s,
                                         webhook_batch_size=1)
                found = self._dispatchers[url] = WebhookDispatcher(
                    target, sign=self._sign, render=_form,
                    event_id=lambda event: event["id"], name="twilio-sandbox-callbacks")
                if self._started:
                    found.start()
            return found

    def _sign(self, url: str, body: bytes) -> dict[str, str]:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature(self.config.auth_token, url, params),
            "User-Agent": "TwilioProxy/1.1",
        }

    @property
    def dispatchers(self) -> list[WebhookDispatcher]:
        with self._lock:
            return list(self._dispatchers.values())

    def start(self) -> None:
        with self._lock:
            self._started = True
            dispatchers = list(self._dispatchers.values())
        for dispatcher in dispatchers:
            dispatcher.start()

    def stop(self) -> None:
        with self._lock:
            self._started = False
        for dispatcher in self.dispatchers:
            dispatcher.stop()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every callback queued so far was delivered or given up."""
        return all(dispatcher.wait_idle(timeout) for dispatcher in self.dispatchers)


def _form(events: Sequence[Any], attempt: int) -> bytes:
    (event,) = events  # one callback per request, as Twilio posts them
    return urlencode(event["params"]).encode("utf-8")
