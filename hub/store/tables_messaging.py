"""The send path's tables: message intents, the send ledger and the gate's refusals.

Imported at the end of `hub.store.tables` (they share its metadata) and reached through it:
`tables.messages`, `tables.send_ledger`, `tables.message_refusals`.
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.store.tables import _EMPTY_JSON, Id, _tenant_pk, metadata
from hub.store.types import JSON, UtcDateTime

# One row per message intent. Its idempotency key (customer + trigger/campaign + date bucket)
# makes a repeated trigger or launch land on the row that exists.
messages: sa.Table = sa.Table(
    "messages", metadata, *_tenant_pk(),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("contact_id", Id, nullable=False),
    sa.Column("campaign_id", Id, doc="the campaign, or the trigger that made it"),
    sa.Column("variant", sa.String(64)),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="queued",
              doc="queued | reserved | sent | refused | failed"),
    sa.Column("kind", sa.String(20), nullable=False, server_default="campaign",
              doc="campaign, or the trigger's kind (abandoned_cart …)"),
    sa.Column("priority", sa.Float, nullable=False, server_default="0",
              doc="higher first when the send budget is short (a cart's value)"),
    sa.Column("template", sa.String(200)),
    sa.Column("subject", sa.Text, doc="a subject overriding the template's (a variant's)"),
    sa.Column("offer_group", sa.String(64), doc="a high-value offer's group: its cooldown"),
    sa.Column("variables", JSON, nullable=False, server_default=_EMPTY_JSON),
    sa.Column("not_before", UtcDateTime, doc="not sent earlier (quiet hours defer it)"),
    sa.Column("expires_at", UtcDateTime, doc="refused once this has passed unsent"),
    sa.Column("updated_at", UtcDateTime),
    sa.Index(None, "tenant", "contact_id", "created_at"),
    sa.Index(None, "tenant", "status", "not_before"),
)

# One row per message handed to a provider, reserved before the call in the transaction that
# passed the gate. Rows of one batch share `batch_id`, ordered by `batch_pos`: a batch whose
# outcome a crash lost is sent again exactly as it was (or reconciled, for a provider that
# does not deduplicate). Reserved, retried and sent rows count against the frequency caps.
send_ledger: sa.Table = sa.Table(
    "send_ledger", metadata,
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("tenant", Id, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("contact_id", Id, nullable=False),
    sa.Column("status", sa.String(12), nullable=False,
              doc="pending | retry | sent | failed | suppressed"),
    sa.Column("provider_message_id", sa.String(200)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("message_id", Id),
    sa.Column("campaign_id", Id),
    sa.Column("offer_group", sa.String(64)),
    sa.Column("batch_id", sa.String(64)),
    sa.Column("batch_pos", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("payload", JSON, doc="the rendered OutboundMessage, resent as it was"),
    sa.Column("error", sa.Text),
    sa.Index(None, "tenant", "contact_id", "created_at"),
    sa.Index(None, "status", "batch_id"),
    sa.Index(None, "provider_message_id"),
)

# Why the gate refused a message: one row per refused message, summed per campaign.
message_refusals: sa.Table = sa.Table(
    "message_refusals", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("message_id", Id, primary_key=True),
    sa.Column("campaign_id", Id),
    sa.Column("contact_id", Id, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False,
              doc="suppressed | no_consent | no_address | capped | same_trigger | cooldown "
                  "| quiet_hours | expired | goal_reached | template"),
    sa.Column("detail", sa.Text),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Index(None, "tenant", "campaign_id", "reason"),
)
