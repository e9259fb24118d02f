"""HubSpot's webhooks through the hub's receiver: a change in HubSpot arrives verified and
becomes an inbound update through the core's inbound path; a forged or stale signature is
refused with 401 and nothing is recorded; HubSpot's events become the core's field changes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.hubspot import HubSpotConnector, HubSpotSettings, webhook_changes
from connectors.hubspot.sandbox import SandboxServer
from connectors.hubspot.signature import sign_v3
from connectors.hubspot.webhooks import changes_from_events
from hub.engine.inbound import (
    Authority,
    ConflictPolicy,
    FieldValue,
    InboundChanges,
    InboundUpdate,
    group_changes,
)
from hub.store import StateStore, Tx
from hub.testing.sandbox.faultserver import serve_asgi
from hub.web import create_webhook_app, inbound_handler

SECRET = "sandbox-client-secret"
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Receiver:
    url: str
    payloads: list[Any] = field(default_factory=list)
    updates: list[InboundUpdate] = field(default_factory=list)


@pytest.fixture
def state(sqlite_url: str) -> Iterator[StateStore]:
    store = StateStore(sqlite_url)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture
def receiver(state: StateStore) -> Iterator[Receiver]:
    """The hub's webhook app on loopback, for connection `crm`, feeding the inbound path."""
    hub = HubSpotConnector(HubSpotSettings(access_token="unused", client_secret=SECRET))
    found = Receiver("")
    inbound = InboundChanges(state, "hubspot", ConflictPolicy(default=Authority.VENDOR),
                             apply=lambda _tx, update: found.updates.append(update))
    feed = inbound_handler({"crm": (hub, inbound)})  # its parser: hub.parse_webhook

    def handle(connection: str, payload: Any) -> None:
        found.payloads.append((connection, payload))
        feed(connection, payload)

    app = create_webhook_app({"crm": hub.webhook_verifier()}, handle)
    with serve_asgi(app) as server:
        found.url = f"{server.url}/webhooks/crm"
        yield found


def post(url: str, body: bytes, signature: str, timestamp: str) -> httpx.Response:
    return httpx.post(url, content=body, headers={
        "Content-Type": "application/json", "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": timestamp})


def test_a_change_in_hubspot_arrives_as_a_verified_inbound_update(
        start_hubspot_sandbox: Callable[..., SandboxServer], receiver: Receiver) -> None:
    sandbox = start_hubspot_sandbox(webhook_url=receiver.url,
                                    webhook_subscriptions=("contact.propertyChange",))
    contact = sandbox.state.create("contacts", {"email": "ada@example.com"})
    assert sandbox.state.webhooks.wait_idle(10)
    receiver.updates.clear()

    sandbox.state.modify("contacts", contact.id, {"firstname": "Ada", "lastname": "Lovelace"})
    assert sandbox.state.webhooks.wait_idle(10)

    assert all(a.succeeded for a in sandbox.state.webhooks.attempts)
    assert [(u.object_type, u.external_id, u.values, u.source) for u in receiver.updates] == [
        ("contacts", contact.id, {"firstname": "Ada", "lastname": "Lovelace"}, "CRM_UI")]


def test_a_forged_signature_is_refused_and_nothing_is_recorded(receiver: Receiver) -> None:
    body = json.dumps([{"eventId": 1, "subscriptionType": "contact.propertyChange",
                        "objectId": 7, "propertyName": "email", "propertyValue": "x@evil.test",
                        "occurredAt": 1}]).encode()
    now = str(int(time.time() * 1000))
    forged = sign_v3("not-the-secret", "POST", receiver.url, body, now)
    tampered = sign_v3(SECRET, "POST", receiver.url, body.replace(b"evil", b"good"), now)

    answers = [post(receiver.url, body, forged, now), post(receiver.url, body, tampered, now)]

    assert [a.status_code for a in answers] == [401, 401]
    assert "signature" in answers[0].json()["error"]
    assert (receiver.payloads, receiver.updates) == ([], [])


def test_a_stale_signature_is_refused_and_nothing_is_recorded(receiver: Receiver) -> None:
    body = b"[]"
    stale = str(int((time.time() - 301) * 1000))  # five minutes and a second ago

    answer = post(receiver.url, body, sign_v3(SECRET, "POST", receiver.url, body, stale), stale)

    assert answer.status_code == 401
    assert "old" in answer.json()["error"]
    assert receiver.payloads == []


def test_an_unknown_connection_is_404(receiver: Receiver) -> None:
    url = receiver.url.replace("/crm", "/other")
    now = str(int(time.time() * 1000))

    answer = post(url, b"[]", sign_v3(SECRET, "POST", url, b"[]", now), now)

    assert answer.status_code == 404
    assert receiver.payloads == []


# -- turning events into updates, and the conflict policy ------------------------------------


def event(event_id: int, name: str, value: str, at: datetime, object_id: int = 1,
          kind: str = "contact.propertyChange") -> dict[str, Any]:
    return {"eventId": event_id, "subscriptionType": kind, "objectId": object_id,
            "propertyName": name, "propertyValue": value, "changeSource": "CRM_UI",
            "occurredAt": int(at.timestamp() * 1000)}


def test_events_group_by_record_and_the_latest_value_wins() -> None:
    events = [event(2, "firstname", "New", T0 + timedelta(seconds=5)),
              event(1, "firstname", "Old", T0),  # delivered late: older, so it loses
              event(3, "lastname", "Byron", T0, object_id=2),
              event(4, "dealname", "ignored", T0, kind="deal.creation")]

    updates = group_changes(changes_from_events(events))

    assert [(u.external_id, u.values, sorted(u.event_ids)) for u in updates] == [
        ("1", {"firstname": "New"}, ["1", "2"]), ("2", {"lastname": "Byron"}, ["3"])]


def test_a_property_change_carries_hubspot_s_ids_and_times() -> None:
    [change] = changes_from_events([event(42, "email", "ada@example.com", T0, object_id=7)])

    assert (change.provider, change.event_id, change.object_type, change.external_id,
            change.field, change.value, change.occurred_at, change.source) == (
        "hubspot", "42", "contacts", "7", "email", "ada@example.com", T0, "CRM_UI")


def test_an_event_without_an_event_id_is_not_a_change() -> None:
    nameless = event(1, "email", "x@example.com", T0)
    del nameless["eventId"]

    assert changes_from_events([nameless]) == []


def test_a_body_that_is_not_an_event_array_is_400_and_nothing_is_applied(
        receiver: Receiver) -> None:
    body = json.dumps({"eventId": 1, "subscriptionType": "contact.propertyChange"}).encode()
    now = str(int(time.time() * 1000))

    answer = post(receiver.url, body, sign_v3(SECRET, "POST", receiver.url, body, now), now)

    assert answer.status_code == 400
    assert "array" in answer.json()["error"]
    assert receiver.updates == []


def test_the_inbound_path_applies_what_the_policy_takes_and_drops_duplicates(
        state: StateStore) -> None:
    applied: list[InboundUpdate] = []
    local = {"email": FieldValue("ada@hub.test", T0 + timedelta(hours=1)),
             "firstname": FieldValue("Ada", T0 - timedelta(hours=1))}

    def apply(_tx: Tx, update: InboundUpdate) -> None:
        applied.append(update)

    inbound = InboundChanges(state, "hubspot", ConflictPolicy({"email": "hub"}), apply=apply,
                             local=lambda _tx, _update: local)
    batch = [event(10, "email", "ada@hubspot.test", T0), event(11, "firstname", "Augusta", T0),
             event(12, "phone", "+15550100", T0)]

    first = inbound.handle(webhook_changes(batch))
    again = inbound.handle(webhook_changes(batch))  # HubSpot delivers at least once

    assert [u.values for u in first] == [{"firstname": "Augusta", "phone": "+15550100"}]
    assert applied == first
    assert again == []
