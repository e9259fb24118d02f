"""Who is sending a batch: a session lock held from its reservation to its recorded outcome.

A batch reserved in the ledger but without an outcome is either in flight (its worker is
sending it right now) or lost (its worker died). Only a lost one may be sent again. On
PostgreSQL the worker holds an advisory lock named after the batch, taken before the
reservation commits and released after the outcome is recorded; the server drops it the
moment the worker's connection dies. A recovering worker takes over a batch only if it can
take that lock. SQLite has no such locks: one worker at a time per store (use PostgreSQL for
concurrent senders).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

_NAMESPACE = 0x6D5347  # the first key of the two-key advisory lock: the send path's


class BatchClaims:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.enabled = engine.dialect.name == "postgresql"

    @contextmanager
    def hold(self, batch_id: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold the batch's lock for the block; yields False (without waiting) when another
        live worker holds it and `wait` is False."""
        if not self.enabled:
            yield True
            return
        with self.engine.connect() as conn:
            fn = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            got = conn.execute(sa.text(f"SELECT {fn}(:ns, hashtext(:batch))"),
                               {"ns": _NAMESPACE, "batch": batch_id}).scalar()
            conn.commit()  # the lock is the session's: no transaction is held open
            held = got is None or bool(got)  # pg_advisory_lock returns void (None)
            try:
                yield held
            finally:
                if held:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:ns, hashtext(:batch))"),
                                 {"ns": _NAMESPACE, "batch": batch_id})
                    conn.commit()
