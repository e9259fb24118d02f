"""Dead-letter replay: re-map each letter's original record with the current mapping and
write it again. A letter that goes through is closed as `replayed`; one that fails again
stays open with one more attempt and the newest reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.connector import Outcome
from hub.connector.jsonsafe import from_json, to_json
from hub.engine.outcome import Staged
from hub.engine.payload import key_string, payload_hash
from hub.engine.plan import Plan
from hub.engine.sync import SyncEngine
from hub.errors import RecordError
from hub.store import DeadLetter


@dataclass
class ReplayResult:
    run_id: int
    replayed: list[int] = field(default_factory=list)
    still_failing: dict[int, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)


async def replay(engine: SyncEngine, plan: Plan, ids: Iterable[int] | None = None) -> ReplayResult:
    engine.check_tenant(plan)
    store = engine.store
    letters = store.dead_letters(plan.name, status="open", ids=ids)
    # a replay holds the pipeline's lease like a sync: the two never write at once
    result = ReplayResult(await engine.begin_run(plan.name, kind="replay"))
    try:
        await _replay(engine, plan, letters, result)
    except BaseException as exc:
        # the letters stay open as they were; the run says why it stopped, never "running"
        engine.end_run(result.run_id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    return result


async def _replay(engine: SyncEngine, plan: Plan, letters: list[DeadLetter],
                  result: ReplayResult) -> None:
    staged: list[tuple[int, Staged]] = []
    for letter in letters:
        record = from_json(letter.record)
        try:
            payload, key = plan.transform(record)
        except RecordError as exc:
            result.still_failing[letter.id] = str(exc)
            continue
        item = Staged(key_string(key), payload, record)
        item.digest = payload_hash(payload)
        staged.append((letter.id, item))
    writes = await engine.write_batches(plan, [s for _, s in staged]) if staged else []
    hashes, created = {}, []
    for (letter_id, item), res in zip(staged, writes, strict=True):
        if res.outcome is Outcome.WRITTEN:
            result.replayed.append(letter_id)
            hashes[item.key] = item.digest
            if res.created:
                created.append(item.key)
        else:
            result.still_failing[letter_id] = res.error or "the destination refused it"
    result.counts.update(read=len(letters), written=len(result.replayed),
                         failed=len(result.still_failing))
    payloads = {letter_id: item.payload for letter_id, item in staged}
    with engine.store.transaction() as tx:
        engine.lease(result.run_id).check(tx)
        tx.ledger.put_hashes(plan.destination_id, hashes, created=created)
        tx.ledger.set_dead_letter_status(result.replayed, "replayed")
        for letter_id, error in result.still_failing.items():
            mapped = payloads.get(letter_id)
            tx.ledger.retry_failed(letter_id, error, to_json(mapped) if mapped else None)
        tx.ledger.add_counts(result.run_id, result.counts)
        engine.end_run(result.run_id, "succeeded" if not result.still_failing else "failed",
                       None if not result.still_failing else
                       f"{len(result.still_failing)} letter(s) still failing", tx=tx)
