"""field versions: when each field an inbound change set was changed, so an older event
delivered later does not overwrite it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('field_versions',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('object_type', sa.String(length=50), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('applied_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'provider', 'object_type', 'external_id', 'field',
                            name=op.f('pk_field_versions'))
    )


def downgrade() -> None:
    op.drop_table('field_versions')
