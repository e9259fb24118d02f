"""The send worker end to end with the test sender: gate, ledger, provider, outcomes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.connector.messaging import SendResult
from hub.store import StateStore
from hub.store import tables as t
from tests.messaging.conftest import NO_WAIT, MakeMessaging, add_contact, intent
from tests.messaging.sender import RecordingSender


def _statuses(store: StateStore) -> dict[str, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.messages.c.contact_id, t.messages.c.status)).all()
    return {r.contact_id: r.status for r in rows}


def _refusals(store: StateStore) -> dict[str, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.message_refusals.c.contact_id,
                                      t.message_refusals.c.reason)).all()
    return {r.contact_id: r.reason for r in rows}


async def test_sends_only_to_consenting_unsuppressed_contacts(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    add_contact(store, "ok")
    add_contact(store, "out", consent="opted_out")
    add_contact(store, "unknown", consent=None)
    add_contact(store, "bounced", suppressed="hard_bounced")
    messaging = make_messaging()
    assert messaging.enqueue(intent(c) for c in ["ok", "out", "unknown", "bounced", "ghost"]) == 5
    sender = RecordingSender()
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert sender.delivered_keys() == ["default:spring-sale:ok:2026-03-10"]
    assert report.sent == 1
    assert report.refused == {"no_consent": 2, "suppressed": 1, "no_address": 1}
    assert _refusals(store) == {"out": "no_consent", "unknown": "no_consent",
                                "bounced": "suppressed", "ghost": "no_address"}
    assert _statuses(store)["ok"] == "sent"


async def test_a_marketing_email_carries_unsubscribe_link_and_one_click_headers(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    add_contact(store, "c1")
    messaging = make_messaging()
    messaging.enqueue([intent("c1")])
    sender = RecordingSender()
    await messaging.worker(sender, "test", retry=NO_WAIT).run()
    [message] = sender.calls[0]
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://shop.example/unsubscribe?token=")
    assert link in message.text
    assert f'href="{link}"' in (message.html or "")
    assert message.subject == "Hello Ann-c1"
    assert message.sender == "Shop <news@shop.example>"
    assert message.tags["campaign_id"] == "spring-sale"
    assert messaging.links.verify(link.split("token=")[1]).contact_id == "c1"


async def test_enqueueing_twice_is_one_intent_and_rerunning_sends_nothing_new(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    add_contact(store, "c1")
    messaging = make_messaging()
    assert messaging.enqueue([intent("c1")]) == 1
    assert messaging.enqueue([intent("c1")]) == 0
    sender = RecordingSender()
    await messaging.worker(sender, "test", retry=NO_WAIT).run()
    await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert len(sender.calls) == 1


async def test_provider_outcomes_are_recorded(store: StateStore,
                                              make_messaging: MakeMessaging) -> None:
    for c in ["ok", "rej", "sup", "flaky", "dead"]:
        add_contact(store, c)
    messaging = make_messaging()
    messaging.enqueue(intent(c) for c in ["ok", "rej", "sup", "flaky", "dead"])
    sender = RecordingSender()
    sender.answer("rej@example.com", SendResult.rejected("invalid from", "validation_error"))
    sender.answer("sup@example.com", SendResult.suppress("on the provider's list"))
    sender.answer("flaky@example.com", SendResult.retry("try later"))
    sender.answer("dead@example.com", *[SendResult.retry("still down")] * 5)
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert sorted(d["to"] for d in sender.deliveries) == ["flaky@example.com", "ok@example.com"]
    assert (report.sent, report.failed, report.suppressed) == (2, 2, 1)
    assert store.dead_letters("messaging:email")[0].error == "invalid from (validation_error)"
    assert len(store.dead_letters("messaging:email")) == 2
    assert store.count(t.suppressions, t.suppressions.c.contact_id == "sup") == 1
    statuses = _statuses(store)
    assert statuses == {"ok": "sent", "rej": "failed", "sup": "failed", "flaky": "sent",
                        "dead": "failed"}


async def test_quota_stops_the_run_and_the_next_run_resumes(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    for i in range(5):
        add_contact(store, f"c{i}")
    messaging = make_messaging()
    messaging.enqueue(intent(f"c{i}") for i in range(5))
    sender = RecordingSender(batch_size=2, quota=1)
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert report.stopped is not None
    assert report.sent == 2
    sender.quota = None
    again = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert again.recovered == 2
    assert report.sent + again.sent == 5
    assert sorted(sender.delivered_keys()) == sorted(set(sender.delivered_keys()))
    assert len(sender.deliveries) == 5


async def test_high_value_carts_go_first_when_the_budget_is_short(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    for i, value in enumerate([20, 500, 80, 300]):
        add_contact(store, f"c{i}")
        make_messaging().enqueue([intent(f"c{i}", "cart_reminder", kind="abandoned_cart",
                                         template="cart", priority=value, variables={
                                             "cart_id": f"cart{i}", "cart_value": value,
                                             "products": [{"name": "Shoe"}]})])
    sender = RecordingSender()
    report = await make_messaging().worker(sender, "test", retry=NO_WAIT).run(budget=2)
    assert report.sent == 2
    assert sorted(d["to"] for d in sender.deliveries) == ["c1@example.com", "c3@example.com"]


async def test_an_abandoned_cart_reminder_is_dropped_once_an_order_exists(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    from tests.messaging.conftest import NOW

    add_contact(store, "buyer")
    add_contact(store, "cleared")
    messaging = make_messaging()
    for c in ["buyer", "cleared"]:
        messaging.enqueue([intent(c, "cart_reminder", kind="abandoned_cart", template="cart",
                                  variables={"cart_id": f"cart-{c}", "cart_value": 10,
                                             "products": []})])
    with store.transaction() as tx:
        tx.conn.execute(t.orders.insert().values(
            tenant="default", id="o1", contact_id="buyer", status="paid", currency="EUR",
            total=10, placed_at=NOW, cart_id="cart-buyer"))
        tx.conn.execute(t.carts.insert().values(tenant="default", id="cart-cleared",
                                                contact_id="cleared", status="cleared",
                                                updated_at=NOW))
    sender = RecordingSender()
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert sender.calls == []
    assert report.refused == {"goal_reached": 2}


@pytest.mark.parametrize("idempotent", [True, False])
async def test_a_batch_left_without_outcome_is_resent_or_reconciled(
        store: StateStore, make_messaging: MakeMessaging, idempotent: bool) -> None:
    """A batch reserved and sent, whose outcome was lost (the process died before recording
    it): the next run sends it again as it was, or asks the provider first."""
    for i in range(3):
        add_contact(store, f"c{i}")
    messaging = make_messaging()
    messaging.enqueue(intent(f"c{i}") for i in range(3))
    sender = RecordingSender(idempotent=idempotent)
    worker = messaging.worker(sender, "test", retry=NO_WAIT)
    with store.transaction() as tx:
        reservation = worker.reserver.reserve(
            tx.conn, worker.reserver.candidates(tx.conn, "email", messaging.clock(), 10),
            messaging.clock())
    from hub.messaging.worker import outbound

    await sender.send([outbound(r) for r in reservation.rows])  # … and the process died
    report = await worker.run()
    assert report.recovered == 3
    assert report.sent == 3
    assert len(sender.deliveries) == 3  # each recipient got it once
    if idempotent:  # the same batch again: the same keys, in the same order
        assert [m.idempotency_key for m in sender.calls[1]] == \
            [m.idempotency_key for m in sender.calls[0]]
    else:  # reconciled: nothing sent again
        assert len(sender.calls) == 1


async def test_retried_messages_go_again_in_batches_the_provider_takes(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    contacts = [f"c{i}" for i in range(5)]
    for c in contacts:
        add_contact(store, c)
    messaging = make_messaging()
    messaging.enqueue(intent(c) for c in contacts)
    sender = RecordingSender(batch_size=2)
    for c in contacts:
        sender.answer(f"{c}@example.com", SendResult.retry("busy"))
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert report.sent == 5
    assert report.retried == 5
    assert [len(call) for call in sender.calls] == [2, 2, 1, 2, 2, 1]
    assert len(sender.deliveries) == 5
