"""SOQL: `GET …/query?q=` and `…/queryAll?q=` (deleted records too, with IsDeleted), paged by
`nextRecordsUrl` (`/services/data/vXX.X/query/01g…-2000`, a path, as simple-salesforce's
`query_more` expects). The result set is fixed when the query runs, as a query locator is: a
record changed while a client pages through shows its old values, and shows up again in the
next query that asks for changes."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import SalesforceError
from .routing import json_response, sandbox_state, version_of
from .soql import QueryError, parse
from .state import Cursor

__all__ = ["routes"]

_BATCH_SIZE = re.compile(r"batchSize=(\d+)")


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)


async def query(request: Request) -> Response:
    version = version_of(request)
    all_rows = request.url.path.rstrip("/").endswith("queryAll")
    text = request.query_params.get("q")
    if not text:
        raise SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
    try:
        parsed = parse(text)
    except QueryError as exc:
        raise SalesforceError(400, exc.code, exc.message) from None
    state = sandbox_state(request)
    rows = [row for _, row in state.records.rows(parsed.sobject)
            if (all_rows or not row["IsDeleted"]) and parsed.where(row)]
    for name, descending in reversed(parsed.order):
        rows.sort(key=lambda row: _sort_key(row.get(name)), reverse=descending)
    if parsed.limit is not None:
        rows = rows[:parsed.limit]
    url = f"/services/data/v{version}/sobjects/{parsed.sobject.name}/"
    shaped = [{"attributes": {"type": parsed.sobject.name, "url": url + row["Id"]},
               **{name: row.get(name) for name in parsed.fields}} for row in rows]
    locator = state.open_cursor(Cursor(version, shaped, all_rows))
    return json_response(_page(request, locator, 0))


async def query_more(request: Request) -> Response:
    version_of(request)
    locator, _, offset = str(request.path_params["locator"]).rpartition("-")
    if not offset.isdigit():
        raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return json_response(_page(request, locator, int(offset)))


def _page(request: Request, locator: str, offset: int) -> dict[str, Any]:
    state = sandbox_state(request)
    cursor = state.cursor(locator)
    size = state.config.query_batch_size
    asked = _BATCH_SIZE.search(request.headers.get("sforce-query-options", ""))
    if asked is not None:
        size = min(2000, max(200, int(asked[1])))
    records = cursor.rows[offset:offset + size]
    end = offset + len(records)
    page: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows),
                            "records": records}
    if not page["done"]:
        kind = "queryAll" if cursor.all_rows else "query"
        page["nextRecordsUrl"] = f"/services/data/v{cursor.version}/{kind}/{locator}-{end}"
    return page


routes = [
    Route("/services/data/v{version}/query", query, methods=["GET"]),
    Route("/services/data/v{version}/query/", query, methods=["GET"]),
    Route("/services/data/v{version}/queryAll", query, methods=["GET"]),
    Route("/services/data/v{version}/queryAll/", query, methods=["GET"]),
    Route("/services/data/v{version}/query/{locator}", query_more, methods=["GET"]),
    Route("/services/data/v{version}/queryAll/{locator}", query_more, methods=["GET"]),
]
