"""The sync engine and its dead-letter replay."""

from __future__ import annotations

from hub.engine.outcome import RunResult
from hub.engine.plan import Plan, build_plan
from hub.engine.replay import ReplayResult, replay
from hub.engine.sync import SyncEngine

__all__ = ["Plan", "ReplayResult", "RunResult", "SyncEngine", "build_plan", "replay"]
