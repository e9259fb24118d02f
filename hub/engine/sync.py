"""The sync engine: read → map → validate → dedup → diff → batch → write → record → checkpoint.

A page of source records is carried through the whole path before the next one is read.
Everything the page decided (new hashes, dead letters, run counts) and the checkpoint after
its last record are committed in one transaction, after the writes. A crash at any instant
therefore resumes from the last committed page: writes are upserts by stable keys, so the
rewrite of a page that was written but not yet committed changes nothing and duplicates
nothing.

Every record read ends in exactly one outcome: written, unchanged, filtered, invalid or
failed; invalid and failed ones go to the dead-letter queue with the original record, one
open letter per record. When a later copy of a dead-lettered record goes through, its letter
is closed as superseded, so that a replay never writes the old copy over the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from hub.connector import Outcome, Record, WriteMode, WriteResult
from hub.connector.jsonsafe import from_json, to_json
from hub.engine import failpoints
from hub.engine.breaker import Breaker
from hub.engine.lease import OnWait, RunLease, lease_ttl_from_env, start_run
from hub.engine.outcome import PageOutcome, RunResult, Staged, account
from hub.engine.payload import key_string, key_tuple, payload_hash
from hub.engine.plan import Plan
from hub.engine.reading import read_pages
from hub.errors import QuotaExhaustedError, RecordError, TenantMismatchError, TransientError
from hub.http.retry import DEFAULT_RETRY, RetryPolicy, retry_call
from hub.store import StateStore, Tx
from hub.store.sink import StoreSink

Progress = Callable[[Counter[str]], None]

log = logging.getLogger(__name__)


class SyncEngine:
    def __init__(self, store: StateStore, *, retry: RetryPolicy = DEFAULT_RETRY,
                 concurrency: int = 4, record_attempts: int = 3,
                 lease_ttl: timedelta | None = None) -> None:
        self.store = store
        self.retry = retry
        self.concurrency = concurrency
        self.record_attempts = record_attempts  # for records a sink reports as retryable
        self.lease_ttl = lease_ttl or lease_ttl_from_env()
        self._leases: dict[int, RunLease] = {}  # run id → the lease it holds
        self._breakers: dict[str, Breaker] = {}  # by pipeline: its current plan's breaker

    async def begin_run(self, pipeline: str, *, kind: str = "sync", cursor_from: Any = None,
                        wait: bool = False, on_wait: OnWait | None = None) -> int:
        """Record a run's start holding the pipeline's lease: one live run per pipeline."""
        lease = RunLease(self.store, pipeline, self.lease_ttl)
        run_id = await start_run(
            lease, lambda tx: tx.ledger.start_run(pipeline, cursor_from=cursor_from, kind=kind),
            wait=wait, on_wait=on_wait)
        self._leases[run_id] = lease
        return run_id

    def check_tenant(self, plan: Plan) -> None:
        """The engine state of a pipeline is kept under its tenant: the store must be scoped to
        the tenant its connections serve, or one tenant's run would move another's cursor."""
        if plan.tenant != self.store.tenant:
            raise TenantMismatchError(
                f"pipeline {plan.name!r} serves tenant {plan.tenant!r}, but this hub's state "
                f"store is scoped to tenant {self.store.tenant!r} (hub.yaml `tenant:`)")

    def lease(self, run_id: int) -> RunLease:
        return self._leases[run_id]

    def end_run(self, run_id: int, status: str, error: str | None = None,
                resume_at: datetime | None = None, tx: Tx | None = None) -> None:
        """Record a run's end and give its lease back, in one transaction."""
        lease = self._leases.pop(run_id)
        if tx is None:
            with self.store.transaction() as own:
                self.end_run_in(own, lease, run_id, status, error, resume_at)
        else:
            self.end_run_in(tx, lease, run_id, status, error, resume_at)

    @staticmethod
    def end_run_in(tx: Tx, lease: RunLease, run_id: int, status: str, error: str | None,
                   resume_at: datetime | None) -> None:
        tx.ledger.finish_run(run_id, status, error, resume_at)
        lease.give_back(tx)

    async def run(self, plan: Plan, *, full_refresh: bool = False, dry_run: bool = False,
                  progress: Progress | None = None, wait: bool = False,
                  on_wait: OnWait | None = None) -> RunResult:
        self.check_tenant(plan)
        mirror = plan.mode is WriteMode.MIRROR
        result = RunResult(plan.name, None, "running")
        baseline = False  # mirror: has an earlier run created records there?
        resolve = False  # are there letters a record of this run may supersede?
        stored = None
        if not dry_run:
            # the cursor is read after the lease is held: a run that waited starts where the
            # run it waited for ended
            result.run_id = await self.begin_run(plan.name, wait=wait, on_wait=on_wait)
            with self.store.transaction() as tx:
                # mirror compares the whole source with the destination: it always reads it all
                stored = None if (full_refresh or mirror) else tx.ledger.get_cursor(plan.name)
                tx.ledger.set_run_cursor_from(result.run_id, stored)
                baseline = mirror and tx.ledger.has_hub_created(plan.destination_id)
                resolve = tx.ledger.has_open_dead_letters(plan.name)
        elif not (full_refresh or mirror):
            stored = self.store.get_cursor(plan.name)
        # kept in the exact JSON form (see _commit): dates come back as dates
        after = from_json(stored) if stored is not None else None
        seen: set[str] = set()  # mirror: every destination key the source still has
        in_commit = self._writes_in_commit(plan)  # decided once per run, not once per page
        try:
            async with self._heartbeat(result.run_id):
                reading = f"{plan.name}: read {plan.stream.name}"
                async for page in read_pages(plan.stream, after, self.retry, what=reading):
                    if not page:
                        continue
                    failpoints.reach("after_read")
                    outcome, staged = self._prepare(plan, page, seen if mirror else None,
                                                    resolve)
                    if dry_run:
                        result.would_write += [s.payload for s in staged]
                        outcome.counts["written"] += len(staged)
                    else:
                        if not in_commit:
                            await self._deliver(plan, staged, outcome)
                        failpoints.reach("before_commit")
                        self._commit(plan, result.run_id, outcome,
                                     plan.stream.checkpoint(page[-1]), keep_cursor=not mirror,
                                     write=staged if in_commit else None)
                        failpoints.reach("after_commit")
                    result.counts.update(outcome.counts)
                    if progress:
                        progress(result.counts)
                if mirror and not dry_run:
                    result.deleted = await self._mirror_deletes(plan, seen, baseline,
                                                                result.counts)
            result.status = "succeeded"
        except QuotaExhaustedError as exc:
            result.status, result.error, result.resume_at = "stopped", str(exc), exc.resume_at
        except BaseException as exc:
            result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
            self._finish(result)
            raise
        self._finish(result)
        return result

    def _heartbeat(self, run_id: int | None) -> contextlib.AbstractAsyncContextManager[None]:
        return self._leases[run_id].heartbeat() if run_id is not None else _nothing()

    def _finish(self, result: RunResult) -> None:
        if result.run_id is not None:
            self.end_run(result.run_id, result.status, result.error, result.resume_at)

    # -- the record path ---------------------------------------------------------------------
    def _prepare(self, plan: Plan, page: Sequence[Record], seen: set[str] | None = None,
                 resolve: bool = False) -> tuple[PageOutcome, list[Staged]]:
        """Map, validate, dedup and diff one page; what remains must be written.

        `seen`, when given, collects the destination key of every valid record, written or
        unchanged: mirror mode deletes only what no record of the source maps to any more.
        `resolve` collects the keys that may close older dead letters of these records.
        """
        outcome = PageOutcome(resolve=resolve)
        outcome.counts["read"] = len(page)
        staged: dict[str, Staged] = {}
        primary_key = plan.stream.primary_key
        for record in page:
            try:
                payload, key = plan.transform(record)
            except RecordError as exc:
                source_key = key_string(tuple(record.get(k) for k in primary_key))
                outcome.dead("invalid", record, str(exc), source_key)
                continue
            if resolve:  # invalid letters are keyed by the source key: this one now maps
                outcome.mapped.append(key_string(tuple(record.get(k) for k in primary_key)))
            ks = key_string(key)
            earlier = staged.pop(ks, None)
            if earlier is not None:
                # the same key twice in a page: one write, later values win field by field
                outcome.counts["filtered"] += 1
                payload = {**earlier.payload, **payload}
            staged[ks] = Staged(ks, payload, record)
        if seen is not None:
            seen.update(staged)
        with self.store.transaction() as tx:
            sent = tx.ledger.get_hashes(plan.destination_id, staged)
        todo = []
        for item in staged.values():
            item.digest = payload_hash(item.payload)
            if sent.get(item.key) == item.digest:
                outcome.counts["unchanged"] += 1
                if resolve:
                    outcome.delivered.append(item.key)
            else:
                todo.append(item)
        return outcome, todo

    def _writes_in_commit(self, plan: Plan) -> bool:
        """The core's store sink on the engine's own database writes a page's records in the
        transaction that records the page: records, hashes, letters, events and checkpoint
        commit together or not at all."""
        return isinstance(plan.sink, StoreSink) and plan.sink.same_database(self.store.engine)

    async def _deliver(self, plan: Plan, staged: list[Staged], outcome: PageOutcome) -> None:
        """Write in sink-sized batches, a few at once; retry records the sink says may pass."""
        pending = staged
        for attempt in range(1, self.record_attempts + 1):
            if not pending:
                return
            if attempt > 1:  # the vendor said "not now" for these: give it a moment
                await asyncio.sleep(min(self.retry.max_wait,
                                        self.retry.base_wait * 2 ** (attempt - 2)))
            results = await self.write_batches(plan, pending)
            again: list[Staged] = []
            for item, res in zip(pending, results, strict=True):
                if res.retryable and res.outcome is Outcome.FAILED \
                        and attempt < self.record_attempts:
                    again.append(item)
                else:
                    account(outcome, item, res)
            pending = again

    def _breaker(self, plan: Plan) -> Breaker:
        """The breaker of this plan: one per run, as each run builds its own plan."""
        breaker = self._breakers.get(plan.name)
        if breaker is None or breaker.plan is not plan:
            breaker = self._breakers[plan.name] = Breaker.for_plan(plan)
        return breaker

    async def write_batches(self, plan: Plan, items: list[Staged]) -> list[WriteResult]:
        """Write in sink-sized batches, a few at once. A batch still failing once its retries
        are spent is dead-lettered, or stops the run when the breaker trips (see breaker)."""
        size = max(1, plan.sink.batch_size)
        batches = [items[i:i + size] for i in range(0, len(items), size)]
        gate = asyncio.Semaphore(self.concurrency)
        breaker = self._breaker(plan)

        async def one(batch: list[Staged]) -> list[WriteResult]:
            payloads = [s.payload for s in batch]
            attempts = 0

            async def write() -> list[WriteResult]:
                nonlocal attempts
                attempts += 1
                return await plan.sink.write(payloads, plan.mode)

            try:
                async with gate:
                    results = await retry_call(
                        write, policy=self.retry,
                        what=f"{plan.name}: write of {len(batch)} to {plan.sink.name}")
            except TransientError as exc:
                reason = breaker.failing(exc, attempts)  # raises when the vendor is down
                return [WriteResult.failed(reason) for _ in batch]
            except RecordError as exc:
                breaker.answered()
                # the destination refused the whole batch for a bad record: halve until the
                # bad ones stand alone, so the others are still written
                if len(batch) == 1:
                    return [WriteResult.failed(str(exc))]
                half = len(batch) // 2
                return [*await one(batch[:half]), *await one(batch[half:])]
            breaker.answered()
            failpoints.reach("after_batch")
            if len(results) != len(batch):
                raise TransientError(f"sink {plan.sink.name!r} returned {len(results)} results "
                                     f"for {len(batch)} records")
            return results

        tasks = [asyncio.ensure_future(one(b)) for b in batches]
        try:
            done = await asyncio.gather(*tasks)
        except BaseException:
            # one batch failed the run: stop the others rather than let them write on after
            # the run has been recorded as failed
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [r for batch in done for r in batch]

    def _commit(self, plan: Plan, run_id: int | None, outcome: PageOutcome,
                checkpoint: dict[str, Any], *, keep_cursor: bool,
                write: list[Staged] | None = None) -> None:
        assert run_id is not None
        # a stream's checkpoint may hold dates or decimals (the base Stream's holds the raw
        # cursor value): keep it in the JSON form that gives them back exactly
        checkpoint = to_json(checkpoint)
        with self.store.transaction() as tx:
            self._leases[run_id].check(tx)  # a run taken over as dead must not commit
            if write:  # the store sink: this page's records go in with their outcomes
                assert isinstance(plan.sink, StoreSink)
                results = plan.sink.write_in(tx.conn, [s.payload for s in write], plan.mode)
                for item, res in zip(write, results, strict=True):
                    account(outcome, item, res)
            tx.ledger.put_hashes(plan.destination_id, outcome.hashes, created=outcome.created)
            if outcome.resolve:
                # a newer copy of these records went through: replaying an older letter
                # would overwrite it with stale data
                tx.ledger.close_dead_letters(plan.name, "invalid", outcome.mapped, "superseded")
                tx.ledger.close_dead_letters(plan.name, "failed", outcome.delivered, "superseded")
            tx.ledger.add_dead_letters(plan.name, run_id, outcome.letters)
            tx.ledger.add_counts(run_id, outcome.counts, cursor_to=checkpoint)
            if keep_cursor:
                tx.ledger.set_cursor(plan.name, checkpoint)

    # -- mirror ---------------------------------------------------------------------------------
    async def _mirror_deletes(self, plan: Plan, seen: set[str], baseline: bool,
                              counts: Counter[str]) -> int:
        """Delete what the hub created and the source no longer has, in its safe form: never
        on the first run (it records the baseline), never when the source read empty, and
        never after a run with invalid records, whose destination keys are unknown: deleting
        a record because today's copy of it failed validation would lose it."""
        if not baseline or counts["read"] == 0:
            return 0
        if counts["invalid"]:
            log.warning("%s: mirror deletes skipped: %d invalid record(s) could not be matched "
                        "to their destination keys", plan.name, counts["invalid"])
            return 0
        with self.store.transaction() as tx:
            gone = sorted(tx.ledger.hub_created_keys(plan.destination_id) - seen)
        deleted = 0
        size = max(1, plan.sink.batch_size)
        for start in range(0, len(gone), size):
            batch = gone[start:start + size]
            results = await retry_call(plan.sink.delete, [key_tuple(k) for k in batch],
                                       policy=self.retry, what=f"{plan.name}: delete")
            done = [k for k, r in zip(batch, results, strict=True)
                    if r.outcome is Outcome.WRITTEN]
            with self.store.transaction() as tx:  # per batch: a crash repeats only the rest
                tx.ledger.forget_hashes(plan.destination_id, done)
            deleted += len(done)
        return deleted



@contextlib.asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield
