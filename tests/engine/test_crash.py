"""Kill -9 at any instant, restart, and the destination ends identical to a clean run.

`hub sync` runs in a child process armed with a failpoint (`HUB_FAILPOINT=before_commit:2`)
that sends it SIGKILL at a named spot of the record path: after a page is read, after one of
the concurrent batches of a page is written while the others are mid-write, after all of a
page is written but before its outcomes and checkpoint commit, and just after that commit.
Each killed run resumes from the last committed page. At the end the warehouse must equal
the source exactly, the dead-letter queue must hold each bad record once, and every run's
counts must add up, as must their sum over the runs of one load.
"""

from __future__ import annotations

import signal
from collections import Counter

import pytest

from hub.store import RunRecord
from tests.engine.hubproject import Project, customer, expected_destination

TOTAL = 3_000
PAGE_SIZE = 100  # 30 pages …
BATCH_SIZE = 25  # … of 4 batches each, written concurrently
INVALID_EVERY = 97

# (failpoint, nth time reached) of each killed run, one after the other. Every run resumes
# where the last committed page left it, so each kill lands at a different place of the load.
INITIAL_LOAD = [
    ("after_batch", 1), ("after_read", 1), ("before_commit", 1), ("after_commit", 1),
    ("after_batch", 2), ("after_batch", 3), ("after_batch", 4), ("after_batch", 5),
    ("after_read", 2), ("before_commit", 2), ("after_commit", 2), ("after_batch", 7),
    ("after_read", 3), ("before_commit", 3), ("after_batch", 9), ("after_batch", 12),
]
AFTER_EDITS = [
    ("after_read", 1), ("after_batch", 2), ("before_commit", 1), ("after_commit", 1),
    ("after_batch", 1), ("before_commit", 2),
]
FULL_REFRESH = [("after_commit", 4), ("before_commit", 9)]  # every record is unchanged: no batches


def kill_at(project: Project, failpoint: tuple[str, int], *args: str) -> None:
    name, nth = failpoint
    done = project.hub_process("sync", "customers", *args, failpoint=f"{name}:{nth}")
    assert done.returncode == -signal.SIGKILL, (
        f"{name}:{nth} did not kill the run (exit {done.returncode}): {done.stderr[-2000:]}")


def finish(project: Project, *args: str) -> None:
    done = project.hub_process("sync", "customers", *args)
    assert done.returncode == 0, done.stderr[-2000:]


def runs_since(project: Project, after_id: int) -> list[RunRecord]:
    store = project.store()
    try:
        return [r for r in store.runs("customers", limit=1000) if r.id > after_id]
    finally:
        store.close()


def totals(runs: list[RunRecord]) -> Counter[str]:
    summed: Counter[str] = Counter()
    for run in runs:
        assert run.balanced, f"run {run.id} read {run.read} but recorded other outcomes"
        summed.update({k: getattr(run, k) for k in ("read", "written", "unchanged",
                                                    "filtered", "invalid", "failed")})
    return summed


@pytest.mark.slow
def test_killed_at_two_dozen_points_the_destination_still_equals_the_source(
        sqlite_project: Project) -> None:
    project = sqlite_project
    rows = {i: customer(i, invalid_every=INVALID_EVERY) for i in range(1, TOTAL + 1)}
    invalid = sum(1 for i in rows if i % INVALID_EVERY == 0)
    project.create_shop(rows.values())
    project.write_config({"customers": project.pipeline(page_size=PAGE_SIZE,
                                                        batch_size=BATCH_SIZE)})

    # the initial load, killed again and again, then run to its end
    for failpoint in INITIAL_LOAD:
        kill_at(project, failpoint)
    finish(project)
    assert project.destination() == expected_destination(rows.values())
    load = runs_since(project, 0)
    assert len(load) == len(INITIAL_LOAD) + 1
    assert sum(r.status == "interrupted" for r in load) == len(INITIAL_LOAD)  # killed mid-run
    assert not any(r.status == "running" for r in load)
    # every record was read once, over all the runs, and ended in exactly one outcome
    assert totals(load) == Counter(read=TOTAL, written=TOTAL - invalid, invalid=invalid)

    # the shop edits a tenth of its customers; the incremental sync is killed in turn
    edited = [customer(i, version=1) for i in range(5, TOTAL + 1, 10) if i % INVALID_EVERY]
    project.replace_customers(edited)
    rows |= {r["id"]: r for r in edited}
    last = load[0].id
    for failpoint in AFTER_EDITS:
        kill_at(project, failpoint)
    finish(project)
    assert project.destination() == expected_destination(rows.values())
    assert totals(runs_since(project, last)) == Counter(read=len(edited), written=len(edited))

    # a full refresh killed twice, then finished incrementally: nothing needs writing
    last = runs_since(project, 0)[0].id
    for failpoint in FULL_REFRESH:
        kill_at(project, failpoint, "--full-refresh")
    finish(project)
    assert project.destination() == expected_destination(rows.values())
    refreshed = totals(runs_since(project, last))
    assert refreshed["written"] == 0
    assert refreshed["read"] == refreshed["unchanged"] + refreshed["invalid"]

    # each bad record is in the dead-letter queue once, however often its page was retried
    store = project.store()
    try:
        letters = store.dead_letters("customers")
    finally:
        store.close()
    keys = [letter.record_key for letter in letters]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(f"[{i}]" for i in rows if i % INVALID_EVERY == 0)
    assert all("not a valid email" in letter.error for letter in letters)
