"""The sandbox's webhooks: HubSpot's event arrays, signed v3, delivered with retries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import hubspot
import pytest
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputUpsert,
    SimplePublicObjectBatchInputUpsert,
)

from connectors.hubspot.sandbox import SandboxServer
from connectors.hubspot.signature import SignatureError, verify_v3

if TYPE_CHECKING:
    from tests.connectors.hubspot.conftest import ReceivedRequest, WebhookReceiver

StartSandbox = Callable[..., SandboxServer]
FAST_RETRIES = {"webhook_retry_base_s": 0.02, "webhook_retry_max_s": 0.1}


def _events(request: ReceivedRequest) -> list[dict[str, Any]]:
    events = json.loads(request.body)
    assert isinstance(events, list)
    return events


def _verify(
    sandbox: SandboxServer,
    receiver: WebhookReceiver,
    request: ReceivedRequest,
    body: bytes | None = None,
    now: float | None = None,
) -> None:
    verify_v3(
        sandbox.config.client_secret,
        "POST",
        receiver.url,
        request.body if body is None else body,
        request.headers.get("x-hubspot-signature-v3"),
        request.headers.get("x-hubspot-request-timestamp"),
        now=now,
    )


def test_a_ui_edit_is_posted_as_a_signed_property_change(
    start_hubspot_sandbox: StartSandbox, webhook_receiver: WebhookReceiver
) -> None:
    sandbox = start_hubspot_sandbox(
        webhook_url=webhook_receiver.url,
        webhook_subscriptions=("contact.propertyChange",),
        webhook_properties=("firstname",),
    )
    contact = sandbox.state.create("contacts", {"email": "ui@example.com"})

    sandbox.state.modify("contacts", contact.id, {"firstname": "Marie", "city": "Paris"})

    assert sandbox.state.webhooks.wait_idle(timeout=60)
    (request,) = webhook_receiver.requests
    _verify(sandbox, webhook_receiver, request)
    (event,) = _events(request)
    assert event["subscriptionType"] == "contact.propertyChange"
    assert event["objectId"] == int(contact.id)
    assert (event["propertyName"], event["propertyValue"]) == ("firstname", "Marie")
    assert event["changeSource"] == "CRM_UI"
    assert event["portalId"] == sandbox.config.portal_id
    assert event["appId"] == sandbox.config.app_id
    assert event["attemptNumber"] == 0
    assert isinstance(event["eventId"], int)
    assert isinstance(event["occurredAt"], int)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-hubspot-signature-version"] == "v1"


def test_api_writes_are_batched_into_signed_event_arrays(
    start_hubspot_sandbox: StartSandbox,
    webhook_receiver: WebhookReceiver,
    make_hubspot_client: Callable[..., hubspot.HubSpot],
) -> None:
    sandbox = start_hubspot_sandbox(
        webhook_url=webhook_receiver.url, webhook_subscriptions=("contact.creation",)
    )
    client = make_hubspot_client(sandbox)

    client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id_property="email", id=f"api{i}@example.com", properties={}
                )
                for i in range(30)
            ]
        )
    )

    assert sandbox.state.webhooks.wait_idle(timeout=60)
    events = [event for request in webhook_receiver.requests for event in _events(request)]
    for request in webhook_receiver.requests:
        _verify(sandbox, webhook_receiver, request)
    assert len(events) == 30
    assert {event["subscriptionType"] for event in events} == {"contact.creation"}
    assert {event["changeSource"] for event in events} == {"API"}
    assert {event["changeFlag"] for event in events} == {"NEW"}
    assert len({event["eventId"] for event in events}) == 30
    assert sandbox.state.webhooks.delivered_events == 30


def test_a_failed_delivery_is_retried_and_freshly_signed(
    start_hubspot_sandbox: StartSandbox, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first = 2
    sandbox = start_hubspot_sandbox(
        webhook_url=webhook_receiver.url,
        webhook_subscriptions=("company.creation",),
        **FAST_RETRIES,
    )

    company = sandbox.state.create("companies", {"name": "Retry Ltd"})

    assert sandbox.state.webhooks.wait_idle(timeout=60)
    assert [a.status_code for a in sandbox.state.webhooks.attempts] == [500, 500, 204]
    attempts = [_events(request)[0] for request in webhook_receiver.requests]
    assert [event["attemptNumber"] for event in attempts] == [0, 1, 2]
    assert {event["eventId"] for event in attempts} == {attempts[0]["eventId"]}
    assert attempts[0]["objectId"] == int(company.id)
    for request in webhook_receiver.requests:
        _verify(sandbox, webhook_receiver, request)


def test_a_delivery_is_abandoned_after_the_last_attempt(
    start_hubspot_sandbox: StartSandbox, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first = 100
    sandbox = start_hubspot_sandbox(
        webhook_url=webhook_receiver.url,
        webhook_subscriptions=("deal.creation",),
        webhook_max_attempts=3,
        **FAST_RETRIES,
    )

    sandbox.state.create("deals", {"dealname": "Lost"})

    assert sandbox.state.webhooks.wait_idle(timeout=60)
    assert len(webhook_receiver.requests) == 3
    assert sandbox.state.webhooks.abandoned_events == 1
    assert sandbox.state.webhooks.delivered_events == 0


def test_a_receiver_refuses_tampered_and_stale_deliveries(
    start_hubspot_sandbox: StartSandbox, webhook_receiver: WebhookReceiver
) -> None:
    sandbox = start_hubspot_sandbox(
        webhook_url=webhook_receiver.url, webhook_subscriptions=("contact.deletion",)
    )
    contact = sandbox.state.create("contacts", {"email": "gone@example.com"})
    sandbox.state.archive("contacts", contact.id)
    assert sandbox.state.webhooks.wait_idle(timeout=60)
    (request,) = webhook_receiver.requests
    sent_at = int(request.headers["x-hubspot-request-timestamp"]) / 1000

    _verify(sandbox, webhook_receiver, request, now=sent_at)
    with pytest.raises(SignatureError, match="does not match"):
        _verify(
            sandbox,
            webhook_receiver,
            request,
            body=request.body.replace(b"DELETED", b"RESTORED"),
            now=sent_at,
        )
    with pytest.raises(SignatureError, match="old"):
        _verify(sandbox, webhook_receiver, request, now=sent_at + 301)
    assert _events(request)[0]["changeFlag"] == "DELETED"


def test_without_a_webhook_url_nothing_is_queued(hubspot_sandbox: SandboxServer) -> None:
    hubspot_sandbox.state.create("contacts", {"email": "quiet@example.com"})

    assert hubspot_sandbox.state.webhooks.wait_idle(timeout=1)
    assert hubspot_sandbox.state.webhooks.attempts == []
