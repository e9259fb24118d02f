"""Each Resend event type, mapped to the core's delivery events (and opt-outs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.resend.webhooks import parse_events
from hub.connector.inbound import WebhookPayloadError
from hub.connector.messaging import DeliveryEvent, OptOut
from hub.model.messaging import EngagementType as E


def event(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "created_at": "2026-12-07T10:00:00.123Z",
            "data": {"email_id": "e-1", "created_at": "2026-12-07T09:59:00.000Z",
                     "from": "news@shop.example", "to": ["ada@example.com"], "subject": "Hi",
                     "tags": {"campaign_id": "cart", "message_id": "m1"}, **extra}}


def bounce(kind: str) -> dict[str, Any]:
    return {"type": kind, "subType": "General", "message": f"{kind} bounce",
            "diagnosticCode": ["smtp; 550"]}


CASES = [
    (event("email.sent"), E.SENT),
    (event("email.delivered"), E.DELIVERED),
    (event("email.delivery_delayed"), E.DEFERRED),
    (event("email.opened"), E.OPENED),
    (event("email.clicked", click={"link": "https://shop.example/cart", "ipAddress": "192.0.2.1",
                                   "timestamp": "2026-12-07T10:00:00Z", "userAgent": "x"}),
     E.CLICKED),
    (event("email.bounced", bounce=bounce("Permanent")), E.BOUNCED_HARD),
    (event("email.bounced", bounce=bounce("Transient")), E.BOUNCED_SOFT),
    (event("email.bounced", bounce=bounce("Undetermined")), E.BOUNCED_SOFT),
    (event("email.complained"), E.COMPLAINED),
    (event("email.failed", failed={"reason": "reached_daily_quota"}), E.FAILED),
]


@pytest.mark.parametrize(("payload", "expected"), CASES,
                         ids=[f"{p['type']}-{t.value}" for p, t in CASES])
def test_each_event_type_maps_to_its_engagement(payload: dict[str, Any], expected: E) -> None:
    found = parse_events(payload)

    first = found[0]
    assert isinstance(first, DeliveryEvent)
    assert first.type is expected
    assert first.provider == "resend"
    assert first.provider_message_id == "e-1"
    assert first.recipient == "ada@example.com"
    assert first.occurred_at == datetime(2026, 12, 7, 10, 0, 0, 123000, UTC)
    assert first.event_id.startswith(f"{payload['type']}:e-1:")


def test_details_travel_with_the_event() -> None:
    click, = parse_events(CASES[4][0])
    hard, = parse_events(CASES[5][0])
    failed, = parse_events(CASES[9][0])

    assert isinstance(click, DeliveryEvent)
    assert click.url == "https://shop.example/cart"
    assert isinstance(hard, DeliveryEvent)
    assert hard.reason == "Permanent bounce"
    assert isinstance(failed, DeliveryEvent)
    assert failed.reason == "reached_daily_quota"


def test_a_complaint_is_also_an_opt_out_of_email() -> None:
    found = parse_events(event("email.complained"))

    opt_out = found[1]
    assert isinstance(opt_out, OptOut)
    assert (opt_out.address, opt_out.subscribed, opt_out.channel.value) == (
        "ada@example.com", False, "email")
    assert opt_out.event_id == found[0].event_id


def test_the_same_event_gets_the_same_id_and_another_event_another() -> None:
    first = parse_events(event("email.opened"))[0].event_id
    again = parse_events(event("email.opened"))[0].event_id
    later = parse_events({**event("email.opened"), "created_at": "2026-12-07T10:00:01Z"})

    assert first == again
    assert later[0].event_id != first


def test_events_about_no_sent_email_report_nothing() -> None:
    assert parse_events({"type": "domain.updated", "created_at": "2026-12-07T10:00:00Z",
                         "data": {"id": "d-1", "name": "shop.example"}}) == []


@pytest.mark.parametrize("payload", [
    [], {"type": "email.sent"}, {"type": "email.sent", "data": {"to": ["a@b.example"]},
                                 "created_at": "2026-12-07T10:00:00Z"},
    {**event("email.sent"), "created_at": "yesterday"},
])
def test_a_payload_that_is_not_resends_is_refused(payload: Any) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_events(payload)
