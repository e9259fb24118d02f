"""Insert-or-update in bulk, in the dialect's own syntax (SQLite and PostgreSQL agree on it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]],
           *, update: Sequence[str] | None = None) -> None:
    """Insert `rows`; on a primary-key conflict overwrite the `update` columns (default: all)."""
    if not rows:
        return
    dialect = conn.dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:  # pragma: no cover - the store supports these two backends
        raise NotImplementedError(f"upsert on {dialect}")
    keys = [c.name for c in table.primary_key.columns]
    columns = update if update is not None else [c for c in rows[0] if c not in keys]
    stmt = (
        insert.on_conflict_do_update(
            index_elements=keys, set_={c: insert.excluded[c] for c in columns}
        )
        if columns
        else insert.on_conflict_do_nothing(index_elements=keys)
    )
    conn.execute(stmt, list(rows))
