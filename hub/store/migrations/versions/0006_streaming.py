"""schedule ticks: one row per fired cron tick, the token that fires it once across daemons

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('schedule_ticks',
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('schedule', sa.String(length=100), nullable=False),
    sa.Column('tick', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('fired_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', hub.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('tenant', 'schedule', 'tick', name=op.f('pk_schedule_ticks'))
    )


def downgrade() -> None:
    op.drop_table('schedule_ticks')
