"""What the record path carries and decides: a staged record, one page's outcome, a run's
result. Every record read ends in exactly one outcome: written, unchanged, filtered, invalid
or failed; invalid and failed ones become dead letters with the original record."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.connector import Outcome, Record, WriteResult
from hub.connector.jsonsafe import to_json


@dataclass
class Staged:
    """A record on its way to the destination."""

    key: str
    payload: dict[str, Any]
    record: Record
    digest: str = ""


@dataclass
class RunResult:
    pipeline: str
    run_id: int | None
    status: str
    counts: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    resume_at: datetime | None = None
    would_write: list[dict[str, Any]] = field(default_factory=list)  # dry runs only
    deleted: int = 0


@dataclass
class PageOutcome:
    counts: Counter[str] = field(default_factory=Counter)
    letters: list[dict[str, Any]] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    # with open letters in the pipeline: keys of records that now went through, whose older
    # letters this page's commit closes as superseded: source keys of records that mapped
    # (invalid letters), destination keys of those written or unchanged (failed letters)
    resolve: bool = False
    mapped: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)

    def dead(self, kind: str, staged_or_record: Staged | Record, error: str,
             source_key: str | None = None) -> None:
        self.counts[kind] += 1
        key: str | None
        if isinstance(staged_or_record, Staged):
            record, payload, key = (staged_or_record.record, staged_or_record.payload,
                                    staged_or_record.key)
        else:
            record, payload, key = staged_or_record, None, source_key
        self.letters.append({"kind": kind, "record": to_json(record), "record_key": key,
                             "payload": to_json(payload) if payload is not None else None,
                             "error": error})


def account(outcome: PageOutcome, item: Staged, res: WriteResult) -> None:
    """Record one write's final result in the page's outcome."""
    if res.outcome is Outcome.WRITTEN:
        outcome.counts["written"] += 1
        outcome.hashes[item.key] = item.digest
        if outcome.resolve:
            outcome.delivered.append(item.key)
        if res.created:
            outcome.created.append(item.key)
    elif res.outcome is Outcome.FILTERED:
        outcome.counts["filtered"] += 1
    else:
        outcome.dead("failed", item, res.error or "the destination refused it")
