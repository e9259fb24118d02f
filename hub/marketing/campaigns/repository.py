"""Campaigns in the state store: the document table, the locks, the audit trail.

The `campaigns` table keeps the whole `Campaign` model as a JSON document, plus the columns
the store filters on (name, type, status). Every function takes the caller's transaction, so
that a state change, its audit row and its domain events commit together or not at all.

Locking: a tenant-wide rule (at most N active campaigns) is only true if two launches cannot
both read "N-1 active" and both proceed. `lock_tenant` locks the tenant's campaign rows (in
id order, so lockers never deadlock): a second launch waits for the first to commit and then
reads its result (`dialect.lock_rows` says how each database does it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.errors import DomainRuleError
from hub.marketing.common.dialect import lock_rows
from hub.model import Campaign
from hub.store import tables as t
from hub.store.state import Tx

SUBJECT = "campaign"


def lock_tenant(tx: Tx, tenant: str) -> None:
    """Serialise this transaction against every other one that locks the same tenant."""
    c = t.campaigns.c
    lock_rows(tx.conn, sa.select(c.id).where(c.tenant == tenant).order_by(c.id))


def lock_campaign(tx: Tx, tenant: str, campaign_id: str) -> None:
    """Serialise changes to one campaign (read-modify-write of its spend, its status …)."""
    c = t.campaigns.c
    lock_rows(tx.conn, sa.select(c.id).where(c.tenant == tenant, c.id == campaign_id))


def find(tx: Tx, tenant: str, campaign_id: str) -> Campaign | None:
    c = t.campaigns.c
    row = tx.conn.execute(
        sa.select(c.document).where(c.tenant == tenant, c.id == campaign_id)
    ).first()
    return None if row is None else Campaign.model_validate(row.document)


def get(tx: Tx, tenant: str, campaign_id: str) -> Campaign:
    campaign = find(tx, tenant, campaign_id)
    if campaign is None:
        raise DomainRuleError(
            "campaign.unknown", f"tenant {tenant!r} has no campaign {campaign_id!r}"
        )
    return campaign


def tenant_campaigns(tx: Tx, tenant: str) -> list[Campaign]:
    c = t.campaigns.c
    rows = tx.conn.execute(sa.select(c.document).where(c.tenant == tenant).order_by(c.id))
    return [Campaign.model_validate(r.document) for r in rows]


def _row(campaign: Campaign, at: datetime) -> dict[str, Any]:
    return {"name": campaign.name, "type": campaign.type.value, "status": campaign.status.value,
            "document": campaign.model_dump(mode="json"), "updated_at": at}


def insert(tx: Tx, campaign: Campaign, at: datetime) -> None:
    exists = DomainRuleError(
        "campaign.exists",
        f"tenant {campaign.tenant!r} already has a campaign {campaign.id!r}; choose another id")
    if find(tx, campaign.tenant, campaign.id) is not None:
        raise exists
    try:
        tx.conn.execute(t.campaigns.insert().values(tenant=campaign.tenant, id=campaign.id,
                                                    **_row(campaign, at)))
    except sa.exc.IntegrityError:  # created by a concurrent transaction since `find`
        raise exists from None


def update(tx: Tx, campaign: Campaign, at: datetime) -> None:
    c = t.campaigns.c
    tx.conn.execute(sa.update(t.campaigns)
                    .where(c.tenant == campaign.tenant, c.id == campaign.id)
                    .values(**_row(campaign, at)))


def segment_size(tx: Tx, tenant: str, segment: str) -> int | None:
    """Members stored for the segment; None when the store knows nothing of the segment."""
    members = t.segment_members.c
    count = int(tx.conn.execute(
        sa.select(sa.func.count()).where(members.tenant == tenant, members.segment == segment)
    ).scalar_one())
    if count:
        return count
    s = t.segments.c
    known = tx.conn.execute(
        sa.select(s.name).where(s.tenant == tenant, s.name == segment)
    ).first()
    return 0 if known else None


def segment_members(tx: Tx, tenant: str, segment: str) -> list[str]:
    members = t.segment_members.c
    rows = tx.conn.execute(sa.select(members.contact_id)
                           .where(members.tenant == tenant, members.segment == segment)
                           .order_by(members.contact_id))
    return [r.contact_id for r in rows]


def audit(tx: Tx, *, tenant: str, actor: str, action: str, subject_id: str,
          detail: Mapping[str, Any], at: datetime, subject_type: str = SUBJECT) -> None:
    """Who did what to which subject, and when; `detail` is JSON."""
    tx.conn.execute(t.audit_log.insert().values(
        tenant=tenant, actor=actor, action=action, subject_type=subject_type,
        subject_id=subject_id, detail=dict(detail), at=at))


def audit_trail(tx: Tx, tenant: str, subject_id: str,
                subject_type: str = SUBJECT) -> list[dict[str, Any]]:
    """The audit rows of one subject, oldest first."""
    a = t.audit_log.c
    rows = tx.conn.execute(
        sa.select(a.actor, a.action, a.detail, a.at)
        .where(a.tenant == tenant, a.subject_type == subject_type, a.subject_id == subject_id)
        .order_by(a.at, a.id)
    )
    return [row._asdict() for row in rows]
