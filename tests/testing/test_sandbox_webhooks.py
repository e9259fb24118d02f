"""Webhook delivery: batches, the vendor's signer and renderer, retries with backoff, giving up;
delivered to the fault server over loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from hub.testing.sandbox import WebhookDispatcher, WebhookSettings
from hub.testing.sandbox.faultserver import FaultServer, Step, run_fault_server

SECRET = b"whsec"


def sign(url: str, body: bytes) -> dict[str, str]:
    return {"Acme-Signature": hmac.new(SECRET, url.encode() + body, hashlib.sha256).hexdigest()}


def render(events: Sequence[Any], attempt: int) -> bytes:
    return json.dumps({"attempt": attempt, "events": list(events)}).encode()


@pytest.fixture
def receiver() -> Iterator[FaultServer]:
    with run_fault_server() as server:
        yield server


def dispatcher(receiver: FaultServer, **knobs: Any) -> WebhookDispatcher:
    settings = WebhookSettings(webhook_url=f"{receiver.url}/hooks", webhook_retry_base_s=0.01,
                               webhook_retry_max_s=0.05, **knobs)
    return WebhookDispatcher(settings, sign=sign, render=render)


def test_events_are_batched_rendered_and_signed(receiver: FaultServer) -> None:
    receiver.app.script("/hooks", Step(204))
    hooks = dispatcher(receiver, webhook_batch_size=2)
    hooks.enqueue([{"id": 1}, {"id": 2}, {"id": 3}])  # queued before start: two batches
    hooks.start()
    try:
        assert hooks.wait_idle(timeout=60)
    finally:
        hooks.stop()

    posts = receiver.app.requests("/hooks")
    assert [post.json()["events"] for post in posts] == [[{"id": 1}, {"id": 2}], [{"id": 3}]]
    for post in posts:
        url = f"{receiver.url}/hooks"
        assert post.headers["acme-signature"] == sign(url, post.body)["Acme-Signature"]
    assert hooks.delivered_events == 3
    assert [attempt.event_ids for attempt in hooks.attempts] == [(1, 2), (3,)]


def test_a_failed_delivery_is_retried_each_attempt_rendered_afresh(
    receiver: FaultServer,
) -> None:
    receiver.app.script("/hooks", Step(500), Step(fault="reset"), Step(200))
    hooks = dispatcher(receiver)
    hooks.start()
    try:
        hooks.enqueue([{"id": 7}])
        assert hooks.wait_idle(timeout=60)
    finally:
        hooks.stop()

    assert [post.json()["attempt"] for post in receiver.app.requests("/hooks")] == [0, 1, 2]
    assert [attempt.status_code for attempt in hooks.attempts] == [500, None, 200]
    assert hooks.attempts[1].error is not None  # the reset, recorded rather than fatal
    assert (hooks.delivered_events, hooks.abandoned_events) == (1, 0)


def test_delivery_gives_up_after_the_last_attempt(receiver: FaultServer) -> None:
    receiver.app.script("/hooks", Step(503))
    hooks = dispatcher(receiver, webhook_max_attempts=3)
    hooks.start()
    try:
        hooks.enqueue([{"id": 1}, {"id": 2}])
        assert hooks.wait_idle(timeout=60)
    finally:
        hooks.stop()

    assert len(receiver.app.requests("/hooks")) == 3
    assert (hooks.delivered_events, hooks.abandoned_events) == (0, 2)


def test_without_a_url_nothing_is_queued() -> None:
    hooks = WebhookDispatcher(WebhookSettings(), sign=sign)
    hooks.enqueue([{"id": 1}])
    assert hooks.wait_idle(timeout=1)
    assert hooks.attempts == []
