"""The run ledger: what the engine records about its runs, in the caller's transaction.

Runs and their leases, checkpoints (cursors), the payload hashes of what was last sent, and
the dead-letter queue. Everything a run records about one page is written through one
ledger in one transaction, so a crash leaves all of it or none of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hub.store import tables as t
from hub.store.leases import LeaseState
from hub.store.upsert import upsert

DEFAULT_TENANT = "default"
OUTCOMES = ("written", "unchanged", "filtered", "invalid", "failed")
_IN_CHUNK = 500  # keys per IN (...) clause: well under every backend's bound-parameter limit


def now() -> datetime:
    return datetime.now(UTC)


class RunLedger(LeaseState):
    """The run ledger in one transaction: runs and their leases, checkpoints, the hashes of
    what was sent (diff), and dead letters — all of one tenant."""

    def __init__(self, conn: sa.Connection, tenant: str = DEFAULT_TENANT) -> None:
        self.conn = conn
        self.tenant = tenant  # the engine state read and written here is this tenant's

    # -- cursors ---------------------------------------------------------------------------
    def get_cursor(self, pipeline: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            sa.select(t.cursors.c.value).where(t.cursors.c.tenant == self.tenant,
                                               t.cursors.c.pipeline == pipeline)
        ).first()
        return dict(row.value) if row else None

    def set_cursor(self, pipeline: str, value: Mapping[str, Any]) -> None:
        upsert(self.conn, t.cursors, [{"tenant": self.tenant, "pipeline": pipeline,
                                       "value": dict(value),
                                       "updated_at": now()}])

    def clear_cursor(self, pipeline: str) -> None:
        self.conn.execute(sa.delete(t.cursors).where(t.cursors.c.tenant == self.tenant,
                                                     t.cursors.c.pipeline == pipeline))

    # -- last-sent payload hashes (diff) ---------------------------------------------------
    def get_hashes(self, destination: str, keys: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        c = t.sent_hashes.c
        for chunk in _chunks(list(keys)):
            rows = self.conn.execute(
                sa.select(c.key, c.hash).where(c.tenant == self.tenant,
                                               c.destination == destination, c.key.in_(chunk))
            )
            found.update(rows.all())  # rows are (key, hash) pairs: no per-row attribute lookups
        return found

    def put_hashes(self, destination: str, hashes: Mapping[str, str],
                   created: Iterable[str] = ()) -> None:
        """Remember what was sent; keys in `created` were created by the hub (mirror mode)."""
        ts, made = now(), set(created)
        rows = [{"tenant": self.tenant, "destination": destination, "key": k, "hash": h,
                 "updated_at": ts,
                 "created_by_hub": k in made} for k, h in hashes.items()]
        new = [r for r in rows if r["created_by_hub"]]
        # created_by_hub is set once at creation and never cleared by later updates
        upsert(self.conn, t.sent_hashes, [r for r in rows if not r["created_by_hub"]],
               update=["hash", "updated_at"])
        upsert(self.conn, t.sent_hashes, new)

    def forget_hashes(self, destination: str, keys: Iterable[str] | None = None) -> None:
        stmt = sa.delete(t.sent_hashes).where(t.sent_hashes.c.tenant == self.tenant,
                                              t.sent_hashes.c.destination == destination)
        if keys is None:
            self.conn.execute(stmt)
            return
        for chunk in _chunks(list(keys)):
            self.conn.execute(stmt.where(t.sent_hashes.c.key.in_(chunk)))

    def has_hub_created(self, destination: str) -> bool:
        """Whether the hub created any record at this destination (one row read, not all)."""
        c = t.sent_hashes.c
        return self.conn.execute(sa.select(c.key).where(
            c.tenant == self.tenant, c.destination == destination,
            c.created_by_hub.is_(True)).limit(1)).first() is not None

    def hub_created_keys(self, destination: str) -> set[str]:
        c = t.sent_hashes.c
        rows = self.conn.execute(
            sa.select(c.key).where(c.tenant == self.tenant, c.destination == destination,
                                   c.created_by_hub.is_(True))
        )
        return {r.key for r in rows}

    # -- runs -------------------------------------------------------------------------------
    def start_run(self, pipeline: str, cursor_from: Any = None, kind: str = "sync") -> int:
        result = self.conn.execute(t.runs.insert().values(
            tenant=self.tenant, pipeline=pipeline, kind=kind, status="running", started_at=now(),
            cursor_from=cursor_from,
            **dict.fromkeys(("read", *OUTCOMES), 0),
        ))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def add_counts(self, run_id: int, counts: Mapping[str, int], cursor_to: Any = None) -> None:
        values: dict[str, Any] = {k: t.runs.c[k] + v for k, v in counts.items() if v}
        if cursor_to is not None:
            values["cursor_to"] = cursor_to
        if values:
            self.conn.execute(sa.update(t.runs).where(t.runs.c.id == run_id).values(**values))

    def set_run_cursor_from(self, run_id: int, cursor_from: Any) -> None:
        self.conn.execute(sa.update(t.runs).where(t.runs.c.id == run_id).values(
            cursor_from=cursor_from))

    def finish_run(self, run_id: int, status: str, error: str | None = None,
                   resume_at: datetime | None = None) -> None:
        """End a running run; one already marked `interrupted` (taken over) stays so."""
        r = t.runs.c
        self.conn.execute(sa.update(t.runs).where(r.id == run_id, r.status == "running").values(
            status=status, finished_at=now(), error=error, resume_at=resume_at))

    # -- dead letters -----------------------------------------------------------------------
    def add_dead_letters(self, pipeline: str, run_id: int | None,
                         letters: Sequence[Mapping[str, Any]]) -> None:
        """Each letter: kind, record, error, and optionally record_key, payload, attempts.

        A record keeps one open letter of each kind: when a letter's `record_key` already has
        an open one of its kind in this pipeline (the record failed again on a later run, a
        full refresh or a mirror pass), that letter takes the newest record, payload and
        reason and counts one more attempt, instead of the queue growing a duplicate that a
        replay would write twice. (Invalid letters are keyed by the source's key, failed
        ones by the destination's, so the kind keeps two records apart whose keys read alike.)
        """
        if not letters:
            return
        ts = now()
        # the same record twice in one batch: the later letter stands
        latest = {(d["kind"], d["record_key"]): d for d in letters
                  if d.get("record_key") is not None}
        open_ids = self._open_letter_ids(pipeline, latest)
        if open_ids:
            dl = t.dead_letters.c
            stmt = sa.update(t.dead_letters).where(dl.id == sa.bindparam("letter_id")).values(
                run_id=run_id, record=sa.bindparam("new_record"),
                payload=sa.bindparam("new_payload"), error=sa.bindparam("new_error"),
                attempts=dl.attempts + 1, updated_at=ts)
            self.conn.execute(stmt, [
                {"letter_id": letter_id, "new_record": latest[key]["record"],
                 "new_payload": latest[key].get("payload"), "new_error": latest[key]["error"]}
                for key, letter_id in open_ids.items()])
        fresh = [d for d in letters if d.get("record_key") is None
                 or ((key := (d["kind"], d["record_key"])) not in open_ids and latest[key] is d)]
        if not fresh:
            return
        self.conn.execute(t.dead_letters.insert(), [
            {"tenant": self.tenant, "pipeline": pipeline, "run_id": run_id, "kind": d["kind"],
             "record_key": d.get("record_key"), "record": d["record"],
             "payload": d.get("payload"), "error": d["error"],
             "attempts": d.get("attempts", 1), "status": "open",
             "created_at": ts, "updated_at": ts}
            for d in fresh
        ])

    def _open_letter_ids(self, pipeline: str, keys: Iterable[tuple[str, str]]
                         ) -> dict[tuple[str, str], int]:
        """The open letter of each of these (kind, record key) pairs that has one."""
        dl = t.dead_letters.c
        wanted = set(keys)
        found: dict[tuple[str, str], int] = {}
        for chunk in _chunks(sorted({key for _, key in wanted})):
            rows = self.conn.execute(
                sa.select(dl.kind, dl.record_key, dl.id).where(
                    dl.tenant == self.tenant, dl.pipeline == pipeline, dl.status == "open",
                    dl.record_key.in_(chunk))
                .order_by(dl.id))
            # several open already (older data): the newest is kept
            found.update({(r[0], r[1]): r[2] for r in rows if (r[0], r[1]) in wanted})
        return found

    def has_open_dead_letters(self, pipeline: str) -> bool:
        dl = t.dead_letters.c
        return self.conn.execute(sa.select(dl.id).where(
            dl.tenant == self.tenant, dl.pipeline == pipeline,
            dl.status == "open").limit(1)).first() is not None

    def close_dead_letters(self, pipeline: str, kind: str, keys: Iterable[str],
                           status: str) -> int:
        """Close the open letters of this kind and these record keys (e.g. `superseded`: a
        newer copy of the record went through); returns how many closed."""
        dl = t.dead_letters.c
        closed = 0
        for chunk in _chunks(list(keys)):
            result = self.conn.execute(sa.update(t.dead_letters).where(
                dl.tenant == self.tenant, dl.pipeline == pipeline, dl.kind == kind,
                dl.status == "open", dl.record_key.in_(chunk)
            ).values(status=status, updated_at=now()))
            closed += int(result.rowcount)
        return closed

    def set_dead_letter_status(self, ids: Iterable[int], status: str) -> int:
        """Close letters (`replayed`, `discarded`); returns how many changed."""
        ids = list(ids)
        if not ids:
            return 0
        dl = t.dead_letters.c
        result = self.conn.execute(sa.update(t.dead_letters).where(
            dl.tenant == self.tenant, dl.id.in_(ids)).values(
            status=status, updated_at=now()))
        return int(result.rowcount)

    def retry_failed(self, letter_id: int, error: str, payload: Any = None) -> None:
        """A replay that failed again: one more attempt, the newest reason, still open."""
        dl = t.dead_letters.c
        values: dict[str, Any] = {"error": error, "attempts": dl.attempts + 1,
                                  "updated_at": now()}
        if payload is not None:
            values["payload"] = payload
        self.conn.execute(sa.update(t.dead_letters).where(dl.id == letter_id).values(**values))


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i:i + _IN_CHUNK]
