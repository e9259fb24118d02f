"""Contract validation: every request a sandbox receives, checked against the vendor's contract.

A sandbox answers what the vendor would, but a lenient sandbox can hide a client that sends
what the real API refuses. So each request is also checked against the vendor's published
contract: its OpenAPI document (`OpenAPIContract`, with openapi-core) or, where the vendor
publishes none, checks written from its documentation (`Checks`). Violations are only counted,
never answered: the sandbox's own rules decide the answer. A connector's tests assert none:

    assert sandbox.contract.violations == []      # or sandbox.contract.assert_clean()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl

from hub.testing.sandbox.log import Seen

if TYPE_CHECKING:
    from openapi_core import OpenAPI

__all__ = ["Checks", "Contract", "ContractMonitor", "OpenAPIContract", "Violation"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Violation:
    """One way one request broke the contract."""

    method: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.message}"


class Contract(Protocol):
    """What a contract does: say how a request breaks it (nothing when it does not)."""

    def problems(self, seen: Seen) -> list[str]: ...


Check = Callable[[Seen], Iterable[str]]


class Checks:
    """A contract of vendor-written checks; each says what is wrong with a request, if anything."""

    def __init__(self, *checks: Check) -> None:
        self._checks = checks

    def problems(self, seen: Seen) -> list[str]:
        return [problem for check in self._checks for problem in check(seen)]


@dataclass
class _Request:
    """A received request in the shape openapi-core reads (its `Request` protocol)."""

    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: Any


class OpenAPIContract:
    """Requests checked against an OpenAPI 3 document (YAML or JSON) with openapi-core.

    The sandbox's own address is not the vendor's, so a request is checked as if sent to the
    document's first server.
    """

    def __init__(self, document: Path | str) -> None:
        try:
            from openapi_core import OpenAPI
        except ImportError as exc:  # pragma: no cover - openapi-core is a dependency
            raise RuntimeError(
                "contract validation needs openapi-core: pip install openapi-core"
            ) from exc
        self._api: OpenAPI = OpenAPI.from_file_path(str(document))
        servers = self._api.spec.get("servers") or [{"url": "http://localhost"}]
        self._host_url = str(servers[0]["url"]).rstrip("/")
        self._lock = threading.Lock()  # openapi-core caches lazily; keep one check at a time

    def problems(self, seen: Seen) -> list[str]:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        request = _Request(
            host_url=self._host_url,
            path=seen.path,
            method=seen.method.lower(),
            body=seen.body or None,
            content_type=seen.headers.get("content-type", ""),
            parameters=RequestParameters(
                query=ImmutableMultiDict(parse_qsl(seen.query, keep_blank_values=True)),
                header=Headers(dict(seen.headers)),
                cookie=ImmutableMultiDict(),
            ),
        )
        with self._lock:
            return [_describe(error) for error in self._api.iter_request_errors(request)]


def _describe(error: Exception) -> str:
    """openapi-core's error with the reasons it keeps in its cause, on one line."""
    text = str(error)
    cause = error.__cause__
    reasons = [
        reason.message + (f" (at {'/'.join(map(str, reason.absolute_path))})"
                          if reason.absolute_path else "")
        for reason in getattr(cause, "schema_errors", None) or ()
    ]
    if reasons:
        return f"{text.split(': Value ')[0]}: {'; '.join(reasons)}"
    if cause is not None and str(cause) not in text:
        return f"{text}: {cause}"
    return text


class ContractMonitor:
    """Checks requests against a contract (none: every request passes) and keeps the count."""

    def __init__(self, contract: Contract | None = None, *, keep: int = 1000) -> None:
        self.contract = contract
        self._keep = keep
        self._lock = threading.Lock()
        self._violations: list[Violation] = []
        self._count = 0
        self._checked = 0

    def check(self, seen: Seen) -> list[Violation]:
        if self.contract is None:
            return []
        found = [Violation(seen.method, seen.path, problem)
                 for problem in self.contract.problems(seen)]
        for violation in found:  # `hub sandbox` shows them as they happen
            logger.warning("contract violation: %s", violation)
        with self._lock:
            self._checked += 1
            self._count += len(found)
            room = self._keep - len(self._violations)
            self._violations.extend(found[:max(0, room)])
        return found

    @property
    def violations(self) -> list[Violation]:
        """The first `keep` violations seen."""
        with self._lock:
            return list(self._violations)

    @property
    def count(self) -> int:
        """How many violations in all (beyond those kept)."""
        with self._lock:
            return self._count

    @property
    def checked(self) -> int:
        """How many requests were checked."""
        with self._lock:
            return self._checked

    def assert_clean(self) -> None:
        """Fail, naming the first violations, if any request broke the contract."""
        with self._lock:
            count, first = self._count, self._violations[:5]
        if count:
            listed = "\n  ".join(str(violation) for violation in first)
            raise AssertionError(f"{count} contract violation(s), the first:\n  {listed}")

    def reset(self) -> None:
        with self._lock:
            self._violations.clear()
            self._count = self._checked = 0
