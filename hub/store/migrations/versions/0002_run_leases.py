"""run leases: one live run per pipeline, and the process that holds it

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('run_leases',
    sa.Column('pipeline', sa.String(length=100), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('process_started', sa.String(length=32), nullable=True),
    sa.Column('acquired_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hub.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('pipeline', name=op.f('pk_run_leases'))
    )


def downgrade() -> None:
    op.drop_table('run_leases')
