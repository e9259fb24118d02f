"""The send worker: queued intents → gate → ledger → provider → recorded outcome.

One `run` first finishes what an earlier run left: batches reserved whose outcome was never
recorded are sent again exactly as they were for an idempotent provider (same messages, same
order: the same request key), or reconciled with `find_sent` first for one that is not; then
it reserves and sends new batches, the most valuable intents first, until the queue or the
budget is spent; then it retries the messages the provider asked to retry, per the engine's
retry policy. A `QuotaExhaustedError` stops the run, nothing lost: the next run resumes.

Outcomes: ACCEPTED → the ledger row `sent` with the provider's id; REJECTED → `failed` and a
dead letter (pipeline `messaging:<channel>`); SUPPRESS → the contact suppressed on the
channel; RETRY → `retry`, sent again in a later batch until the policy's attempts are spent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.connector.messaging import MessageSender, OutboundMessage, SendResult
from hub.engine import failpoints
from hub.errors import QuotaExhaustedError
from hub.http.retry import DEFAULT_RETRY, RetryPolicy, retry_call
from hub.messaging.claims import BatchClaims
from hub.messaging.outcomes import Recorder
from hub.messaging.reserve import Reserver
from hub.model.people import Channel
from hub.store import StateStore

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    retried: int = 0
    deferred: int = 0
    recovered: int = 0  # messages of batches an earlier run left without an outcome
    refused: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None  # why the run stopped early (a quota), to resume later
    resume_at: datetime | None = None

    def refuse(self, counts: dict[str, int]) -> None:
        for reason, n in counts.items():
            self.refused[reason] = self.refused.get(reason, 0) + n


class _Stop(Exception):
    pass


class SendWorker:
    def __init__(self, store: StateStore, reserver: Reserver, sender: MessageSender, *,
                 clock: Clock = _utcnow, retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.store, self.reserver, self.sender = store, reserver, sender
        self.clock, self.retry = clock, retry
        self.tenant, self.provider = reserver.tenant, reserver.provider
        self.recorder = Recorder(store, self.tenant, sender.channel)
        self.claims = BatchClaims(store.engine)

    async def run(self, budget: int | None = None) -> SendReport:
        """Send what is due, at most `budget` new messages (None: all)."""
        report = SendReport()
        try:
            await self._recover(report)
            await self._send_new(report, budget)
            await self._retry(report)
        except _Stop:
            pass
        return report

    async def _recover(self, report: SendReport) -> None:
        for batch_id in self.recorder.unresolved_batches(self.provider):
            with self.claims.hold(batch_id, wait=False) as mine:
                if not mine:
                    continue  # in flight: its worker is alive and sending it
                rows = self.recorder.batch(batch_id)  # read again under the lock
                report.recovered += len(rows)
                await self._deliver(rows, report, attempted=True)

    async def _send_new(self, report: SendReport, budget: int | None) -> None:
        channel = Channel(self.sender.channel)
        left = budget
        while left is None or left > 0:
            size = self.sender.batch_size if left is None else min(self.sender.batch_size, left)
            now, batch_id = self.clock(), uuid.uuid4().hex
            with self.claims.hold(batch_id):
                with self.store.transaction() as tx:
                    intents = self.reserver.candidates(tx.conn, channel, now, size)
                    if not intents:
                        return
                    reservation = self.reserver.reserve(tx.conn, intents, now, batch_id)
                failpoints.reach("after_reserve")
                report.refuse(reservation.refused)
                report.deferred += reservation.deferred
                if left is not None:
                    left -= len(reservation.rows)
                if reservation.rows:
                    await self._deliver(reservation.rows, report, attempted=False)

    async def _retry(self, report: SendReport) -> None:
        """Until none is left: each try counts an attempt, and a message out of attempts
        fails, so this ends. Rounds wait the policy's backoff, doubling."""
        wait = self.retry.base_wait
        while True:
            batch_id = uuid.uuid4().hex
            with self.claims.hold(batch_id):
                rows, refused, failed = self.recorder.rebatch_retries(
                    self.reserver, self.provider, self.retry.attempts, self.clock(), batch_id,
                    self.sender.batch_size)
                report.refuse(refused)
                report.failed += failed
                if not rows:
                    return
                if wait > 0:
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, self.retry.max_wait)
                report.retried += len(rows)
                await self._deliver(rows, report, attempted=False)

    async def _deliver(self, rows: list[dict[str, Any]], report: SendReport, *,
                       attempted: bool) -> None:
        """Send one reserved batch and record each message's outcome."""
        tries = 0

        async def attempt() -> list[SendResult]:
            # a non-idempotent provider may have taken part of a batch that failed or whose
            # outcome was lost: what it has is marked sent, only the rest goes again
            nonlocal rows, tries
            if (attempted or tries) and not self.sender.idempotent:
                rows = await self._reconcile(rows, report)
            tries += 1
            if not rows:
                return []
            return await self.sender.send([outbound(row) for row in rows])

        try:
            results = await retry_call(attempt, policy=self.retry, what=f"{self.provider} send")
        except QuotaExhaustedError as exc:
            report.stopped, report.resume_at = str(exc), exc.resume_at
            log.warning("send stopped, to resume later: %s", exc)
            raise _Stop from exc
        if len(results) != len(rows):
            raise RuntimeError(f"{type(self.sender).__name__} answered {len(results)} results "
                               f"for {len(rows)} messages")
        failpoints.reach("after_send")
        counts = self.recorder.record(rows, results, self.clock())
        report.sent += counts["sent"]
        report.failed += counts["failed"]
        report.suppressed += counts["suppressed"]

    async def _reconcile(self, rows: list[dict[str, Any]],
                         report: SendReport) -> list[dict[str, Any]]:
        """A non-idempotent provider: mark sent what it already has; the rest is to send."""
        unsent = []
        for row in rows:
            found = await retry_call(self.sender.find_sent, outbound(row), policy=self.retry,
                                     what=f"{self.provider} find_sent")
            if found is None:
                unsent.append(row)
            else:
                self.recorder.mark_sent(row, found, self.clock())
                report.sent += 1
        return unsent


def outbound(row: dict[str, Any]) -> OutboundMessage:
    """The message as reserved: rebuilt from the ledger, identical on every resend. Headers
    and tags go in name order: a JSON column (PostgreSQL's jsonb) does not keep the order they
    were reserved in, and a provider holds a resent request's key to the same payload."""
    p = row["payload"]
    return OutboundMessage(
        idempotency_key=row["idempotency_key"], channel=Channel(p["channel"]), to=p["to"],
        text=p["text"], sender=p.get("sender"), subject=p.get("subject"), html=p.get("html"),
        headers=dict(sorted((p.get("headers") or {}).items())),
        tags=dict(sorted((p.get("tags") or {}).items())), created_at=row["created_at"])
