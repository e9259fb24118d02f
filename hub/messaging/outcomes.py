"""Recording what a provider answered, in the send ledger and around it.

Each batch's outcomes are written in one transaction: the ledger rows, the intents' statuses,
the dead letters of rejected messages, the suppressions a provider asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.connector.messaging import SendResult, SendStatus
from hub.messaging.consent import suppress
from hub.messaging.gate import lock_contact
from hub.messaging.reserve import Reserver, refuse, set_message_status
from hub.model.people import Suppression
from hub.store import StateStore
from hub.store import tables as t
from hub.store.sends import SendLedger

_OPTED_OUT_CODES = frozenset({"21610"})  # Twilio: the recipient replied STOP


class Recorder:
    def __init__(self, store: StateStore, tenant: str, channel: str) -> None:
        self.store, self.tenant, self.channel = store, tenant, channel
        self.pipeline = f"messaging:{channel}"

    def unresolved_batches(self, provider: str) -> list[str]:
        with self.store.engine.connect() as conn:
            return SendLedger(conn).unresolved_batches(self.tenant, provider)

    def batch(self, batch_id: str) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            return SendLedger(conn).batch(batch_id)

    def record(self, rows: Sequence[dict[str, Any]], results: Sequence[SendResult],
               now: datetime) -> dict[str, int]:
        counts = {"sent": 0, "failed": 0, "suppressed": 0, "retry": 0}
        with self.store.transaction() as tx:
            sends = tx.sends
            for row, result in zip(rows, results, strict=True):
                key = row["idempotency_key"]
                if result.status == SendStatus.ACCEPTED:
                    sends.record(key, "sent", provider_message_id=result.provider_message_id)
                    self._intent(tx.conn, row, "sent", now)
                    counts["sent"] += 1
                elif result.status == SendStatus.RETRY:
                    sends.record(key, "retry", error=result.error)
                    counts["retry"] += 1
                elif result.status == SendStatus.SUPPRESS:
                    sends.record(key, "suppressed", error=result.error)
                    reason = (Suppression.UNSUBSCRIBED if result.code in _OPTED_OUT_CODES
                              else Suppression.HARD_BOUNCED)
                    suppress(tx.conn, self.tenant, row["contact_id"], self.channel, reason, now)
                    self._intent(tx.conn, row, "failed", now)
                    counts["suppressed"] += 1
                else:
                    sends.record(key, "failed", error=result.error)
                    self._intent(tx.conn, row, "failed", now)
                    tx.ledger.add_dead_letters(self.pipeline, None, [_letter(row, result)])
                    counts["failed"] += 1
        return counts

    def mark_sent(self, row: dict[str, Any], provider_message_id: str, now: datetime) -> None:
        with self.store.transaction() as tx:
            tx.sends.record(row["idempotency_key"], "sent",
                            provider_message_id=provider_message_id, attempt=False)
            self._intent(tx.conn, row, "sent", now)

    def rebatch_retries(self, reserver: Reserver, provider: str, attempts: int, now: datetime,
                        batch_id: str, size: int
                        ) -> tuple[list[dict[str, Any]], dict[str, int], int]:
        """Messages the provider asked to retry, in a new batch of at most `size`: (their
        rows, refusals by reason, how many gave up). Consent and suppressions are checked
        again (the caps slot was taken when they were first reserved); out of attempts, they
        fail."""
        ledger = t.send_ledger.c
        failed = 0
        rows: list[dict[str, Any]] = []
        refused: dict[str, int] = {}
        with self.store.transaction() as tx:
            waiting = tx.conn.execute(sa.select(t.send_ledger.c.idempotency_key,
                                                ledger.contact_id).where(
                ledger.tenant == self.tenant, ledger.provider == provider,
                ledger.status == "retry").order_by(ledger.contact_id, ledger.idempotency_key))
            for key, contact_id in waiting.all():
                if len(rows) == size:
                    break
                contact = lock_contact(tx.conn, self.tenant, contact_id)
                row = tx.sends.ledger_entry(key)  # read again under the lock: another
                if row is None or row["status"] != "retry":  # worker may have taken it
                    continue
                intent = _intent_row(tx.conn, self.tenant, row["message_id"])
                verdict = reserver.gate.reachable(tx.conn, intent, contact)
                if row["attempts"] >= attempts or not verdict.allowed:
                    tx.sends.record(row["idempotency_key"], "failed", attempt=False,
                                    error=verdict.detail or row["error"])
                    if verdict.allowed:
                        self._intent(tx.conn, row, "failed", now)
                        tx.ledger.add_dead_letters(self.pipeline, None, [_letter(row, None)])
                        failed += 1
                    else:
                        refuse(tx.conn, self.tenant, intent, verdict.reason or "",
                               verdict.detail, now)
                        refused[verdict.reason or ""] = refused.get(verdict.reason or "", 0) + 1
                    continue
                tx.sends.rebatch(row["idempotency_key"], batch_id, len(rows))
                rows.append({**row, "status": "pending", "batch_id": batch_id,
                             "batch_pos": len(rows)})
        return rows, refused, failed

    def _intent(self, conn: sa.Connection, row: dict[str, Any], status: str,
                now: datetime) -> None:
        set_message_status(conn, self.tenant, row["message_id"], status, now)


def _intent_row(conn: sa.Connection, tenant: str, message_id: str) -> dict[str, Any]:
    m = t.messages.c
    row = conn.execute(sa.select(t.messages).where(m.tenant == tenant,
                                                   m.id == message_id)).one()
    return dict(row._mapping)


def _letter(row: dict[str, Any], result: SendResult | None) -> dict[str, Any]:
    error = (f"{result.error} ({result.code})" if result and result.code
             else (result.error if result else row.get("error"))) or "rejected"
    return {"kind": "failed", "record_key": row["idempotency_key"], "record": row["payload"],
            "error": error}
