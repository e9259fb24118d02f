"""The record path's guarantees on their own: dead letters kept once per record, a failed
batch that stops its siblings, and a failed replay recorded as such."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.connector import Record
from hub.engine import SyncEngine, replay
from hub.errors import PermanentError
from hub.store import StateStore
from tests.engine.fakes import Accepting, Pages, Refusing, SlowSecondBatch, plan_of


async def test_a_failed_batch_stops_the_batches_still_in_flight(sqlite_url: str) -> None:
    store = StateStore(sqlite_url)
    store.upgrade()
    sink = SlowSecondBatch()
    people = [{"id": str(i), "email": f"p{i}@example.com"} for i in range(1, 5)]
    try:
        with pytest.raises(PermanentError):
            await SyncEngine(store, concurrency=2).run(plan_of(Pages([people]), sink))
        assert sink.cancelled  # not left writing after the run was recorded as failed
        assert sink.written == []
        [run] = store.runs("people")
        assert (run.status, run.read) == ("failed", 0)  # the page was never committed
        assert store.get_cursor("people") is None
    finally:
        store.close()


def test_a_record_keeps_one_open_dead_letter(store_url: str) -> None:
    store = StateStore(store_url)
    store.upgrade()

    def letter(key: str | None, error: str) -> dict[str, Any]:
        return {"kind": "invalid", "record": {"id": key, "error": error}, "record_key": key,
                "error": error}

    try:
        with store.transaction() as tx:
            tx.ledger.add_dead_letters("p", 1, [letter("[1]", "first"), letter(None, "keyless"),
                                         letter("[2]", "two")])
        with store.transaction() as tx:  # a later run refuses [1] again, twice in one page
            tx.ledger.add_dead_letters("p", 2, [letter("[1]", "second"), letter(None, "keyless"),
                                         letter("[1]", "third"), letter("[3]", "three")])
            tx.ledger.add_dead_letters("other", 2, [letter("[1]", "another pipeline's")])
        open_letters = store.dead_letters("p")
        assert sorted(((d.record_key, d.error) for d in open_letters), key=str) == sorted(
            [("[1]", "third"), ("[2]", "two"), ("[3]", "three"), (None, "keyless"),
             (None, "keyless")], key=str)  # letters without a key are never merged
        [merged] = [d for d in open_letters if d.record_key == "[1]"]
        assert (merged.attempts, merged.run_id, merged.record["error"]) == (2, 2, "third")

        with store.transaction() as tx:  # once replayed, a new failure opens a new letter
            tx.ledger.set_dead_letter_status([merged.id], "replayed")
        with store.transaction() as tx:
            tx.ledger.add_dead_letters("p", 3, [letter("[1]", "fourth")])
        assert [(d.record_key, d.attempts) for d in store.dead_letters("p", ids=None)
                if d.record_key == "[1]"] == [("[1]", 1)]
        assert len(store.dead_letters("other")) == 1
    finally:
        store.close()


async def test_a_replay_that_fails_is_recorded_as_failed_and_keeps_its_letters(
        sqlite_url: str) -> None:
    store = StateStore(sqlite_url)
    store.upgrade()
    try:
        with store.transaction() as tx:
            tx.ledger.add_dead_letters("people", None, [
                {"kind": "failed", "record": {"id": "1", "email": "p1@example.com"},
                 "record_key": '["1"]', "error": "busy"}])
        with pytest.raises(PermanentError):
            await replay(SyncEngine(store), plan_of(Pages([]), Refusing()))
        [run] = store.runs("people")
        assert (run.kind, run.status) == ("replay", "failed")
        assert run.error is not None
        assert "closed the account" in run.error
        [letter] = store.dead_letters("people")
        assert (letter.status, letter.attempts, letter.error) == ("open", 1, "busy")
    finally:
        store.close()


class _Dated(Pages):
    """Uses the base Stream's checkpoint, whose cursor is the record's raw datetime."""

    def __init__(self, records: list[Record]) -> None:
        super().__init__([])
        self.cursor_field, self.records = "updated_at", records
        self.asked: list[Mapping[str, Any] | None] = []

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        self.asked.append(after)
        since = after["cursor"] if after else None
        newer = [r for r in self.records if since is None or r["updated_at"] > since]
        for start in range(0, len(newer), 2):
            yield newer[start:start + 2]


async def test_a_checkpoint_holding_a_datetime_is_kept_and_given_back(sqlite_url: str) -> None:
    store = StateStore(sqlite_url)
    store.upgrade()
    moments = [datetime(2025, 5, 1, 12, i, tzinfo=UTC) for i in range(5)]
    people = [{"id": str(i), "email": f"p{i}@example.com", "updated_at": moments[i]}
              for i in range(5)]
    stream = _Dated(people[:3])
    try:
        first = await SyncEngine(store).run(plan_of(stream, Accepting()))
        stream.records = people
        second = await SyncEngine(store).run(plan_of(stream, Accepting()))
        assert (first.status, first.counts["written"]) == ("succeeded", 3)
        assert stream.asked[1] == {"cursor": moments[2], "key": ["2"]}  # a datetime again
        assert (second.counts["read"], second.counts["written"]) == (2, 2)
    finally:
        store.close()
