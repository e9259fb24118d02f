"""The `sql` connector: read any table or query, and upsert into any table, over SQLAlchemy."""

from __future__ import annotations

from connectors.sql.connector import SqlConnector

__all__ = ["SqlConnector"]
