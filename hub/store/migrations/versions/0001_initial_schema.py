"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

import hub.store.types
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('applied_promotions',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('promotion_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('discount', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'order_id', 'promotion_id', name=op.f('pk_applied_promotions'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_tenant_subject_type_subject_id_at'), ['tenant', 'subject_type', 'subject_id', 'at'], unique=False)

    op.create_table('campaigns',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('document', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_tenant_status'), ['tenant', 'status'], unique=False)

    op.create_table('cart_items',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('cart_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('product_name', sa.String(length=300), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'cart_id', 'sku', name=op.f('pk_cart_items'))
    )
    op.create_table('carts',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), server_default='0', nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_carts'))
    )
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carts_tenant_status_updated_at'), ['tenant', 'status', 'updated_at'], unique=False)

    op.create_table('companies',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('external_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_companies'))
    )
    op.create_table('consents',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'contact_id', 'channel', 'topic', name=op.f('pk_consents'))
    )
    op.create_table('contacts',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('first_name', sa.String(length=200), nullable=True),
    sa.Column('last_name', sa.String(length=200), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('company_id', sa.String(length=64), nullable=True),
    sa.Column('lifecycle_stage', sa.String(length=40), nullable=True),
    sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('external_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('created_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_tenant_email'), ['tenant', 'email'], unique=True)
        batch_op.create_index(batch_op.f('ix_contacts_tenant_lifecycle_stage'), ['tenant', 'lifecycle_stage'], unique=False)

    op.create_table('cursors',
    sa.Column('pipeline', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('pipeline', name=op.f('pk_cursors'))
    )
    op.create_table('dead_letters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pipeline', sa.String(length=100), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('record_key', sa.String(length=400), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dead_letters'))
    )
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dead_letters_pipeline_status'), ['pipeline', 'status'], unique=False)

    op.create_table('engagement_events',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=True),
    sa.Column('message_id', sa.String(length=64), nullable=True),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('variant', sa.String(length=64), nullable=True),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('provider_event_id', sa.String(length=200), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('occurred_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_engagement_events'))
    )
    with op.batch_alter_table('engagement_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engagement_events_provider_provider_event_id'), ['provider', 'provider_event_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_engagement_events_tenant_contact_id_type_occurred_at'), ['tenant', 'contact_id', 'type', 'occurred_at'], unique=False)

    op.create_table('identity_links',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('system', sa.String(length=64), nullable=False),
    sa.Column('object', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('canonical_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'system', 'object', 'external_id', name=op.f('pk_identity_links'))
    )
    with op.batch_alter_table('identity_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_links_tenant_canonical_id'), ['tenant', 'canonical_id'], unique=False)

    op.create_table('leads',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('first_name', sa.String(length=200), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=True),
    sa.Column('company', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), server_default='0', nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=True),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('external_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('created_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_leads'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_tenant_email_company'), ['tenant', 'email', 'company'], unique=False)

    op.create_table('messages',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('variant', sa.String(length=64), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_messages_idempotency_key'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_tenant_contact_id_created_at'), ['tenant', 'contact_id', 'created_at'], unique=False)

    op.create_table('order_lines',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('product_name', sa.String(length=300), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'order_id', 'line_no', name=op.f('pk_order_lines'))
    )
    op.create_table('orders',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('discount', sa.Numeric(precision=18, scale=4), server_default='0', nullable=False),
    sa.Column('cart_id', sa.String(length=64), nullable=True),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('placed_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_tenant_contact_id_placed_at'), ['tenant', 'contact_id', 'placed_at'], unique=False)

    op.create_table('outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('envelope', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('relayed_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_event_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_relayed_at_seq'), ['relayed_at', 'seq'], unique=False)

    op.create_table('processed_events',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('processed_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_processed_events'))
    )
    op.create_table('promotions',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('starts_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_promotions'))
    )
    op.create_table('rfm_snapshots',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('snapshot_date', sa.Date(), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('recency_days', sa.Integer(), nullable=True),
    sa.Column('frequency', sa.Integer(), nullable=False),
    sa.Column('monetary', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('r_score', sa.SmallInteger(), nullable=False),
    sa.Column('f_score', sa.SmallInteger(), nullable=False),
    sa.Column('m_score', sa.SmallInteger(), nullable=False),
    sa.Column('composite', sa.Float(), nullable=False),
    sa.Column('segment', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'snapshot_date', 'contact_id', name=op.f('pk_rfm_snapshots'))
    )
    with op.batch_alter_table('rfm_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rfm_snapshots_tenant_contact_id_snapshot_date'), ['tenant', 'contact_id', 'snapshot_date'], unique=False)

    op.create_table('runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pipeline', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('filtered', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('cursor_from', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('cursor_to', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('resume_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs'))
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_pipeline_started_at'), ['pipeline', 'started_at'], unique=False)

    op.create_table('segment_members',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('segment', sa.String(length=100), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('entered_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'segment', 'contact_id', name=op.f('pk_segment_members'))
    )
    op.create_table('segments',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('criteria', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'name', name=op.f('pk_segments'))
    )
    op.create_table('send_ledger',
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('idempotency_key', name=op.f('pk_send_ledger'))
    )
    with op.batch_alter_table('send_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_send_ledger_tenant_contact_id_created_at'), ['tenant', 'contact_id', 'created_at'], unique=False)

    op.create_table('sent_hashes',
    sa.Column('destination', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('hash', sa.String(length=32), nullable=False),
    sa.Column('created_by_hub', sa.Boolean(), nullable=False),
    sa.Column('updated_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('destination', 'key', name=op.f('pk_sent_hashes'))
    )
    op.create_table('suppressions',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'contact_id', 'channel', name=op.f('pk_suppressions'))
    )
    op.create_table('touchpoints',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.Column('occurred_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_touchpoints'))
    )
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_touchpoints_tenant_contact_id_occurred_at'), ['tenant', 'contact_id', 'occurred_at'], unique=False)

    op.create_table('trigger_executions',
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=100), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('fired_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('idempotency_key', name=op.f('pk_trigger_executions'))
    )
    with op.batch_alter_table('trigger_executions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trigger_executions_tenant_trigger_contact_id_fired_at'), ['tenant', 'trigger', 'contact_id', 'fired_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('trigger_executions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trigger_executions_tenant_trigger_contact_id_fired_at'))

    op.drop_table('trigger_executions')
    with op.batch_alter_table('touchpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_touchpoints_tenant_contact_id_occurred_at'))

    op.drop_table('touchpoints')
    op.drop_table('suppressions')
    op.drop_table('sent_hashes')
    with op.batch_alter_table('send_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_send_ledger_tenant_contact_id_created_at'))

    op.drop_table('send_ledger')
    op.drop_table('segments')
    op.drop_table('segment_members')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_pipeline_started_at'))

    op.drop_table('runs')
    with op.batch_alter_table('rfm_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rfm_snapshots_tenant_contact_id_snapshot_date'))

    op.drop_table('rfm_snapshots')
    op.drop_table('promotions')
    op.drop_table('processed_events')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_relayed_at_seq'))

    op.drop_table('outbox')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_tenant_contact_id_placed_at'))

    op.drop_table('orders')
    op.drop_table('order_lines')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_tenant_contact_id_created_at'))

    op.drop_table('messages')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leads_tenant_email_company'))

    op.drop_table('leads')
    with op.batch_alter_table('identity_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_links_tenant_canonical_id'))

    op.drop_table('identity_links')
    with op.batch_alter_table('engagement_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engagement_events_tenant_contact_id_type_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_engagement_events_provider_provider_event_id'))

    op.drop_table('engagement_events')
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dead_letters_pipeline_status'))

    op.drop_table('dead_letters')
    op.drop_table('cursors')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_tenant_lifecycle_stage'))
        batch_op.drop_index(batch_op.f('ix_contacts_tenant_email'))

    op.drop_table('contacts')
    op.drop_table('consents')
    op.drop_table('companies')
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carts_tenant_status_updated_at'))

    op.drop_table('carts')
    op.drop_table('cart_items')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_tenant_status'))

    op.drop_table('campaigns')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_tenant_subject_type_subject_id_at'))

    op.drop_table('audit_log')
    op.drop_table('applied_promotions')
