"""The gate: may this message go to this contact now? Consent is absolute (invariant 4).

In the order of the suppression precedence (marketing-methods §4.2), a message is refused for:

1. `no_address`: the contact is unknown or has no address on the channel;
2. `suppressed`: unsubscribed, hard bounced, complained or manually suppressed on the channel;
3. `no_consent`: the channel's consent (or the topic's, which overrides it) is not opted-in;
4. `expired`: it was due to expire before it could go out;
5. quiet hours: outside the channel's window in the contact's time zone it is *deferred* to
   the window's next opening, or refused (`quiet_hours`) when it expires first;
6. `capped` (the channel's rolling per-week or per-day cap), `same_trigger` (the same trigger
   or campaign reached the contact within 24 h) or `cooldown` (a high-value offer of the same
   group within 14 days).

The caps are counted from the send ledger inside the transaction that then reserves the
message, while the contact's row is locked (`lock_contact`): concurrent workers reserving for
one contact take turns, so a cap counted is a cap kept, across processes and machines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hub.messaging.config import MessagingSettings, Window
from hub.model.people import Channel, Consent, ConsentStatus, Contact
from hub.store import tables as t
from hub.store.sends import SendLedger

WEEK, DAY = timedelta(days=7), timedelta(days=1)


@dataclass(frozen=True)
class Verdict:
    reason: str | None = None  # None: allowed (unless deferred)
    detail: str = ""
    defer_until: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is None and self.defer_until is None


ALLOW = Verdict()


def lock_contact(conn: sa.Connection, tenant: str, contact_id: str) -> dict[str, Any] | None:
    """Lock the contact's row for this transaction and return it (None: no such contact).

    PostgreSQL: SELECT … FOR UPDATE. SQLite has no row locks: a no-op UPDATE takes the
    database's write lock first, so the counts read after it cannot go stale either."""
    return read_contact(conn, tenant, contact_id, lock=True)


def read_contact(conn: sa.Connection, tenant: str, contact_id: str, *,
                 lock: bool = False) -> dict[str, Any] | None:
    c = t.contacts.c
    where = (c.tenant == tenant, c.id == contact_id)
    if lock and conn.dialect.name == "sqlite":
        conn.execute(sa.update(t.contacts).where(*where).values(tenant=c.tenant))
    query = sa.select(c.id, c.email, c.phone, c.first_name, c.last_name, c.time_zone,
                      c.lifecycle_stage, c.properties).where(*where)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def address(contact: dict[str, Any], channel: str) -> str | None:
    found = contact.get("email") if channel == Channel.EMAIL else contact.get("phone")
    return str(found) if found else None


class Gate:
    def __init__(self, settings: MessagingSettings, tenant: str) -> None:
        self.settings, self.tenant = settings, tenant

    def reachable(self, conn: sa.Connection, intent: dict[str, Any],
                  contact: dict[str, Any] | None) -> Verdict:
        """Steps 1 to 3: address, suppressions and consent (what a retry is checked against)."""
        channel = intent["channel"]
        if contact is None:
            return Verdict("no_address", "unknown contact")
        if not address(contact, channel):
            return Verdict("no_address", f"no {channel} address")
        s = t.suppressions.c
        suppressed = conn.execute(sa.select(s.reason).where(
            s.tenant == self.tenant, s.contact_id == contact["id"], s.channel == channel)
        ).scalar()
        if suppressed:
            return Verdict("suppressed", f"suppressed on {channel} ({suppressed})")
        consent = self._consent(conn, contact["id"], Channel(channel))
        if consent != ConsentStatus.OPTED_IN:
            return Verdict("no_consent", f"{channel} consent is {consent}")
        return ALLOW

    def judge(self, conn: sa.Connection, intent: dict[str, Any],
              contact: dict[str, Any] | None, now: datetime) -> Verdict:
        """The whole gate, for a message about to be reserved (its contact locked)."""
        verdict = self.reachable(conn, intent, contact)
        if not verdict.allowed:
            return verdict
        assert contact is not None
        expires = intent.get("expires_at")
        if expires is not None and expires <= now:
            return Verdict("expired", f"expired {expires:%Y-%m-%d %H:%M} UTC")
        window = self.settings.window(Channel(intent["channel"]))
        if window is not None:
            zone = ZoneInfo(contact.get("time_zone") or self.settings.default_time_zone)
            opens = next_opening(window, now, zone)
            if opens is not None:
                if expires is not None and opens >= expires:
                    return Verdict("quiet_hours", f"expires before {window.send_from:%H:%M} "
                                                  f"in {zone.key}")
                return Verdict(defer_until=opens)
        return self._frequency(conn, intent, now)

    def _consent(self, conn: sa.Connection, contact_id: str, channel: Channel) -> ConsentStatus:
        cs = t.consents.c
        rows = conn.execute(sa.select(cs.topic, cs.status, cs.source, cs.recorded_at).where(
            cs.tenant == self.tenant, cs.contact_id == contact_id, cs.channel == channel))
        consents = [Consent(channel=channel, topic=row.topic or None, status=row.status,
                            source=row.source, recorded_at=row.recorded_at) for row in rows]
        return Contact(tenant=self.tenant, id=contact_id, consents=consents).consent_for(channel)

    def _frequency(self, conn: sa.Connection, intent: dict[str, Any], now: datetime) -> Verdict:
        settings = self.settings
        horizon = max(WEEK, settings.same_trigger, settings.high_value_cooldown)
        sent = SendLedger(conn).counted_since(self.tenant, intent["contact_id"],
                                              intent["channel"], now - horizon)
        cap = settings.cap(Channel(intent["channel"]))
        if cap is not None:
            week = sum(1 for s in sent if s["created_at"] > now - WEEK)
            day = sum(1 for s in sent if s["created_at"] > now - DAY)
            if week >= cap.per_week:
                return Verdict("capped", f"{week} in 7 days (cap {cap.per_week})")
            if day >= cap.per_day:
                return Verdict("capped", f"{day} in 24 hours (cap {cap.per_day})")
        campaign = intent.get("campaign_id")
        if campaign and any(s["campaign_id"] == campaign
                            and s["created_at"] > now - settings.same_trigger for s in sent):
            return Verdict("same_trigger", f"{campaign} reached them within "
                                           f"{settings.same_trigger_hours} h")
        group = intent.get("offer_group")
        if group and any(s["offer_group"] == group
                         and s["created_at"] > now - settings.high_value_cooldown for s in sent):
            return Verdict("cooldown", f"a {group} offer reached them within "
                                       f"{settings.high_value_cooldown_days} days")
        return ALLOW


def next_opening(window: Window, now: datetime, zone: ZoneInfo) -> datetime | None:
    """None when `now` is inside the window; else when it next opens (aware, in UTC terms)."""
    local = now.astimezone(zone)
    if window.allows(local.time()):
        return None
    opening = datetime.combine(local.date(), window.send_from, tzinfo=zone)
    if opening <= local:
        opening = datetime.combine(local.date() + DAY, window.send_from, tzinfo=zone)
    return opening
