"""A sql → sql pipeline end to end through `hub sync`: the destination equals the source,
an unchanged source writes nothing, and a 1% change writes exactly that 1%.

The large load runs at 20,000 customers in the suite (twenty pages of a thousand, with ties
across every page boundary) and at 100,000 under HUB_SOAK=1."""

from __future__ import annotations

import pytest

from hub.store import RunRecord
from tests.engine.hubproject import Project, customer, expected_destination
from tests.soak import soak

INVALID_EVERY = 101  # an unusable email now and then: dead-lettered, never written


def last_run(project: Project) -> RunRecord:
    store = project.store()
    try:
        return store.runs("customers", limit=1)[0]
    finally:
        store.close()


def outcomes(run: RunRecord) -> dict[str, int]:
    return {k: getattr(run, k) for k in ("read", "written", "unchanged", "filtered", "invalid",
                                         "failed")}


def sync_and_check(project: Project, total: int, *, page_size: int, batch_size: int,
                   quiet_edit: bool = True) -> None:
    rows = [customer(i, invalid_every=INVALID_EVERY) for i in range(1, total + 1)]
    invalid = sum(1 for i in range(1, total + 1) if i % INVALID_EVERY == 0)
    project.create_shop(rows)
    project.write_config({"customers": project.pipeline(page_size=page_size,
                                                        batch_size=batch_size)})

    # first run: everything valid is written, the rest is dead-lettered with its reason
    assert project.hub("sync", "customers") == 0
    assert project.destination() == expected_destination(rows)
    first = last_run(project)
    assert outcomes(first) == {"read": total, "written": total - invalid, "unchanged": 0,
                               "filtered": 0, "invalid": invalid, "failed": 0}
    assert first.status == "succeeded"

    # incremental rerun: the checkpoint is at the end, nothing is even read
    assert project.hub("sync", "customers") == 0
    assert outcomes(last_run(project))["read"] == 0

    # reading everything again: every valid record is unchanged, none is written
    assert project.hub("sync", "customers", "--full-refresh") == 0
    again = last_run(project)
    assert (again.read, again.written, again.unchanged) == (total, 0, total - invalid)

    # the shop edits 1% of its customers (valid ones), moving their cursor forward
    edited = [customer(i, version=1) for i in range(1, total + 1, 100) if i % INVALID_EVERY]
    project.replace_customers(edited)
    assert project.hub("sync", "customers") == 0
    changed = last_run(project)
    assert (changed.read, changed.written, changed.unchanged) == (len(edited), len(edited), 0)
    by_id = {r["id"]: r for r in rows} | {r["id"]: r for r in edited}
    assert project.destination() == expected_destination(by_id.values())

    if not quiet_edit:
        return
    # an edit that keeps its cursor is seen by a full refresh, and only it is written
    quiet = [{**customer(i, version=1), "first_name": "Quiet", "updated_at": by_id[i]
              ["updated_at"]} for i in range(2, total + 1, 100) if i % INVALID_EVERY]
    project.replace_customers(quiet)
    assert project.hub("sync", "customers", "--full-refresh") == 0
    refreshed = last_run(project)
    assert (refreshed.written, refreshed.unchanged) == (len(quiet), total - invalid - len(quiet))
    by_id |= {r["id"]: r for r in quiet}
    assert project.destination() == expected_destination(by_id.values())


def test_sql_to_sql_copies_exactly_and_rewrites_only_changes(project: Project) -> None:
    sync_and_check(project, 2_000, page_size=150, batch_size=40)


@pytest.mark.slow
def test_a_large_load_of_customers(sqlite_project: Project) -> None:
    sync_and_check(sqlite_project, soak(20_000, 100_000), page_size=1_000, batch_size=500,
                   quiet_edit=False)
