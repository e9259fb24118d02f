"""What the sandbox saw, in HubSpot's terms: requests per endpoint, write calls, records written,
refusals. A view over the harness's request log, plus the records the routes report written.

Tests and benchmarks read these to check that a client used batch endpoints, paced itself
below the rate limit, or retried what it should.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from hub.testing.sandbox import RequestLog

from .rules import is_write

__all__ = ["Counters"]


class Counters:
    """Thread-safe. Endpoint keys look like `POST /crm/v3/objects/contacts/batch/upsert`
    (object types filled in, ids templated)."""

    def __init__(self, log: RequestLog) -> None:
        self._log = log
        self._lock = threading.Lock()
        self._records_written = 0

    @property
    def requests(self) -> Counter[str]:
        return self._log.routes()

    @property
    def write_calls(self) -> int:
        return sum(count for route, count in self._log.routes().items() if is_write(route))

    @property
    def records_written(self) -> int:
        with self._lock:
            return self._records_written

    @property
    def rate_limited(self) -> int:
        return self._log.outcomes("refused")

    @property
    def server_errors(self) -> int:
        return self._log.outcomes("faulted")

    @property
    def auth_failures(self) -> int:
        return self._log.outcomes("turned_away")

    def count_records_written(self, count: int) -> None:
        with self._lock:
            self._records_written += count

    def total_requests(self) -> int:
        return self._log.total()

    def snapshot(self) -> dict[str, Any]:
        """A plain copy, e.g. for a benchmark's JSON."""
        return {
            "requests": dict(self.requests),
            "write_calls": self.write_calls,
            "records_written": self.records_written,
            "rate_limited": self.rate_limited,
            "server_errors": self.server_errors,
            "auth_failures": self.auth_failures,
        }

    def reset(self) -> None:
        """Start counting afresh (the request log included)."""
        self._log.reset()
        with self._lock:
            self._records_written = 0
