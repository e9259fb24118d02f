"""The state store: canonical records and the engine's own state, on SQLite or PostgreSQL."""

from __future__ import annotations

from hub.store.database import make_engine
from hub.store.leases import Holder, Lease, LeaseLostError, PipelineBusyError
from hub.store.state import DeadLetter, RunRecord, StateStore, Tx
from hub.store.upsert import upsert

__all__ = ["DeadLetter", "Holder", "Lease", "LeaseLostError", "PipelineBusyError", "RunRecord",
           "StateStore", "Tx", "make_engine", "upsert"]
