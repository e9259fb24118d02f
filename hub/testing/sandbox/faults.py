"""Faults a sandbox injects on purpose: latency, random server errors, forced refusals, scripted
answers per path, and bursts held until complete.

The random knobs are read on every request from a `FaultKnobs` object (a vendor's sandbox config
has these fields), so a test may make a running sandbox slow or flaky mid-run; a seed makes the
random ones repeatable.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hub.testing.sandbox.answers import Step

__all__ = ["Burst", "FaultInjector", "FaultKnobs", "FaultSettings"]


class FaultKnobs(Protocol):
    """Where the random faults read their rates, request by request."""

    latency_s: float
    latency_jitter_s: float
    error_rate: float


@dataclass
class FaultSettings:
    """Fault knobs of their own, for a sandbox whose config has none."""

    latency_s: float = 0.0
    latency_jitter_s: float = 0.0
    error_rate: float = 0.0


@dataclass
class Burst:
    """The next `size` requests, held until the last arrives, then judged at its instant."""

    size: int
    patience: float = 60.0
    arrivals: list[float] = field(default_factory=list)
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def full(self) -> bool:
        return len(self.arrivals) >= self.size

    def join(self, now: float) -> None:
        self.arrivals.append(now)
        if self.full:
            self.complete.set()

    async def wait(self) -> float:
        """The instant the burst completed (its last arrival). `patience` only keeps a test
        whose burst never fills from hanging: it fails on its own assertions instead."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.complete.wait(), self.patience)
        return max(self.arrivals)


class FaultInjector:
    """Decides, request by request, whether to delay, refuse or break the answer."""

    def __init__(
        self,
        knobs: FaultKnobs | None = None,
        *,
        seed: int = 0,
        forced_refusals: int = 0,
        error_statuses: Sequence[int] = (500, 503),
    ) -> None:
        self.knobs: FaultKnobs = knobs if knobs is not None else FaultSettings()
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._forced = forced_refusals
        self._error_statuses = tuple(error_statuses)
        self._scripts: dict[str, list[Step]] = {}
        self._burst: Burst | None = None

    # -- set up by a test --------------------------------------------------------------------

    def force_refusal(self, count: int = 1) -> None:
        """Refuse the next `count` limited requests as if over the rate limit."""
        with self._lock:
            self._forced += count

    def script(self, path: str, *steps: Step) -> None:
        """Answer `path` with `steps` in order; the last one repeats once the others are used.
        No steps: a 404 that says nothing is scripted."""
        with self._lock:
            self._scripts[path] = list(steps) or [NOT_SCRIPTED]

    def burst(self, size: int, patience: float = 60.0) -> None:
        """Hold the next `size` requests until all have arrived, then answer them together,
        judged by the rate limits at one instant: a burst of `size` whatever the client's
        speed, so a lower limit always refuses `size - limit` of them."""
        with self._lock:
            self._burst = Burst(size, patience)

    def reset(self) -> None:
        """Forget scripts, forced refusals and any burst; the random faults start over."""
        with self._lock:
            self._scripts.clear()
            self._burst = None
            self._forced = 0
            self._random = random.Random(self._seed)

    # -- asked by the gateway ----------------------------------------------------------------

    def join_burst(self, at: float) -> Burst | None:
        """The burst this request belongs to, if one is gathering."""
        with self._lock:
            burst = self._burst if self._burst is not None and not self._burst.full else None
            if burst is not None:
                burst.join(at)
            return burst

    def take_forced_refusal(self) -> bool:
        with self._lock:
            if self._forced <= 0:
                return False
            self._forced -= 1
            return True

    def latency(self) -> float:
        """Seconds to wait before answering."""
        knobs = self.knobs
        if knobs.latency_jitter_s <= 0:
            return knobs.latency_s
        with self._lock:
            return knobs.latency_s + self._random.uniform(0.0, knobs.latency_jitter_s)

    def server_error(self) -> int | None:
        """A status from `error_statuses` for a request picked by the seeded error rate."""
        rate = self.knobs.error_rate
        if rate <= 0:
            return None
        with self._lock:
            if self._random.random() >= rate:
                return None
            return self._random.choice(self._error_statuses)

    def next_step(self, path: str) -> Step | None:
        """The scripted answer for `path`, if any is scripted."""
        with self._lock:
            steps = self._scripts.get(path)
            if not steps:
                return None
            return steps.pop(0) if len(steps) > 1 else steps[0]


NOT_SCRIPTED = Step(404, json={"message": "nothing is scripted for this path"})
