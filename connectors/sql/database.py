"""The connector's own engines: they read a source without changing it, and wait a while
for another process's lock before stopping with one clear error.

The state store tunes its SQLite file (WAL journal, relaxed syncs) because the hub owns it;
a source belongs to someone else, and switching its journal mode merely by reading it would
change how their application runs (and needs a lock the reader may not get).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.errors import ConfigError, PermanentError


class DatabaseLockedError(PermanentError):
    """Another process held the database locked for longer than this connection waits."""


def make_engine(url: str, *, connection: str, busy_timeout: float) -> sa.Engine:
    """An engine whose lock waits end in a DatabaseLockedError naming `connection`."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"connection {connection!r}: not a SQLAlchemy URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        file = _sqlite_file(parsed)
        if file is not None:  # a destination file may be new; its folder too
            file.parent.mkdir(parents=True, exist_ok=True)
        # sqlite3's `timeout` is SQLite's busy handler: a per-connection setting that changes
        # nothing in the database file
        engine = sa.create_engine(parsed, connect_args={"timeout": busy_timeout})
        sa.event.listen(engine, "connect", _enforce_foreign_keys)
        waited = f"{busy_timeout:g} s (the connection's busy_timeout)"
    else:
        engine = sa.create_engine(parsed, pool_pre_ping=True)
        waited = "the server's lock wait timeout"

    def name_lock_errors(context: sa.engine.ExceptionContext) -> None:
        if _is_lock_timeout(context.original_exception):
            raise DatabaseLockedError(
                f"connection {connection!r}: the database stayed locked by another process "
                f"for longer than {waited}; run again once it is free")

    sa.event.listen(engine, "handle_error", name_lock_errors)
    return engine


def _enforce_foreign_keys(dbapi_conn: Any, _record: Any) -> None:
    # per connection, like the busy handler: the sink's writes honour the constraints the
    # database declares (SQLite ignores them unless asked), and the file stays as it was
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _is_lock_timeout(exc: BaseException) -> bool:
    message = str(exc).lower()
    if "database is locked" in message or "database table is locked" in message:
        return True  # SQLite: SQLITE_BUSY / SQLITE_LOCKED once the busy handler gave up
    if getattr(exc, "sqlstate", None) == "55P03":  # PostgreSQL: lock_not_available
        return True
    args: tuple[Any, ...] = getattr(exc, "args", ())
    return bool(args) and args[0] == 1205  # MySQL and MariaDB: lock wait timeout exceeded


def absolute_sqlite(url: str, base: Path) -> str:
    """A relative SQLite file path taken relative to `base` (hub.yaml's folder), not the CWD."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return url
    file = _sqlite_file(parsed)
    if file is None or file.is_absolute():
        return url
    return parsed.set(database=str(base / file)).render_as_string(hide_password=False)


def _sqlite_file(url: sa.URL) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)
