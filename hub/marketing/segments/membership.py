"""Stored segment membership: evaluate, diff against what is stored, apply, announce.

A refresh runs the segment's SQL, compares the result with `segment_members`, writes only
the difference, and appends one `customer.segmented` event per entry and per exit to the
outbox in the same transaction, so an entry is never recorded without its event (or the
other way round). A refresh that moves the population by more than the drift policy allows
is flagged (an audit-log row and the result's `drift_alert`); with `action: hold` it is not
applied at all, so a broken feed cannot empty a segment that messages go to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.errors import DomainRuleError
from hub.marketing.common.clock import Clock, system_clock
from hub.marketing.common.dialect import prepare_connection
from hub.marketing.segments.compiler import SqlCompiler
from hub.marketing.segments.definitions import DriftPolicy, SegmentSet
from hub.model.events import CUSTOMER_SEGMENTED, DomainEvent
from hub.store import StateStore
from hub.store import tables as t

log = logging.getLogger(__name__)
_CHUNK = 500  # ids per IN (...) or per insert batch


@dataclass(frozen=True)
class RefreshResult:
    segment: str
    before: int
    after: int
    entered: tuple[str, ...]
    exited: tuple[str, ...]
    drift_percent: float | None
    drift_alert: bool
    held: bool = False

    @property
    def applied(self) -> bool:
        return not self.held


@dataclass(frozen=True)
class Preview:
    segment: str
    count: int
    sample: list[tuple[str, str | None]]  # (contact id, email)
    sql: str


def drift(before: int, after: int, policy: DriftPolicy) -> tuple[float | None, bool]:
    """The population change in percent of `before`, and whether it breaks the policy."""
    if before == 0:
        return None, False
    percent = (after - before) * 100.0 / before
    alert = before >= policy.min_population and abs(percent) > policy.max_change_percent
    return percent, alert


class SegmentService:
    """The segments of one tenant against one store, at the time its clock says."""

    def __init__(self, store: StateStore, segments: SegmentSet, *, tenant: str,
                 clock: Clock = system_clock) -> None:
        self.store, self.segments, self.tenant, self.clock = store, segments, tenant, clock

    def compiler(self, now: datetime | None = None) -> SqlCompiler:
        return SqlCompiler(self.segments, tenant=self.tenant, now=now or self.clock())

    def members(self, name: str, conn: sa.Connection | None = None) -> set[str]:
        """Who is in the segment now, by its SQL."""
        query = self.compiler().members_query(name)
        if conn is not None:
            prepare_connection(conn)
            return set(conn.execute(query).scalars())
        with self.store.engine.begin() as own:
            prepare_connection(own)
            return set(own.execute(query).scalars())

    def stored_members(self, name: str) -> set[str]:
        m = t.segment_members.c
        with self.store.engine.connect() as conn:
            return set(conn.execute(sa.select(m.contact_id).where(
                m.tenant == self.tenant, m.segment == name)).scalars())

    def stored(self) -> tuple[dict[str, int], dict[str, datetime]]:
        """Each stored segment's member count, and when its definition was last saved."""
        sm, seg = t.segment_members.c, t.segments.c
        with self.store.engine.connect() as conn:
            counts: dict[str, int] = dict(conn.execute(
                sa.select(sm.segment, sa.func.count()).where(sm.tenant == self.tenant)
                .group_by(sm.segment)).all())
            times: dict[str, datetime] = dict(conn.execute(
                sa.select(seg.name, seg.updated_at).where(seg.tenant == self.tenant)).all())
        return counts, times

    def preview(self, name: str, sample: int = 10) -> Preview:
        query = self.compiler().members_query(name)
        with self.store.engine.begin() as conn:
            prepare_connection(conn)
            ids = sorted(conn.execute(query).scalars())
            c = t.contacts.c
            chosen = ids[:sample]
            rows = conn.execute(sa.select(c.id, c.email).where(
                c.tenant == self.tenant, c.id.in_(chosen))).all() if chosen else []
            emails = dict(rows)
        return Preview(name, len(ids), [(i, emails.get(i)) for i in chosen],
                       render_sql(query, self.store.engine.dialect))

    # -- definitions -------------------------------------------------------------------------
    def save_definitions(self, conn: sa.Connection, names: Iterable[str]) -> None:
        """Record definitions in `segments`, refusing to go over the tenant's quota."""
        seg = t.segments.c
        stored = set(conn.execute(sa.select(seg.name).where(seg.tenant == self.tenant))
                     .scalars())
        wanted = set(names)
        quota = self.segments.settings.quota
        if len(stored | wanted) > quota:
            raise DomainRuleError("segments.quota", f"tenant {self.tenant!r} would have "
                                  f"{len(stored | wanted)} segments; the quota is {quota}")
        now = self.clock()
        for name in sorted(wanted):
            criteria = self.segments.get(name).criteria_json
            values = {"criteria": criteria, "updated_at": now}
            if name in stored:
                conn.execute(sa.update(t.segments).where(seg.tenant == self.tenant,
                                                         seg.name == name).values(**values))
            else:
                conn.execute(t.segments.insert().values(tenant=self.tenant, name=name,
                                                        **values))

    # -- refresh -----------------------------------------------------------------------------
    def refresh(self, name: str) -> RefreshResult:
        definition = self.segments.get(name)
        now = self.clock()
        with self.store.transaction() as tx:
            conn = tx.conn
            self.save_definitions(conn, [name])
            prepare_connection(conn)
            new = set(conn.execute(self.compiler(now).members_query(name)).scalars())
            m = t.segment_members.c
            old = set(conn.execute(sa.select(m.contact_id).where(
                m.tenant == self.tenant, m.segment == name)).scalars())
            percent, alert = drift(len(old), len(new), self.segments.drift_policy(name))
            held = alert and self.segments.drift_policy(name).action == "hold"
            entered, exited = sorted(new - old), sorted(old - new)
            result = RefreshResult(name, len(old), len(new), tuple(entered), tuple(exited),
                                   percent, alert, held)
            if alert:
                self._audit_drift(conn, result, now)
            if held:
                log.warning("segment %s: refresh held back, population would move %.1f%%",
                            name, percent or 0.0)
                return result
            self._apply(conn, name, entered, exited, now)
            tx.outbox.append_events(self._events(name, entered, exited, len(new), now))
        if definition.spec.for_messaging:
            log.info("segment %s: %d in, %d out, %d members", name, len(entered), len(exited),
                     len(new))
        return result

    def refresh_all(self) -> list[RefreshResult]:
        return [self.refresh(d.name) for d in self.segments]

    def _apply(self, conn: sa.Connection, name: str, entered: list[str], exited: list[str],
               now: datetime) -> None:
        members = t.segment_members
        for chunk in _chunks(exited):
            conn.execute(sa.delete(members).where(
                members.c.tenant == self.tenant, members.c.segment == name,
                members.c.contact_id.in_(chunk)))
        for chunk in _chunks(entered):
            conn.execute(members.insert(), [
                {"tenant": self.tenant, "segment": name, "contact_id": cid, "entered_at": now}
                for cid in chunk])

    def _events(self, name: str, entered: list[str], exited: list[str], population: int,
                now: datetime) -> Iterator[DomainEvent]:
        for change, ids in (("entered", entered), ("exited", exited)):
            for cid in ids:
                yield DomainEvent(type=CUSTOMER_SEGMENTED, tenant=self.tenant, key=cid,
                                  occurred_at=now, payload={
                                      "segment": name, "contact_id": cid, "change": change,
                                      "population": population})

    def _audit_drift(self, conn: sa.Connection, result: RefreshResult, now: datetime) -> None:
        detail: dict[str, Any] = {"before": result.before, "after": result.after,
                                  "percent": round(result.drift_percent or 0.0, 2),
                                  "held": result.held}
        conn.execute(t.audit_log.insert().values(
            tenant=self.tenant, actor="segments", action="segment.drift_alert",
            subject_type="segment", subject_id=result.segment, detail=detail, at=now))


def render_sql(query: sa.Select[Any], dialect: sa.Dialect) -> str:
    """The statement as a person can read and run it (values inlined where possible)."""
    try:
        return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except (sa.exc.CompileError, NotImplementedError, TypeError):
        return str(query.compile(dialect=dialect))


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]
