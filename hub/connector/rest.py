"""RestStream and BatchSink: a vendor's collection read page by page, and its batch endpoint.

Both are built by their connector's `streams`/`sinks` declaration with (connector, name,
options) and talk through `connector.request`, which sends once and raises the policy's hub
error: the engine retries a failed page or batch, so neither does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import httpx

from hub.connector.base import Options, Record, Sink, Stream, WriteMode, WriteResult
from hub.connector.http import HttpConnector
from hub.connector.jsonsafe import to_wire
from hub.connector.paging import PageRequest, Paginator, SinglePage, dig
from hub.errors import PermanentError
from hub.http.policy import vendor_message

ConnectorT = TypeVar("ConnectorT", bound=HttpConnector[Any])
OptionsT = TypeVar("OptionsT", bound=Options)

Position = tuple[Any, tuple[Any, ...]]  # (cursor value, primary key values)


class RestStream(Stream, Generic[ConnectorT, OptionsT]):
    """GETs `path` page by page through `paginator`; the records are at `records_key`.

    With a `cursor_field` the read is incremental, a window after the checkpoint: the request
    carries the checkpoint's cursor value as `cursor_param`, which must ask the vendor for
    records whose cursor is *at or after* it (records sharing that value may not all have been
    read), sorted by (cursor, primary key) (`params` asks for that order). The stream drops
    every record at or before the checkpoint's (cursor, key), so a resumed read loses nothing
    at a tie and repeats nothing; it refuses an answer out of that order rather than lose
    records. Without a cursor the whole collection is read each time.
    """

    #: the collection's path; "{name}" stands for the stream's name
    path: ClassVar[str]
    paginator: Paginator = SinglePage()
    #: where the list of records is in the JSON answer (a dotted path; "" for the body itself)
    records_key: ClassVar[str] = "results"
    #: query parameters of every request (a sort order, a filter)
    params: ClassVar[Mapping[str, Any]] = {}
    #: the query parameter that takes the checkpoint's cursor value (see above)
    cursor_param: ClassVar[str | None] = None

    def __init__(self, connector: ConnectorT, name: str, options: OptionsT) -> None:
        self.connector = connector
        self.name = name
        self.options = options

    def request_params(self) -> dict[str, Any]:
        """The parameters of every page's request: `params`; override to add options."""
        return dict(self.params)

    def records(self, answer: httpx.Response) -> list[Record]:
        """The records of one answer (override for a vendor whose records need reshaping)."""
        found = dig(answer.json(), self.records_key)
        if not isinstance(found, list):
            raise PermanentError(f"{answer.request.url}: the answer has no list of records at "
                                 f"{self.records_key!r}")
        return found

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        since = self._position(after) if after and self.cursor_field else None
        params = self.request_params()
        if since is not None and self.cursor_param:
            params[self.cursor_param] = to_wire(since[0])
        request: PageRequest | None = self.paginator.first(params)
        last = since
        while request is not None:
            if request.url is None:
                answer = await self.connector.request("GET", self.path.format(name=self.name),
                                                      params=request.params)
            else:
                answer = await self.connector.request("GET", request.url)
            records = self.records(answer)
            page = []
            for record in records:
                if self.cursor_field is not None:
                    at = self._position(self.checkpoint(record))
                    if since is not None and at <= since:
                        continue  # read before the checkpoint
                    if last is not None and at < last:
                        raise PermanentError(
                            f"{self.name}: {self.connector.policy.vendor} answered records out "
                            f"of ({self.cursor_field}, key) order: {at} after {last}; check "
                            "the stream's sort parameters")
                    last = at
                page.append(record)
            if page:
                yield page
            request = self.paginator.next(request, answer, records)

    def _position(self, checkpoint: Mapping[str, Any]) -> Position:
        cursor = checkpoint.get("cursor")
        if cursor is None:
            raise PermanentError(f"{self.name}: a record without `{self.cursor_field}` cannot "
                                 "be placed in an incremental read")
        return cursor, tuple(checkpoint.get("key") or ())


class BatchSink(Sink, Generic[ConnectorT, OptionsT]):
    """Sends a batch in one request to `path`; reads the answer into one WriteResult per record.

    The body is `{inputs_key: [records]}` (override `body`). In the answer, `errors_key` lists
    per-record errors naming their record by `index`: each fails that record with the vendor's
    message, retryable when it says `"retryable": true` (override `index_of`/`retryable` for
    another shape). `results_key` lists the records written, by `index`, with the vendor's
    `id` (and `created`). A record no error names is written, except that when the answer
    lists results, one named by neither is failed as retryable. A refusal of the whole batch
    (a 4xx) is RecordError: the engine splits the batch until the bad records stand alone.
    An options field `batch_size` sets the sink's batch size.
    """

    #: the batch endpoint; "{name}" stands for the sink's name
    path: ClassVar[str]
    method: ClassVar[str] = "POST"
    inputs_key: ClassVar[str] = "inputs"
    results_key: ClassVar[str] = "results"
    errors_key: ClassVar[str] = "errors"

    def __init__(self, connector: ConnectorT, name: str, options: OptionsT) -> None:
        self.connector = connector
        self.name = name
        self.options = options
        self.batch_size = int(getattr(options, "batch_size", type(self).batch_size))

    def body(self, records: Sequence[Record], mode: WriteMode) -> Any:
        return {self.inputs_key: [to_wire(r) for r in records]}

    def index_of(self, item: Mapping[str, Any]) -> int | None:
        """The position in the batch of the record a result or an error is about."""
        index = item.get("index")
        return int(index) if isinstance(index, int | str) and str(index).isdigit() else None

    def retryable(self, error: Mapping[str, Any]) -> bool:
        return error.get("retryable") is True

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        answer = await self.connector.request(self.method, self.path.format(name=self.name),
                                              json=self.body(records, mode))
        return self.results(records, answer)

    def results(self, records: Sequence[Record], answer: httpx.Response) -> list[WriteResult]:
        body = answer.json() if answer.content else {}
        outcome: dict[int, WriteResult] = {}
        listed = dig(body, self.results_key)
        for result in listed if isinstance(listed, list) else []:
            index = self.index_of(result)
            if index is not None:
                found = result.get("id")
                outcome[index] = WriteResult.ok(None if found is None else str(found),
                                                created=result.get("created") is True)
        errors = dig(body, self.errors_key)
        for error in errors if isinstance(errors, list) else []:
            index = self.index_of(error)
            if index is not None:
                said = vendor_message(error) or str(error)
                outcome[index] = WriteResult.failed(said, retryable=self.retryable(error))
        silent = (WriteResult.failed(f"{self.connector.policy.vendor} did not report on this "
                                     "record", retryable=True)
                  if isinstance(listed, list) else WriteResult.ok())
        return [outcome.get(i, silent) for i in range(len(records))]
