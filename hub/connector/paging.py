"""Paginators: where a REST stream's next page is, in the four ways vendors say it.

A paginator is stateless (one serves every read of a stream): `first` makes the first page's
request from the stream's parameters, `next` the following one from the answer and the records
it held, or None at the end.

    TokenPaginator()        the answer names the next page: {"paging": {"next": {"after": "t"}}}
    OffsetPaginator()       ?offset=0&limit=100, then offset=100 … until a short page
    KeysetPaginator()       ?after_id=<last id>: records with a larger key, until a short page
    LinkHeaderPaginator()   follows the `Link: <url>; rel="next"` header (RFC 8288)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from hub.connector.base import Record
from hub.connector.jsonsafe import to_wire
from hub.errors import PermanentError


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path of a JSON body ("paging.next.after"); "" is the body."""
    for part in path.split(".") if path else ():
        body = body.get(part) if isinstance(body, Mapping) else None
    return body


@dataclass(frozen=True)
class PageRequest:
    """One page's request: query parameters, or an absolute URL the vendor gave for it."""

    params: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None


class Paginator(ABC):
    def first(self, params: Mapping[str, Any]) -> PageRequest:
        """The first page's request, given the stream's own parameters."""
        return PageRequest(params)

    @abstractmethod
    def next(self, sent: PageRequest, answer: httpx.Response,
             records: Sequence[Record]) -> PageRequest | None:
        """The request after `sent`, whose answer held `records`; None when it was the last."""


@dataclass(frozen=True, kw_only=True)
class SinglePage(Paginator):
    """The whole collection comes in one answer."""

    def next(self, sent: PageRequest, answer: httpx.Response,
             records: Sequence[Record]) -> PageRequest | None:
        return None


@dataclass(frozen=True, kw_only=True)
class _Sized(Paginator):
    size: int = 100
    size_param: str | None = "limit"

    def first(self, params: Mapping[str, Any]) -> PageRequest:
        sized = {self.size_param: self.size} if self.size_param else {}
        return PageRequest({**params, **sized})


@dataclass(frozen=True, kw_only=True)
class TokenPaginator(_Sized):
    """A next-page token (a cursor) in the answer, at the dotted path `token`, sent back as
    the query parameter `param`; no token means the last page."""

    param: str = "after"
    token: str = "paging.next.after"

    def next(self, sent: PageRequest, answer: httpx.Response,
             records: Sequence[Record]) -> PageRequest | None:
        token = dig(answer.json(), self.token)
        if token in (None, ""):
            return None
        if token == sent.params.get(self.param):
            raise PermanentError(f"{answer.request.url}: the vendor gave the page's own token "
                                 f"{token!r} as the next one; reading on would never end")
        return PageRequest({**sent.params, self.param: token})


@dataclass(frozen=True, kw_only=True)
class OffsetPaginator(_Sized):
    """`offset` and a page size; a page shorter than the size is the last."""

    param: str = "offset"

    def first(self, params: Mapping[str, Any]) -> PageRequest:
        return PageRequest({**super().first(params).params, self.param: 0})

    def next(self, sent: PageRequest, answer: httpx.Response,
             records: Sequence[Record]) -> PageRequest | None:
        if len(records) < self.size:
            return None
        return PageRequest({**sent.params, self.param: int(sent.params[self.param]) + len(records)})


@dataclass(frozen=True, kw_only=True)
class KeysetPaginator(_Sized):
    """The last record's `field` sent as `param`: the vendor answers the records after it.
    A page shorter than the size is the last. Stable under inserts, unlike offsets."""

    param: str = "after_id"
    field: str = "id"

    def next(self, sent: PageRequest, answer: httpx.Response,
             records: Sequence[Record]) -> PageRequest | None:
        if len(records) < self.size or not records:
            return None
        return PageRequest({**sent.params, self.param: to_wire(records[-1].get(self.field))})


@dataclass(frozen=True, kw_only=True)
class LinkHeaderPaginator(_Sized):
    """The `Link` header's rel="next" URL, followed as given; none means the last page."""

    def next(self, sent: PageRequest, answer: httpx.Response,
             records: Sequence[Record]) -> PageRequest | None:
        url = answer.links.get("next", {}).get("url")
        return PageRequest(url=str(answer.url.join(url))) if url else None
