"""What a sandbox saw: every request as received, and counts per route, status and outcome.

Tests read these to check that a client used the endpoints it should, paced itself, or retried
what it should. Counts are kept forever; the requests themselves (bodies included) only up to
`keep`, so a long benchmark does not fill memory.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Outcome", "RequestLog", "Seen"]

# refused: by a rate limit (or a forced refusal); faulted: an injected error or broken
# connection; turned_away: refused at the door by the vendor's rules (e.g. a bad token).
Outcome = Literal["refused", "faulted", "turned_away"]


@dataclass(frozen=True)
class Seen:
    """One request as the sandbox received it; `at` is `time.monotonic()` on arrival and `route`
    the key it is counted under (`GET /crm/v3/objects/{objectType}`-like)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    at: float
    route: str = ""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class RequestLog:
    """Thread-safe: the server's loop writes, the test's thread reads."""

    def __init__(self, keep: int | None = None) -> None:
        self._lock = threading.Lock()
        self._seen: deque[Seen] = deque(maxlen=keep)
        self._routes: Counter[str] = Counter()
        self._statuses: Counter[tuple[str, int]] = Counter()
        self._outcomes: Counter[str] = Counter()

    def record(self, seen: Seen) -> None:
        with self._lock:
            self._seen.append(seen)
            self._routes[seen.route] += 1

    def answered(self, seen: Seen, status: int) -> None:
        with self._lock:
            self._statuses[(seen.route, status)] += 1

    def count(self, outcome: Outcome) -> None:
        with self._lock:
            self._outcomes[outcome] += 1

    # -- reading -----------------------------------------------------------------------------

    def requests(self, path: str | None = None) -> list[Seen]:
        """The requests kept, oldest first; only those to `path` when given."""
        with self._lock:
            return [seen for seen in self._seen if path is None or seen.path == path]

    def routes(self) -> Counter[str]:
        """Requests per route key."""
        with self._lock:
            return Counter(self._routes)

    def statuses(self, route: str | None = None) -> Counter[int]:
        """Answers per status code, for one route or all."""
        counts: Counter[int] = Counter()
        with self._lock:
            for (key, status), number in self._statuses.items():
                if route is None or key == route:
                    counts[status] += number
        return counts

    def outcomes(self, outcome: Outcome) -> int:
        with self._lock:
            return self._outcomes[outcome]

    def total(self) -> int:
        with self._lock:
            return sum(self._routes.values())

    def stats(self) -> dict[str, Any]:
        """A plain copy: `{"routes": {route: n}, "statuses": {route: {status: n}}, ...}`."""
        with self._lock:
            statuses: dict[str, dict[int, int]] = {}
            for (route, status), number in sorted(self._statuses.items()):
                statuses.setdefault(route, {})[status] = number
            return {
                "routes": dict(self._routes),
                "statuses": statuses,
                "outcomes": dict(self._outcomes),
            }

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
            self._routes.clear()
            self._statuses.clear()
            self._outcomes.clear()
