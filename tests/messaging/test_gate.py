"""The gate's frequency caps, cooldowns and quiet hours, each holding and each refusing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hub.errors import ConfigError
from hub.messaging.config import messaging_from_config
from hub.model.people import Channel
from hub.store import StateStore
from hub.store import tables as t
from tests.messaging.conftest import NO_WAIT, NOW, Clock, MakeMessaging, add_contact, intent
from tests.messaging.sender import RecordingSender


def _history(store: StateStore, contact_id: str, *ages: timedelta, campaign: str = "old",
             offer_group: str | None = None) -> None:
    with store.transaction() as tx:
        for i, age in enumerate(ages):
            tx.conn.execute(t.send_ledger.insert().values(
                idempotency_key=f"hist:{contact_id}:{campaign}:{i}", tenant="default",
                channel="email", provider="test", contact_id=contact_id, status="sent",
                campaign_id=campaign, offer_group=offer_group, created_at=NOW - age,
                updated_at=NOW - age))


def _reasons(store: StateStore) -> dict[str, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.message_refusals.c.contact_id,
                                      t.message_refusals.c.detail)).all()
    return {r.contact_id: r.detail for r in rows}


async def test_weekly_and_daily_caps_count_the_ledger(store: StateStore,
                                                      make_messaging: MakeMessaging) -> None:
    days = timedelta(days=1)
    add_contact(store, "week-full")
    _history(store, "week-full", 2 * days, 4 * days, 6 * days)
    add_contact(store, "week-rolled")  # three sends, one of them 8 days ago: room for one
    _history(store, "week-rolled", 2 * days, 4 * days, 8 * days)
    add_contact(store, "day-full")
    _history(store, "day-full", timedelta(hours=1), timedelta(hours=5))
    messaging = make_messaging()
    messaging.enqueue(intent(c) for c in ["week-full", "week-rolled", "day-full"])
    sender = RecordingSender()
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert [d["to"] for d in sender.deliveries] == ["week-rolled@example.com"]
    assert report.refused == {"capped": 2}
    assert _reasons(store) == {"week-full": "3 in 7 days (cap 3)",
                               "day-full": "2 in 24 hours (cap 2)"}


async def test_caps_hold_within_one_run(store: StateStore, make_messaging: MakeMessaging) -> None:
    add_contact(store, "c1")
    messaging = make_messaging({"caps": {"email": {"per_week": 3, "per_day": 1}}})
    messaging.enqueue(intent("c1", f"campaign-{i}") for i in range(3))
    sender = RecordingSender()
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert len(sender.deliveries) == 1
    assert report.refused == {"capped": 2}


async def test_same_trigger_once_per_24_hours_and_high_value_cooldown(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    add_contact(store, "again")
    _history(store, "again", timedelta(hours=20), campaign="win_back")
    add_contact(store, "offered")
    _history(store, "offered", timedelta(days=10), campaign="vip", offer_group="VIP20")
    add_contact(store, "long-ago")
    _history(store, "long-ago", timedelta(days=15), campaign="vip", offer_group="VIP20")
    messaging = make_messaging()
    messaging.enqueue([intent("again", "win_back"),
                       intent("offered", "win_back", offer_group="VIP20"),
                       intent("long-ago", "win_back", offer_group="VIP20")])
    sender = RecordingSender()
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert [d["to"] for d in sender.deliveries] == ["long-ago@example.com"]
    assert report.refused == {"same_trigger": 1, "cooldown": 1}


async def test_quiet_hours_defer_to_the_local_window_or_refuse_what_expires_first(
        store: StateStore, make_messaging: MakeMessaging, clock: Clock) -> None:
    # 14:00 UTC is 23:00 in Tokyo (quiet) and 15:00 in Paris (open)
    add_contact(store, "paris", channel="sms")
    add_contact(store, "tokyo", channel="sms", time_zone="Asia/Tokyo")
    add_contact(store, "tokyo-late", channel="sms", time_zone="Asia/Tokyo")
    messaging = make_messaging()
    sms = {"channel": "sms", "template": "sms"}
    messaging.enqueue([intent("paris", **sms), intent("tokyo", **sms),
                       intent("tokyo-late", expires_at=NOW + timedelta(hours=2), **sms)])
    sender = RecordingSender(channel=Channel.SMS, batch_size=1, idempotent=False)
    worker = messaging.worker(sender, "test", retry=NO_WAIT)
    report = await worker.run()
    assert [d["to"][:3] for d in sender.deliveries] == ["+33"]
    assert report.deferred == 1
    assert report.refused == {"quiet_hours": 1}
    with store.engine.connect() as conn:
        due = conn.execute(sa.select(t.messages.c.not_before).where(
            t.messages.c.contact_id == "tokyo")).scalar_one()
    assert due == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # 08:00 on the 11th in Tokyo
    clock.now = due - timedelta(minutes=1)
    assert (await worker.run()).sent == 0
    clock.now = due
    assert (await worker.run()).sent == 1
    assert len(sender.deliveries) == 2


async def test_an_intent_past_its_expiry_is_refused(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    add_contact(store, "late")
    messaging = make_messaging()
    messaging.enqueue([intent("late", expires_at=NOW - timedelta(minutes=1))])
    report = await messaging.worker(RecordingSender(), "test", retry=NO_WAIT).run()
    assert report.refused == {"expired": 1}


def test_bad_messaging_settings_are_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError, match="IANA time zone"):
        messaging_from_config(None, {"default_time_zone": "Mars/Olympus"})
    with pytest.raises(ConfigError, match="same_trigger_hours"):
        messaging_from_config(None, {"same_trigger_hours": 2})
    settings = messaging_from_config(None, {"quiet_hours": {"sms": None}})
    assert settings.window("sms") is None  # type: ignore[arg-type]
    assert settings.cap("email").per_week == 3  # type: ignore[arg-type, union-attr]
