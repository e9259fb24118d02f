"""The engine's retry layer for reads: each page a stream fetches is retried as a write is.

A stream's `read(after)` is an async generator, and a generator that raised is finished, so a
page whose fetch failed with TransientError is fetched again by opening the stream anew
strictly after the last page it yielded: the checkpoint of that page's last record, which
every stream must honour anyway for a run to resume. Attempts, waits and log lines are
`retry_call`'s with the engine's RetryPolicy, counted per page: a page that arrives starts the
count again. Streams and the HTTP helpers under them never retry, so a source that stays down
costs `RetryPolicy.attempts` requests, not that number squared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from hub.connector import Record, Stream
from hub.errors import TransientError
from hub.http.retry import RetryPolicy, retry_call


async def read_pages(stream: Stream, after: Mapping[str, Any] | None, policy: RetryPolicy, *,
                     what: str) -> AsyncIterator[list[Record]]:
    """The pages of `stream.read(after)`, each fetched under `policy`."""
    position = after
    reader = stream.read(position)

    async def next_page() -> list[Record] | None:
        nonlocal reader
        try:
            return await anext(reader, None)
        except TransientError:
            reader = stream.read(position)  # the next attempt resumes after the last page
            raise

    try:
        while (page := await retry_call(next_page, policy=policy, what=what)) is not None:
            if page:
                position = stream.checkpoint(page[-1])
            yield page
    finally:
        close = getattr(reader, "aclose", None)
        if close is not None:
            await close()
