"""Injected faults: added latency, random 500/503 answers (seeded) and forced 429s.

The knobs are read from the config on every request, so a running sandbox can be made slow or
flaky mid-test; `force_429` queues refusals for the next requests.
"""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any

from .config import SandboxConfig

__all__ = ["FaultInjector", "server_error_body"]


def server_error_body(status_code: int) -> dict[str, Any]:
    """The body of an injected 500 or 503."""
    message = "internal error" if status_code == 500 else "service temporarily unavailable"
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": "INTERNAL_ERROR" if status_code == 500 else "SERVICE_UNAVAILABLE",
    }


class FaultInjector:
    """Decides, request by request, whether to delay or break the answer."""

    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._random = random.Random(config.fault_seed)
        self._lock = threading.Lock()
        self._forced_429s = config.forced_429s

    def force_429(self, count: int = 1) -> None:
        """Answer the next `count` API requests with a TEN_SECONDLY_ROLLING 429."""
        with self._lock:
            self._forced_429s += count

    def take_forced_429(self) -> bool:
        with self._lock:
            if self._forced_429s <= 0:
                return False
            self._forced_429s -= 1
            return True

    def latency(self) -> float:
        """Seconds to wait before answering."""
        cfg = self._config
        if cfg.latency_jitter_s <= 0:
            return cfg.latency_s
        with self._lock:
            return cfg.latency_s + self._random.uniform(0.0, cfg.latency_jitter_s)

    def server_error(self) -> int | None:
        """500 or 503 for a request picked by the seeded error rate, else None."""
        rate = self._config.error_rate
        if rate <= 0:
            return None
        with self._lock:
            if self._random.random() >= rate:
                return None
            return self._random.choice((500, 503))
