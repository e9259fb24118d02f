"""The sandbox's webhooks: Resend's events at the configured rates, Svix-signed, duplicated and
out of order on demand."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from svix.webhooks import Webhook, WebhookVerificationError

from connectors.resend.sandbox import DEFAULT_WEBHOOK_SECRET, SandboxServer

from .conftest import API_KEY, Receiver

EMAIL = {"from": "Shop <shop@example.com>", "subject": "Hello",
         "html": '<p>See <a href="https://shop.example.com/sale">the sale</a></p>'}


def send(sandbox: SandboxServer, count: int) -> None:
    batch = [{**EMAIL, "to": f"p{i}@example.com"} for i in range(count)]
    answer = httpx.post(sandbox.base_url + "/emails/batch", json=batch,
                        headers={"Authorization": f"Bearer {API_KEY}"})
    assert answer.status_code == 200


def test_every_event_is_signed_by_svix_and_shaped_as_resends(
        start_resend_sandbox: Callable[..., SandboxServer], webhook_receiver: Receiver) -> None:
    sandbox = start_resend_sandbox(webhook_url=webhook_receiver.url, delivered_rate=1.0,
                                   opened_rate=1.0, clicked_rate=1.0)
    send(sandbox, 1)

    got = webhook_receiver.wait_for(4)

    verifier = Webhook(DEFAULT_WEBHOOK_SECRET)
    for delivery in got:
        verifier.verify(delivery.body, delivery.headers)  # raises when the signature is wrong
    events = [json.loads(d.body) for d in got]
    assert [e["type"] for e in events] == ["email.sent", "email.delivered", "email.opened",
                                           "email.clicked"]
    assert events[3]["data"]["click"]["link"] == "https://shop.example.com/sale"
    assert {e["data"]["to"][0] for e in events} == {"p0@example.com"}
    assert len({d.headers["svix-id"] for d in got}) == 4


def test_a_tampered_body_fails_svix_verification(
        start_resend_sandbox: Callable[..., SandboxServer], webhook_receiver: Receiver) -> None:
    sandbox = start_resend_sandbox(webhook_url=webhook_receiver.url)
    send(sandbox, 1)
    delivery = webhook_receiver.wait_for(1)[0]

    with pytest.raises(WebhookVerificationError):
        Webhook(DEFAULT_WEBHOOK_SECRET).verify(delivery.body.replace(b"p0@", b"p9@"),
                                               delivery.headers)


def test_events_follow_the_configured_rates(
        start_resend_sandbox: Callable[..., SandboxServer], webhook_receiver: Receiver) -> None:
    sandbox = start_resend_sandbox(webhook_url=webhook_receiver.url, delivered_rate=0.5,
                                   hard_bounce_share=1.0, opened_rate=0.0, complained_rate=0.0)
    send(sandbox, 40)
    planned = sandbox.state.webhooks.published

    got = webhook_receiver.wait_for(len(planned))

    kinds = Counter(json.loads(d.body)["type"] for d in got)
    assert kinds["email.sent"] == 40
    assert kinds["email.delivered"] + kinds["email.bounced"] == 40
    assert 8 <= kinds["email.bounced"] <= 32  # half, give or take the seeded draw
    bounces = [json.loads(d.body)["data"]["bounce"] for d in got
               if json.loads(d.body)["type"] == "email.bounced"]
    assert {b["type"] for b in bounces} == {"Permanent"}


def test_duplicates_repeat_the_svix_id_and_body(
        start_resend_sandbox: Callable[..., SandboxServer], webhook_receiver: Receiver) -> None:
    sandbox = start_resend_sandbox(webhook_url=webhook_receiver.url, duplicate_rate=1.0,
                                   delivered_rate=1.0, opened_rate=0.0)
    send(sandbox, 1)

    got = webhook_receiver.wait_for(4)

    by_id = Counter(d.headers["svix-id"] for d in got)
    assert sorted(by_id.values()) == [2, 2]
    first, second = (d for d in got if d.headers["svix-id"] == got[0].headers["svix-id"])
    assert first.body == second.body


def test_out_of_order_delivers_an_emails_events_shuffled(
        start_resend_sandbox: Callable[..., SandboxServer], webhook_receiver: Receiver) -> None:
    sandbox = start_resend_sandbox(webhook_url=webhook_receiver.url, out_of_order=True,
                                   delivered_rate=1.0, opened_rate=1.0, clicked_rate=1.0)
    send(sandbox, 10)

    got = webhook_receiver.wait_for(40)

    order = ["email.sent", "email.delivered", "email.opened", "email.clicked"]
    per_email: dict[str, list[str]] = {}
    for delivery in got:
        event = json.loads(delivery.body)
        per_email.setdefault(event["data"]["email_id"], []).append(event["type"])
    assert all(sorted(kinds) == sorted(order) for kinds in per_email.values())
    assert any(kinds != order for kinds in per_email.values())


def test_a_refused_delivery_is_retried_with_the_same_svix_id(
        start_resend_sandbox: Callable[..., SandboxServer], webhook_receiver: Receiver) -> None:
    webhook_receiver.status = 500
    sandbox = start_resend_sandbox(webhook_url=webhook_receiver.url, webhook_retry_base_s=0.01,
                                   webhook_max_attempts=2)
    send(sandbox, 1)

    got = webhook_receiver.wait_for(2 * len(sandbox.state.webhooks.published))

    ids = Counter(d.headers["svix-id"] for d in got)
    assert set(ids.values()) == {2}


def test_an_email_read_back_shows_its_last_event(
        start_resend_sandbox: Callable[..., SandboxServer], webhook_receiver: Receiver) -> None:
    sandbox = start_resend_sandbox(webhook_url=webhook_receiver.url, delivered_rate=0.0,
                                   hard_bounce_share=1.0)
    send(sandbox, 1)
    email, = sandbox.state.emails.emails()

    found = httpx.get(f"{sandbox.base_url}/emails/{email.id}",
                      headers={"Authorization": f"Bearer {API_KEY}"}).json()

    assert found["last_event"] == "bounced"
