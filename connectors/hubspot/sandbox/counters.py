"""What the sandbox saw: requests per endpoint, write calls, records written, refusals.

Tests and benchmarks read these to check that a client used batch endpoints, paced itself
below the rate limit, or retried what it should.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Counters"]


@dataclass
class Counters:
    """Thread-safe request counters. Endpoint keys look like
    `POST /crm/v3/objects/contacts/batch/upsert` (object types filled in, ids templated)."""

    requests: Counter[str] = field(default_factory=Counter)
    write_calls: int = 0
    records_written: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    auth_failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_request(self, endpoint: str, *, write: bool) -> None:
        with self._lock:
            self.requests[endpoint] += 1
            if write:
                self.write_calls += 1

    def count_records_written(self, count: int) -> None:
        with self._lock:
            self.records_written += count

    def count_rate_limited(self) -> None:
        with self._lock:
            self.rate_limited += 1

    def count_server_error(self) -> None:
        with self._lock:
            self.server_errors += 1

    def count_auth_failure(self) -> None:
        with self._lock:
            self.auth_failures += 1

    def total_requests(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def snapshot(self) -> dict[str, Any]:
        """A plain copy, e.g. for a benchmark's JSON."""
        with self._lock:
            return {
                "requests": dict(self.requests),
                "write_calls": self.write_calls,
                "records_written": self.records_written,
                "rate_limited": self.rate_limited,
                "server_errors": self.server_errors,
                "auth_failures": self.auth_failures,
            }

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.write_calls = self.records_written = self.rate_limited = 0
            self.server_errors = self.auth_failures = 0
