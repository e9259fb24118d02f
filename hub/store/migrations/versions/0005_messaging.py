"""messaging: message intents gain their send state, the send ledger its batches, refusals

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.store.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_TIME = hub.store.types.UtcDateTime(timezone=True)


def _message_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column('status', sa.String(length=12), server_default='queued', nullable=False),
        sa.Column('kind', sa.String(length=20), server_default='campaign', nullable=False),
        sa.Column('priority', sa.Float(), server_default='0', nullable=False),
        sa.Column('template', sa.String(length=200), nullable=True),
        sa.Column('subject', sa.Text(), nullable=True),
        sa.Column('offer_group', sa.String(length=64), nullable=True),
        sa.Column('variables', _JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.Column('not_before', _TIME, nullable=True),
        sa.Column('expires_at', _TIME, nullable=True),
        sa.Column('updated_at', _TIME, nullable=True),
    ]


def _ledger_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column('message_id', sa.String(length=64), nullable=True),
        sa.Column('campaign_id', sa.String(length=64), nullable=True),
        sa.Column('offer_group', sa.String(length=64), nullable=True),
        sa.Column('batch_id', sa.String(length=64), nullable=True),
        sa.Column('batch_pos', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('payload', _JSON, nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        for column in _message_columns():
            batch_op.add_column(column)
        batch_op.create_index(batch_op.f('ix_messages_tenant_status_not_before'),
                              ['tenant', 'status', 'not_before'], unique=False)
    with op.batch_alter_table('send_ledger', schema=None) as batch_op:
        for column in _ledger_columns():
            batch_op.add_column(column)
        batch_op.create_index(batch_op.f('ix_send_ledger_status_batch_id'),
                              ['status', 'batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_send_ledger_provider_message_id'),
                              ['provider_message_id'], unique=False)
    op.create_table('message_refusals',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('contact_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('recorded_at', _TIME, nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'message_id', name=op.f('pk_message_refusals'))
    )
    with op.batch_alter_table('message_refusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_refusals_tenant_campaign_id_reason'),
                              ['tenant', 'campaign_id', 'reason'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_refusals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_refusals_tenant_campaign_id_reason'))
    op.drop_table('message_refusals')
    with op.batch_alter_table('send_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_send_ledger_provider_message_id'))
        batch_op.drop_index(batch_op.f('ix_send_ledger_status_batch_id'))
        for column in reversed(_ledger_columns()):
            batch_op.drop_column(column.name)
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_tenant_status_not_before'))
        for column in reversed(_message_columns()):
            batch_op.drop_column(column.name)
