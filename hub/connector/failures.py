"""A database that cannot be used, said in one line: where it is and what went wrong.

SQLAlchemy's own message spans lines (the driver's text, the statement, a link); a person
needs the server and the driver's first line. The URL's password is never part of either;
other secrets of hub.yaml are masked where the line is shown (`hub.config.redact`), since a
connector knows nothing of hub.yaml.
"""

from __future__ import annotations

import sqlalchemy as sa


def database_location(url: str) -> str:
    """`postgresql at 127.0.0.1:5432 (database hub, user hub)` or `SQLite file /srv/hub.db`."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return "a database with an unreadable URL"
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"SQLite file {parsed.database}" if parsed.database else "in-memory SQLite"
    server = parsed.host or "localhost"
    if parsed.port:
        server += f":{parsed.port}"
    details = [f"{label} {value}" for label, value in (("database", parsed.database),
                                                       ("user", parsed.username)) if value]
    return f"{backend} at {server}" + (f" ({', '.join(details)})" if details else "")


def failure_reason(exc: BaseException, url: str | None = None) -> str:
    """The first line of what the driver said (SQLAlchemy's wrapping dropped), the password of
    `url` masked."""
    cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    text = lines[0].strip() if lines else type(cause).__name__
    password = _password(url) if url else None
    if password:
        text = text.replace(password, "***")
    return text


def _password(url: str) -> str | None:
    try:
        return sa.make_url(url).password
    except sa.exc.ArgumentError:
        return None
