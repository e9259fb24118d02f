"""The sync daemon's clock: cron schedules fired once per tick across any number of daemons."""
from __future__ import annotations

from hub.schedule.daemon import Daemon, Entry
from hub.schedule.ticks import due_ticks

__all__ = ["Daemon", "Entry", "due_ticks"]
