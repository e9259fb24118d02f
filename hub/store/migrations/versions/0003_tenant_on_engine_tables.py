"""tenant on engine tables: runs, cursors, dead letters, sent hashes and leases carry it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# (table, primary key before, primary key after): the tenant leads the key where it is one
KEYED = (
    ('cursors', ['pipeline'], ['tenant', 'pipeline']),
    ('sent_hashes', ['destination', 'key'], ['tenant', 'destination', 'key']),
    ('run_leases', ['pipeline'], ['tenant', 'pipeline']),
)
# (table, index columns before, after)
INDEXED = (
    ('runs', ['pipeline', 'started_at'], ['tenant', 'pipeline', 'started_at']),
    ('dead_letters', ['pipeline', 'status'], ['tenant', 'pipeline', 'status']),
)


def _tenant() -> sa.Column[str]:
    # rows written before tenants were recorded belong to the default tenant
    return sa.Column('tenant', sa.String(length=64), server_default='default', nullable=False)


def upgrade() -> None:
    for table, before, after in KEYED:
        with op.batch_alter_table(table, recreate='always') as batch_op:
            batch_op.add_column(_tenant(), insert_before=before[0])
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.create_primary_key(f'pk_{table}', after)
    for table, before, after in INDEXED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(_tenant())
            batch_op.drop_index(f"ix_{table}_{'_'.join(before)}")
            batch_op.create_index(f"ix_{table}_{'_'.join(after)}", after, unique=False)


def downgrade() -> None:
    for table, before, after in INDEXED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_{'_'.join(after)}")
            batch_op.create_index(f"ix_{table}_{'_'.join(before)}", before, unique=False)
            batch_op.drop_column('tenant')
    for table, before, _after in KEYED:
        with op.batch_alter_table(table, recreate='always') as batch_op:
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.create_primary_key(f'pk_{table}', before)
            batch_op.drop_column('tenant')
