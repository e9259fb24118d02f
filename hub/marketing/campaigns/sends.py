"""A running campaign's message intents: one per audience member and channel, per day.

Each member of the campaign's audience segment gets, on each of its messaging channels
(email and SMS), an intent keyed by customer + campaign + day, so sending a campaign twice
on a day queues nothing new. With A/B variants, each contact's variant is the stable
weighted assignment of `hub.marketing.experiments`; the variant's `template` and `subject`
override the campaign's. A campaign's template is its variant's, else the one named `template`
by the caller, else a template named after the campaign.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from hub.errors import DomainRuleError
from hub.marketing.experiments import Allocation
from hub.messaging.intents import Intent
from hub.model import Campaign, CampaignStatus, Channel
from hub.store import tables as t

SENDABLE = (Channel.EMAIL, Channel.SMS)


def campaign_intents(conn: sa.Connection, campaign: Campaign, *, at: datetime,
                     template: str | None = None) -> list[Intent]:
    if campaign.status != CampaignStatus.RUNNING:
        raise DomainRuleError("campaign.send", f"campaign {campaign.id!r} is {campaign.status}:"
                                               f" only a running campaign sends")
    if not campaign.audience_segment:
        raise DomainRuleError("campaign.send", f"campaign {campaign.id!r} has no audience "
                                               f"segment to send to")
    channels = [c for c in campaign.channels if c in SENDABLE] or [Channel.EMAIL]
    sm = t.segment_members.c
    members = conn.execute(sa.select(sm.contact_id).where(
        sm.tenant == campaign.tenant, sm.segment == campaign.audience_segment)
        .order_by(sm.contact_id)).scalars().all()
    variants = {v.name: v for v in campaign.variants}
    split = Allocation(campaign.id, {v.name: v.weight for v in campaign.variants}) \
        if variants else None
    default = template or campaign.id
    intents = []
    for contact_id in members:
        variant = variants[split.assign(contact_id)] if split else None
        for channel in channels:
            intents.append(Intent(
                contact_id=contact_id, channel=channel.value, source=campaign.id,
                template=(variant.template if variant and variant.template else default),
                subject=variant.subject if variant else None,
                variant=variant.name if variant else None,
                # one key per channel: customer + campaign + day (+ channel beyond email)
                bucket=at.date() if channel == Channel.EMAIL else f"{at.date()}:{channel}"))
    return intents
