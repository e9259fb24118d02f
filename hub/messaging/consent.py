"""Consent changes the send path makes itself: unsubscribes, opt-outs and suppressions.

Each takes effect in the caller's transaction, so the next gate decision sees it: an
unsubscribe recorded is an unsubscribe honoured, whichever worker sends next.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from hub.model.people import ConsentStatus, Suppression
from hub.store import tables as t
from hub.store import upsert


def set_consent(conn: sa.Connection, tenant: str, contact_id: str, channel: str, *,
                subscribed: bool, source: str, at: datetime) -> None:
    """The channel-wide consent; opting out also suppresses (`unsubscribed`), opting back in
    lifts only that suppression (a bounce or complaint stays)."""
    status = ConsentStatus.OPTED_IN if subscribed else ConsentStatus.OPTED_OUT
    upsert(conn, t.consents, [{"tenant": tenant, "contact_id": contact_id, "channel": channel,
                               "topic": "", "status": status.value, "source": source,
                               "recorded_at": at}])
    if not subscribed:
        suppress(conn, tenant, contact_id, channel, Suppression.UNSUBSCRIBED, at)
        return
    s = t.suppressions.c
    conn.execute(sa.delete(t.suppressions).where(
        s.tenant == tenant, s.contact_id == contact_id, s.channel == channel,
        s.reason == Suppression.UNSUBSCRIBED.value))


def suppress(conn: sa.Connection, tenant: str, contact_id: str, channel: str,
             reason: Suppression, at: datetime) -> None:
    """Suppress a contact on a channel; a complaint or hard bounce overrides an unsubscribe."""
    upsert(conn, t.suppressions, [{"tenant": tenant, "contact_id": contact_id, "channel": channel,
                                   "reason": reason.value, "recorded_at": at}])


def contact_by_address(conn: sa.Connection, tenant: str | None, channel: str,
                       address: str) -> tuple[str, str] | None:
    """(tenant, contact id) of the contact with this email or phone (None: unknown)."""
    c = t.contacts.c
    column = c.email if channel == "email" else c.phone
    query = sa.select(c.tenant, c.id).where(sa.func.lower(column) == address.lower())
    if tenant is not None:
        query = query.where(c.tenant == tenant)
    row = conn.execute(query.order_by(c.tenant, c.id)).first()
    return (row.tenant, row.id) if row else None
