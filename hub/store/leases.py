"""Run leases: at most one live run of a pipeline, on one machine or many sharing a store.

A run takes its pipeline's lease in the transaction that records its start, renews it while it
works (each page commit checks it still holds it), and gives it back in the transaction that
records its end. A lease is stale when it expired (no heartbeat for its time to live: the
holder hung or its machine went away) or, on the holder's own machine, when its process is
gone — a SIGKILL leaves no time to clean up, and the next run or `hub runs` should not have to
wait out the lease to know. A stale lease's run is marked `interrupted`, keeping the counts of
the pages it committed.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.errors import HubError
from hub.store import tables as t

DEFAULT_TTL = timedelta(seconds=60)


class PipelineBusyError(HubError):
    """Another live run holds the pipeline's lease."""

    def __init__(self, pipeline: str, lease: Lease) -> None:
        super().__init__(
            f"pipeline {pipeline!r} is already running: run {lease.run_id}, pid {lease.pid} on "
            f"{lease.host}, since {lease.acquired_at:%Y-%m-%d %H:%M:%S} UTC (last heartbeat "
            f"{lease.heartbeat_at:%H:%M:%S}); wait for it with `hub sync {pipeline} --wait`")
        self.pipeline = pipeline
        self.lease = lease


class LeaseLostError(HubError):
    """This run's lease was taken over (it was thought dead): it must not commit any more."""


@dataclass(frozen=True)
class Holder:
    """The process asking for a lease."""

    owner: str
    host: str
    pid: int
    process_started: str | None

    @classmethod
    def this_process(cls) -> Holder:
        pid = os.getpid()
        return cls(uuid.uuid4().hex, socket.gethostname(), pid, _process_started(pid))


@dataclass(frozen=True)
class Lease:
    tenant: str
    pipeline: str
    run_id: int
    owner: str
    host: str
    pid: int
    process_started: str | None
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def stale(self, at: datetime) -> bool:
        if self.expires_at <= at:
            return True
        if self.host != socket.gethostname():
            return False  # another machine's process: only the expiry can tell
        stat = _stat(self.pid)
        if stat is None:  # no /proc here: the kernel can only say whether the pid exists
            return not _pid_exists(self.pid)
        # gone, a zombie (dead, not yet reaped), or the pid reused by another process
        return not stat or stat[0] == "Z" or _started(stat) != self.process_started


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the process name ([] when the process is gone),
    or None where the machine has no /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return [] if Path("/proc/self/stat").exists() else None
    except OSError:
        return None
    return text.rpartition(")")[2].split()  # the name may hold spaces; it ends at the last ')'


def _started(stat: list[str]) -> str | None:
    """The process's start time in clock ticks since boot."""
    return stat[19] if len(stat) > 19 else None


def _process_started(pid: int) -> str | None:
    stat = _stat(pid)
    return _started(stat) if stat else None


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> datetime:
    return datetime.now(UTC)


class LeaseState:
    """The lease half of the run ledger, mixed into the store's transaction object."""

    conn: sa.Connection
    tenant: str

    def acquire_lease(self, pipeline: str, run_id: int, holder: Holder,
                      ttl: timedelta = DEFAULT_TTL) -> Lease | None:
        """Take the pipeline's lease for `run_id`, or raise PipelineBusyError naming the live
        holder. A stale lease is taken over; the stale one is returned, its run interrupted."""
        at = _now()
        row = {"tenant": self.tenant, "pipeline": pipeline, "run_id": run_id,
               "owner": holder.owner, "host": holder.host,
               "pid": holder.pid, "process_started": holder.process_started,
               "acquired_at": at, "heartbeat_at": at, "expires_at": at + ttl}
        insert: Any = (postgresql.insert(t.run_leases) if self.conn.dialect.name == "postgresql"
                       else sqlite.insert(t.run_leases))
        # RETURNING says whether the row went in (rowcount is -1 there on some drivers)
        stmt = insert.values(row).on_conflict_do_nothing().returning(t.run_leases.c.pipeline)
        if self.conn.execute(stmt).first() is not None:
            return None
        held = self.lease(pipeline)
        if held is None:  # given back between the two statements: try once more
            return self.acquire_lease(pipeline, run_id, holder, ttl)
        if not held.stale(at):
            raise PipelineBusyError(pipeline, held)
        c = t.run_leases.c
        taken = self.conn.execute(sa.update(t.run_leases).where(
            c.tenant == self.tenant, c.pipeline == pipeline, c.owner == held.owner
        ).values(row)).rowcount
        if taken != 1:  # another run took it over first
            return self.acquire_lease(pipeline, run_id, holder, ttl)
        self._interrupt(held)
        return held

    def renew_lease(self, pipeline: str, owner: str, ttl: timedelta = DEFAULT_TTL) -> bool:
        """Push the expiry on; False when the lease is no longer this owner's."""
        at = _now()
        c = t.run_leases.c
        return bool(self.conn.execute(sa.update(t.run_leases).where(
            c.tenant == self.tenant, c.pipeline == pipeline, c.owner == owner).values(
            heartbeat_at=at, expires_at=at + ttl)).rowcount == 1)

    def release_lease(self, pipeline: str, owner: str) -> None:
        c = t.run_leases.c
        self.conn.execute(sa.delete(t.run_leases).where(
            c.tenant == self.tenant, c.pipeline == pipeline, c.owner == owner))

    def lease(self, pipeline: str) -> Lease | None:
        c = t.run_leases.c
        row = self.conn.execute(sa.select(t.run_leases).where(
            c.tenant == self.tenant, c.pipeline == pipeline)).first()
        return Lease(**row._asdict()) if row else None

    def reap_interrupted(self, pipeline: str | None = None) -> list[int]:
        """Mark `interrupted` every run still `running` whose process is gone; their ids."""
        r = t.runs.c
        stmt = (sa.select(r.id.label("running_id"), t.run_leases)
                .select_from(t.runs.outerjoin(t.run_leases, t.run_leases.c.run_id == r.id))
                .where(r.tenant == self.tenant, r.status == "running"))
        if pipeline is not None:
            stmt = stmt.where(r.pipeline == pipeline)
        at, reaped = _now(), []
        for row in self.conn.execute(stmt).all():
            if row.owner is None:  # no lease at all: its holder gave it up or never had one
                if self._mark_interrupted(row.running_id, None, "its process left no lease"):
                    reaped.append(row.running_id)
                continue
            held = Lease(**{c.name: row._mapping[c] for c in t.run_leases.c})
            if held.stale(at) and self._interrupt(held, release=True):
                reaped.append(row.running_id)
        return reaped

    def _interrupt(self, held: Lease, *, release: bool = False) -> bool:
        if release:
            self.release_lease(held.pipeline, held.owner)
        why = "its process" if held.expires_at > _now() else "its lease expired: the process"
        return self._mark_interrupted(
            held.run_id, held.heartbeat_at,
            f"interrupted: {why} (pid {held.pid} on {held.host}) stopped; the pages it "
            f"committed are kept, the next run resumes from its checkpoint")

    def _mark_interrupted(self, run_id: int, last_seen: datetime | None, error: str) -> bool:
        r = t.runs.c
        done = self.conn.execute(sa.update(t.runs).where(
            r.id == run_id, r.status == "running").values(
            status="interrupted", finished_at=last_seen or _now(), error=error)).rowcount
        return bool(done == 1)
