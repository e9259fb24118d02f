"""One send run in a process of its own, for the crash tests to kill at a failpoint.

    python -m tests.messaging.crash_runner STORE_URL TEMPLATES PROVIDER_LOG idempotent|plain
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from hub.messaging.config import messaging_from_config
from hub.messaging.service import Messaging
from hub.store import StateStore
from tests.messaging.conftest import NO_WAIT
from tests.messaging.sender import RecordingSender

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def main(url: str, templates: str, log: str, mode: str) -> None:
    store = StateStore(url)
    try:
        messaging = Messaging(store, messaging_from_config(None, {}), tenant="default",
                              templates_dir=Path(templates), clock=lambda: NOW)
        sender = RecordingSender(idempotent=mode == "idempotent",
                                 batch_size=4 if mode == "idempotent" else 1, log=Path(log))
        report = asyncio.run(messaging.worker(sender, "test", retry=NO_WAIT).run())
        print(f"sent={report.sent} recovered={report.recovered}")
    finally:
        store.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
