"""Failpoints: named spots in the record path where a test can kill the process for real.

`HUB_FAILPOINT=before_commit:3` sends SIGKILL to this process the third time the engine
reaches `before_commit`. Crash tests use it to stop a sync between any two steps — after a
read, between two batches of a page, after the writes but before their commit — and then
check that a rerun leaves the destination exactly equal to the source. `after_commit:1:stop`
sends SIGSTOP instead: a live run frozen at that spot, for a test to race another run against
(SIGCONT lets it go on). Unset, it costs one dictionary lookup per page.
"""

from __future__ import annotations

import os
import signal

# after_reserve, after_send: the send path (hub.messaging), between ledger and provider
POINTS = ("after_read", "after_batch", "before_commit", "after_commit", "after_reserve",
          "after_send")

_counts: dict[str, int] = {}


SIGNALS = {"kill": signal.SIGKILL, "stop": signal.SIGSTOP}


def _target() -> tuple[str, int, signal.Signals] | None:
    spec = os.environ.get("HUB_FAILPOINT")
    if not spec:
        return None
    name, count, action = ([*spec.split(":"), "", ""])[:3]
    if name not in POINTS:
        raise ValueError(f"HUB_FAILPOINT names {name!r}; known points: {', '.join(POINTS)}")
    if (action or "kill") not in SIGNALS:
        raise ValueError(f"HUB_FAILPOINT action {action!r}; known: {', '.join(SIGNALS)}")
    return name, int(count or 1), SIGNALS[action or "kill"]


_TARGET = _target()


def reach(name: str) -> None:
    if _TARGET is None or _TARGET[0] != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] == _TARGET[1]:
        os.kill(os.getpid(), _TARGET[2])
