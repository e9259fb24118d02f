"""Provider callbacks and the unsubscribe endpoint: each event once, statuses by precedence,
bounces and complaints suppress, opt-outs and unsubscribes change consent at once."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from hub.connector.messaging import DeliveryEvent, OptOut
from hub.messaging.callbacks import Callbacks, delivery_status
from hub.messaging.unsubscribe import Subscriber
from hub.model.messaging import EngagementType
from hub.model.people import Channel
from hub.store import StateStore
from hub.store import tables as t
from hub.testing.sandbox.faultserver import serve_asgi
from hub.web.unsubscribe import create_unsubscribe_app
from tests.messaging.conftest import NO_WAIT, NOW, MakeMessaging, add_contact, intent
from tests.messaging.sender import RecordingSender


async def _send(store: StateStore, make_messaging: MakeMessaging, *contacts: str) -> dict[str, str]:
    for c in contacts:
        add_contact(store, c)
    messaging = make_messaging()
    messaging.enqueue(intent(c) for c in contacts)
    sender = RecordingSender()
    await messaging.worker(sender, "test", retry=NO_WAIT).run()
    return {d["to"].split("@")[0]: d["id"] for d in sender.deliveries}


def _event(event_id: str, provider_id: str, kind: EngagementType, minutes: int = 0,
           ) -> DeliveryEvent:
    return DeliveryEvent("test", event_id, provider_id, kind, NOW + timedelta(minutes=minutes))


def _suppressed(store: StateStore) -> dict[str, str]:
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(t.suppressions.c.contact_id,
                                           t.suppressions.c.reason)).all())


async def test_events_are_recorded_once_and_statuses_resolve_by_precedence(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    ids = await _send(store, make_messaging, "c1", "c2")
    callbacks = Callbacks(store)
    late = [_event("e2", ids["c1"], EngagementType.BOUNCED_HARD, 2),
            _event("e1", ids["c1"], EngagementType.DELIVERED, 1),  # arrives after the bounce
            _event("e3", ids["c2"], EngagementType.DELIVERED, 1),
            _event("e4", ids["c2"], EngagementType.OPENED, 5),
            _event("e4", ids["c2"], EngagementType.OPENED, 5),  # a redelivery
            _event("e9", "pm-unknown", EngagementType.DELIVERED)]
    applied = callbacks.apply(late)
    assert (applied.recorded, applied.duplicates, applied.unmatched) == (4, 1, 1)
    again = callbacks.apply(late)  # all of it again: nothing twice; the unknown one unclaimed
    assert (again.recorded, again.duplicates, again.unmatched) == (0, 5, 1)
    assert store.count(t.engagement_events) == 4
    with store.engine.connect() as conn:
        mid = dict(conn.execute(sa.select(t.messages.c.contact_id, t.messages.c.id)).all())
        assert delivery_status(conn, "default", mid["c1"]) == EngagementType.BOUNCED_HARD
        assert delivery_status(conn, "default", mid["c2"]) == EngagementType.DELIVERED
    assert _suppressed(store) == {"c1": "hard_bounced"}


async def test_a_complaint_suppresses_and_stops_the_next_send(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    ids = await _send(store, make_messaging, "c1")
    Callbacks(store).apply([_event("e1", ids["c1"], EngagementType.COMPLAINED)])
    assert _suppressed(store) == {"c1": "complained"}
    messaging = make_messaging()
    messaging.enqueue([intent("c1", "next-campaign", bucket="2026-03-20")])
    report = await messaging.worker(RecordingSender(), "test", retry=NO_WAIT).run()
    assert report.refused == {"suppressed": 1}


def test_sms_stop_and_start_change_consent_at_once(store: StateStore) -> None:
    add_contact(store, "c1", channel="sms", phone="+33612345678")
    callbacks = Callbacks(store)
    stop = OptOut("test", "in-1", Channel.SMS, "+33612345678", False, NOW, "STOP")
    assert callbacks.apply([stop, stop]).consent_changes == 1
    with store.engine.connect() as conn:
        consent = conn.execute(sa.select(t.consents.c.status, t.consents.c.source)).one()
    assert tuple(consent) == ("opted_out", "test STOP")
    assert _suppressed(store) == {"c1": "unsubscribed"}
    callbacks.apply([OptOut("test", "in-2", Channel.SMS, "+33612345678", True,
                            NOW + timedelta(hours=1), "START")])
    assert _suppressed(store) == {}
    assert callbacks.apply([OptOut("test", "in-3", Channel.SMS, "+1555", False, NOW)]).unknown == 1


async def test_the_unsubscribe_endpoint_opts_out_on_post_only_and_refuses_forged_tokens(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    messaging = make_messaging()
    await _send(store, make_messaging, "c1")
    with store.engine.connect() as conn:
        message_id = conn.execute(sa.select(t.messages.c.id)).scalar_one()
    link = messaging.links.link(Subscriber("default", "c1", "email", message_id))
    path = link.removeprefix("https://shop.example")
    one_click = {"content": "List-Unsubscribe=One-Click",
                 "headers": {"content-type": "application/x-www-form-urlencoded"}}
    with serve_asgi(create_unsubscribe_app(store, messaging.links)) as server:
        client = httpx.AsyncClient(base_url=server.url)
        page = await client.get(path)
        assert page.status_code == 200
        assert "<form method=\"post\"" in page.text
        assert _suppressed(store) == {}  # a scanner's GET changes nothing
        forged = await client.post(path[:-3] + "AAA", **one_click)  # type: ignore[arg-type]
        assert forged.status_code == 400
        assert _suppressed(store) == {}
        done = await client.post(path, **one_click)  # type: ignore[arg-type]
        assert done.status_code == 200
        again = await client.post(path)  # the confirm button after the mailbox's one-click
        assert again.status_code == 200
        await client.aclose()
    assert _suppressed(store) == {"c1": "unsubscribed"}
    with store.engine.connect() as conn:  # one event, however often the link is used
        unsubscribed = conn.execute(sa.select(t.engagement_events).where(
            t.engagement_events.c.type == "unsubscribed")).one()
    assert (unsubscribed.campaign_id, unsubscribed.message_id) == ("spring-sale", message_id)
    messaging.enqueue([intent("c1", "later", bucket="2026-03-21")])
    report = await messaging.worker(RecordingSender(), "test", retry=NO_WAIT).run()
    assert report.refused == {"suppressed": 1}
