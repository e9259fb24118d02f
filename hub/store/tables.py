"""The store's tables: the canonical model's and the engine's own state. Core, not ORM:
the engine moves records in bulk and never needs identity-mapped objects."""

from __future__ import annotations

import sqlalchemy as sa

from hub.store.types import JSON, Money, UtcDateTime

# Stable constraint names make Alembic migrations portable across SQLite and PostgreSQL.
metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

Id = sa.String(64)
# server-side defaults: writers that reflect these tables (the sql sink) see them too
_EMPTY_JSON = sa.text("'{}'")


def _tenant_pk() -> list[sa.Column[str]]:
    # Ids come from source systems and may repeat across tenants: the tenant is part of the key.
    return [sa.Column("tenant", Id, primary_key=True), sa.Column("id", Id, primary_key=True)]


# ---- the canonical model -------------------------------------------------------------------

contacts = sa.Table(
    "contacts", metadata, *_tenant_pk(),
    sa.Column("email", sa.String(320)),
    sa.Column("phone", sa.String(20)),
    sa.Column("first_name", sa.String(200)),
    sa.Column("last_name", sa.String(200)),
    sa.Column("time_zone", sa.String(64)),
    sa.Column("company_id", Id),
    sa.Column("lifecycle_stage", sa.String(40)),
    sa.Column("properties", JSON, nullable=False, server_default=_EMPTY_JSON),
    sa.Column("external_ids", JSON, nullable=False, server_default=_EMPTY_JSON),
    sa.Column("created_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime),
    sa.Index(None, "tenant", "email", unique=True),
    sa.Index(None, "tenant", "lifecycle_stage"),
)

consents = sa.Table(
    "consents", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("contact_id", Id, primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("topic", sa.String(64), primary_key=True, default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)

suppressions = sa.Table(
    "suppressions", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("contact_id", Id, primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)

companies = sa.Table(
    "companies", metadata, *_tenant_pk(),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("domain", sa.String(255)),
    sa.Column("industry", sa.String(100)),
    sa.Column("employees", sa.Integer),
    sa.Column("country", sa.String(2)),
    sa.Column("external_ids", JSON, nullable=False, server_default=_EMPTY_JSON),
    sa.Column("updated_at", UtcDateTime),
)

leads = sa.Table(
    "leads", metadata, *_tenant_pk(),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200)),
    sa.Column("company", sa.String(300), nullable=False),
    sa.Column("phone", sa.String(20)),
    sa.Column("source", sa.String(100)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("score", sa.Float, nullable=False, server_default="0"),
    sa.Column("owner", sa.String(100)),
    sa.Column("campaign_id", Id),
    sa.Column("external_ids", JSON, nullable=False, server_default=_EMPTY_JSON),
    sa.Column("created_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime),
    sa.Index(None, "tenant", "email", "company"),
)

campaigns = sa.Table(
    "campaigns", metadata, *_tenant_pk(),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("document", JSON, nullable=False, doc="the whole Campaign model"),
    sa.Column("updated_at", UtcDateTime),
    sa.Index(None, "tenant", "status"),
)

segments = sa.Table(
    "segments", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("criteria", JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime),
)

segment_members = sa.Table(
    "segment_members", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("segment", sa.String(100), primary_key=True),
    sa.Column("contact_id", Id, primary_key=True),
    sa.Column("entered_at", UtcDateTime, nullable=False),
)

orders = sa.Table(
    "orders", metadata, *_tenant_pk(),
    sa.Column("contact_id", Id, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total", Money, nullable=False),
    sa.Column("discount", Money, nullable=False, server_default="0"),
    sa.Column("cart_id", Id),
    sa.Column("campaign_id", Id),
    sa.Column("placed_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime),
    sa.Index(None, "tenant", "contact_id", "placed_at"),
)

order_lines = sa.Table(
    "order_lines", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("order_id", Id, primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("product_name", sa.String(300)),
    sa.Column("category", sa.String(100)),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", Money, nullable=False),
)

applied_promotions = sa.Table(
    "applied_promotions", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("order_id", Id, primary_key=True),
    sa.Column("promotion_id", Id, primary_key=True),
    sa.Column("code", sa.String(64)),
    sa.Column("discount", Money, nullable=False),
)

promotions = sa.Table(
    "promotions", metadata, *_tenant_pk(),
    sa.Column("code", sa.String(64)),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("value", Money, nullable=False),
    sa.Column("campaign_id", Id),
    sa.Column("starts_at", UtcDateTime),
    sa.Column("ends_at", UtcDateTime),
)

carts = sa.Table(
    "carts", metadata, *_tenant_pk(),
    sa.Column("contact_id", Id, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("value", Money, nullable=False, server_default="0"),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index(None, "tenant", "status", "updated_at"),
)

cart_items = sa.Table(
    "cart_items", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("cart_id", Id, primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("product_name", sa.String(300)),
    sa.Column("category", sa.String(100)),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", Money, nullable=False),
)

engagement_events = sa.Table(
    "engagement_events", metadata, *_tenant_pk(),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("contact_id", Id),
    sa.Column("message_id", Id),
    sa.Column("campaign_id", Id),
    sa.Column("variant", sa.String(64)),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("provider_event_id", sa.String(200), nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Index(None, "provider", "provider_event_id", unique=True),
    sa.Index(None, "tenant", "contact_id", "type", "occurred_at"),
)

touchpoints = sa.Table(
    "touchpoints", metadata, *_tenant_pk(),
    sa.Column("contact_id", Id, nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("campaign_id", Id),
    sa.Column("kind", sa.String(32)),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Index(None, "tenant", "contact_id", "occurred_at"),
)

# ---- the engine's own state ----------------------------------------------------------------

# Every engine table that belongs to a tenant carries it: one tenant's runs, cursors, letters
# and hashes are invisible to another's commands, even in one shared store.
cursors = sa.Table(
    "cursors", metadata,
    sa.Column("tenant", Id, primary_key=True, server_default="default"),
    sa.Column("pipeline", sa.String(100), primary_key=True),
    sa.Column("value", JSON, nullable=False, doc="{'cursor': …, 'key': […]}: resume after this"),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

identity_links = sa.Table(
    "identity_links", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("system", sa.String(64), primary_key=True),
    sa.Column("object", sa.String(64), primary_key=True),
    sa.Column("external_id", sa.String(200), primary_key=True),
    sa.Column("canonical_id", Id, nullable=False),
    sa.Index(None, "tenant", "canonical_id"),
)

sent_hashes = sa.Table(
    "sent_hashes", metadata,
    sa.Column("tenant", Id, primary_key=True, server_default="default"),
    sa.Column("destination", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("hash", sa.String(32), nullable=False),
    sa.Column("created_by_hub", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant", Id, nullable=False, server_default="default"),
    sa.Column("pipeline", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False, default="sync", doc="sync | replay"),
    sa.Column("status", sa.String(20), nullable=False,
              doc="running | succeeded | failed | stopped (a quota; see resume_at) | "
                  "interrupted (its process died)"),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("read", sa.Integer, nullable=False, default=0),
    sa.Column("written", sa.Integer, nullable=False, default=0),
    sa.Column("unchanged", sa.Integer, nullable=False, default=0),
    sa.Column("filtered", sa.Integer, nullable=False, default=0),
    sa.Column("invalid", sa.Integer, nullable=False, default=0),
    sa.Column("failed", sa.Integer, nullable=False, default=0),
    sa.Column("cursor_from", JSON),
    sa.Column("cursor_to", JSON),
    sa.Column("error", sa.Text),
    sa.Column("resume_at", UtcDateTime),
    sa.Index(None, "tenant", "pipeline", "started_at"),
)

run_leases = sa.Table(
    "run_leases", metadata,
    sa.Column("tenant", Id, primary_key=True, server_default="default"),
    sa.Column("pipeline", sa.String(100), primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("owner", sa.String(64), nullable=False, doc="a token of the holding process"),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("process_started", sa.String(32), doc="the pid's start time, against pid reuse"),
    sa.Column("acquired_at", UtcDateTime, nullable=False),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

dead_letters = sa.Table(
    "dead_letters", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant", Id, nullable=False, server_default="default"),
    sa.Column("pipeline", sa.String(100), nullable=False),
    sa.Column("run_id", sa.Integer),
    sa.Column("kind", sa.String(10), nullable=False, doc="invalid | failed"),
    sa.Column("record_key", sa.String(400)),
    sa.Column("record", JSON, nullable=False, doc="the record as read from the source"),
    sa.Column("payload", JSON, doc="the mapped payload, when mapping got that far"),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=1),
    sa.Column("status", sa.String(10), nullable=False, default="open"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index(None, "tenant", "pipeline", "status"),
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("tenant", Id, nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("envelope", JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("relayed_at", UtcDateTime),
    sa.Index(None, "relayed_at", "seq"),
)

processed_events = sa.Table(
    "processed_events", metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("processed_at", UtcDateTime, nullable=False),
)

field_versions = sa.Table(
    "field_versions", metadata, sa.Column("tenant", Id, primary_key=True),
    sa.Column("provider", sa.String(32), primary_key=True),
    sa.Column("object_type", sa.String(50), primary_key=True),
    sa.Column("external_id", sa.String(200), primary_key=True),
    sa.Column("field", sa.String(200), primary_key=True),
    sa.Column("applied_at", UtcDateTime, nullable=False, doc="when the applied change occurred"),
    sa.Column("event_id", sa.String(200), nullable=False, doc="the vendor event that made it"))

schedule_ticks = sa.Table(  # one row per fired cron tick: the token that fires it once
    "schedule_ticks", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("schedule", sa.String(100), primary_key=True),
    sa.Column("tick", UtcDateTime, primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),  # the daemon that fired it
    sa.Column("status", sa.String(12), nullable=False, doc="running | done | failed"),
    sa.Column("fired_at", UtcDateTime, nullable=False), sa.Column("finished_at", UtcDateTime),
    sa.Column("error", sa.Text))


# ---- marketing services ----------------------------------------------------------------------

rfm_snapshots = sa.Table(
    "rfm_snapshots", metadata,
    sa.Column("tenant", Id, primary_key=True),
    sa.Column("snapshot_date", sa.Date, primary_key=True),
    sa.Column("contact_id", Id, primary_key=True),
    sa.Column("recency_days", sa.Integer),
    sa.Column("frequency", sa.Integer, nullable=False),
    sa.Column("monetary", Money, nullable=False),
    sa.Column("r_score", sa.SmallInteger, nullable=False),
    sa.Column("f_score", sa.SmallInteger, nullable=False),
    sa.Column("m_score", sa.SmallInteger, nullable=False),
    sa.Column("composite", sa.Float, nullable=False),
    sa.Column("segment", sa.String(40)),
    sa.Index(None, "tenant", "contact_id", "snapshot_date"),
)

trigger_executions = sa.Table(
    "trigger_executions", metadata,
    sa.Column("idempotency_key", sa.String(200), primary_key=True,
              doc="customer + trigger + date bucket: a trigger fires once per key"),
    sa.Column("tenant", Id, nullable=False),
    sa.Column("trigger", sa.String(100), nullable=False),
    sa.Column("contact_id", Id, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("payload", JSON, nullable=False, server_default=_EMPTY_JSON),
    sa.Column("fired_at", UtcDateTime, nullable=False),
    sa.Index(None, "tenant", "trigger", "contact_id", "fired_at"),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant", Id, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("subject_type", sa.String(40), nullable=False),
    sa.Column("subject_id", Id, nullable=False),
    sa.Column("detail", JSON, nullable=False, server_default=_EMPTY_JSON),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index(None, "tenant", "subject_type", "subject_id", "at"),
)

# the send path's tables (messages, send ledger, refusals) live in their own module
from hub.store import tables_messaging as _messaging  # noqa: E402

messages: sa.Table = _messaging.messages
send_ledger: sa.Table = _messaging.send_ledger
message_refusals: sa.Table = _messaging.message_refusals
