"""Do the table and columns a sql stream or sink names exist? Asked of the live database
before a run starts, so that a misspelt name is refused at its line in hub.yaml instead of
failing a run that was already recorded."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hub.connector.failures import database_location, failure_reason
from hub.errors import ConfigError, HubError, Problem

if TYPE_CHECKING:
    from connectors.sql.sinks import TableSink
    from connectors.sql.streams import TableStream


async def verify_stream(stream: TableStream) -> None:
    await asyncio.to_thread(_verify_stream, stream)


async def verify_sink(sink: TableSink) -> None:
    await asyncio.to_thread(_verify_sink, sink)


def _verify_stream(stream: TableStream) -> None:
    what = f"stream {stream.name}"
    options = stream.options
    with _connection(stream.engine) as conn:
        if options.query is not None:
            columns, where = _query_columns(conn, options.query, what), "the query"
        else:
            table = options.table or stream.name
            # the table defaults to the stream's name: point at whichever the person wrote
            at = "stream" if table == stream.name else "table"
            columns, where = _table_columns(conn, table, what, at), f"table {table}"
    wanted = [("cursor", options.cursor, "column")] if options.cursor else []
    wanted += [(f"primary_key[{i}]", name, "column") for i, name in enumerate(options.primary_key)]
    _refuse_missing(wanted, columns, what, where)


def _verify_sink(sink: TableSink) -> None:
    what = f"sink {sink.name}"
    with _connection(sink.engine) as conn:
        if sink.options.create and not sa.inspect(conn).has_table(sink.name):
            return  # made from the first batch, with the columns the records bring
        columns = _table_columns(conn, sink.name, what, "object",
                                 hint=" (create it, or set `create: true`)")
    if sink.options.create:
        return  # missing columns are added as records bring them
    wanted = [(f"key[{i}]", name, "column") for i, name in enumerate(sink.options.key)]
    if sink.tenant_column:  # set on the connection; the sink fills it in on every row
        wanted.append(("", sink.tenant_column, "tenant_column"))
    _refuse_missing(wanted, columns, what, f"table {sink.name}")


@contextmanager
def _connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    url = engine.url.render_as_string(hide_password=False)
    try:
        conn = engine.connect()
    except sa.exc.SQLAlchemyError as exc:
        raise HubError(f"cannot connect to {database_location(url)}: "
                       f"{failure_reason(exc, url)}") from exc
    with conn:
        yield conn


def _table_columns(conn: sa.Connection, table: str, what: str, at: str,
                   hint: str = "") -> list[str]:
    inspector = sa.inspect(conn)
    if not inspector.has_table(table):
        known = inspector.get_table_names()
        raise ConfigError(f"{what}: no table {table!r}", [Problem(
            "", None, None, at,
            f"{what}: table {table!r} does not exist{hint}{_hint(table, known, 'tables')}")])
    return [column["name"] for column in inspector.get_columns(table)]


def _query_columns(conn: sa.Connection, query: str, what: str) -> list[str]:
    probe = sa.select(sa.text("*")).select_from(sa.text(query).columns().subquery("q")).limit(0)
    try:
        return list(conn.execute(probe).keys())
    except sa.exc.DBAPIError as exc:
        conn.rollback()
        raise ConfigError(f"{what}: the query fails", [Problem(
            "", None, None, "query", f"{what}: the query fails: {failure_reason(exc)}")]
        ) from None


def _refuse_missing(wanted: Sequence[tuple[str, str, str]], columns: Sequence[str], what: str,
                    where: str) -> None:
    """`wanted` holds (the option naming a column, the column, what the column is for)."""
    problems = [Problem("", None, None, option, f"{what}: no {label} {name!r} in {where}"
                                                f"{_hint(name, columns, 'columns')}")
                for option, name, label in wanted if name not in columns]
    if problems:
        raise ConfigError(f"{what}: missing column(s)", problems)


def _hint(name: str, known: Sequence[str], kind: str) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if not known:
        return f" (there are no {kind})"
    shown = ", ".join(sorted(known)[:20]) + (", …" if len(known) > 20 else "")
    return f" ({kind}: {shown})"
