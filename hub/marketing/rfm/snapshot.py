"""The nightly RFM snapshot: every customer scored in one INSERT … SELECT, the day's rows
replaced, and the result checked for completeness; plus the readers of stored snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from hub.marketing.common.clock import as_utc
from hub.marketing.common.dialect import prepare_connection
from hub.marketing.common.orders import completed
from hub.marketing.rfm.scores import scoring_query
from hub.marketing.segments.definitions import RfmSettings
from hub.store import StateStore
from hub.store import tables as t


@dataclass(frozen=True)
class SnapshotReport:
    tenant: str
    snapshot_date: date
    rows: int
    expected: int
    by_segment: dict[str, int]

    @property
    def complete(self) -> bool:
        """One row per customer with a completed order: the snapshot integrity rule."""
        return self.rows == self.expected


def take_snapshot(store: StateStore, tenant: str, as_of: datetime,
                  settings: RfmSettings | None = None) -> SnapshotReport:
    """The nightly job: score every customer, replace the day's snapshot, check it is whole.

    Running it twice on a day replaces that day's rows, so a retried job never duplicates.
    """
    as_of = as_utc(as_of)
    day = as_of.date()
    scored = scoring_query(tenant, as_of, settings).subquery("scored")
    columns = ["tenant", "snapshot_date", "contact_id", "recency_days", "frequency",
               "monetary", "r_score", "f_score", "m_score", "composite", "segment"]
    rows = sa.select(sa.literal(tenant, t.Id).label("tenant"),
                     sa.literal(day, sa.Date).label("snapshot_date"),
                     *(scored.c[name] for name in columns[2:]))
    snap = t.rfm_snapshots
    with store.transaction() as tx:
        prepare_connection(tx.conn)
        tx.conn.execute(sa.delete(snap).where(snap.c.tenant == tenant,
                                              snap.c.snapshot_date == day))
        # in key order: the rows append to the primary key instead of landing at random
        tx.conn.execute(snap.insert().from_select(columns, rows.order_by(scored.c.contact_id)))
        written = _count(tx.conn, snap, snap.c.tenant == tenant, snap.c.snapshot_date == day)
        expected = customers_count(tx.conn, tenant, as_of)
        by_segment = distribution(tx.conn, tenant, day)
    return SnapshotReport(tenant, day, written, expected, by_segment)


def customers_count(conn: sa.Connection, tenant: str, as_of: datetime) -> int:
    """Contacts with a completed order at or before `as_of`: who a snapshot must cover."""
    o, c = t.orders, t.contacts
    bought = sa.exists().where(o.c.tenant == tenant, o.c.contact_id == c.c.id,
                               completed(o, until=as_of))
    return _count(conn, c, c.c.tenant == tenant, bought)


def distribution(conn: sa.Connection, tenant: str, day: date) -> dict[str, int]:
    """Customers per named RFM segment in one snapshot, largest first."""
    snap = t.rfm_snapshots
    rows = conn.execute(
        sa.select(snap.c.segment, sa.func.count())
        .where(snap.c.tenant == tenant, snap.c.snapshot_date == day)
        .group_by(snap.c.segment).order_by(sa.func.count().desc(), snap.c.segment))
    return {str(name or "unnamed"): int(n) for name, n in rows}


def score_grid(conn: sa.Connection, tenant: str, day: date) -> dict[tuple[int, int], int]:
    """Customers per (R, F) score cell of one snapshot, for the distribution chart."""
    snap = t.rfm_snapshots
    rows = conn.execute(
        sa.select(snap.c.r_score, snap.c.f_score, sa.func.count())
        .where(snap.c.tenant == tenant, snap.c.snapshot_date == day)
        .group_by(snap.c.r_score, snap.c.f_score))
    return {(int(r), int(f)): int(n) for r, f, n in rows}


def latest_snapshot_date(conn: sa.Connection, tenant: str, on_or_before: date) -> date | None:
    snap = t.rfm_snapshots
    found = conn.execute(sa.select(sa.func.max(snap.c.snapshot_date))
                         .where(snap.c.tenant == tenant,
                                snap.c.snapshot_date <= on_or_before)).scalar_one()
    return found if isinstance(found, date) else None


def _count(conn: sa.Connection, table: sa.FromClause, *where: sa.ColumnElement[bool]) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                            .where(*where)).scalar_one())
