"""End to end through `hub sync`: a row inserted later with a NULL cursor reaches the
destination on the next run, a rerun writes nothing, and a run killed inside the pass over
the NULL rows resumes there."""

from __future__ import annotations

import signal
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.engine.hubproject import Project
from tests.engine.test_sql_pipeline import last_run

T0 = datetime(2025, 3, 1, 9, 30)
ROWS = 30
NULL_EVERY = 3  # every third customer has never been updated: its updated_at is NULL
NULLS = ROWS // NULL_EVERY

shop = sa.MetaData()
customers = sa.Table("customers", shop, sa.Column("id", sa.String(10), primary_key=True),
                     sa.Column("email", sa.String(100)), sa.Column("updated_at", sa.DateTime))


def row(i: int, *, null: bool | None = None) -> dict[str, Any]:
    null = i % NULL_EVERY == 0 if null is None else null
    return {"id": f"c{i:03d}", "email": f"p{i}@example.com",
            "updated_at": None if null else T0 + timedelta(minutes=i // 2)}


def add(project: Project, rows: list[dict[str, Any]]) -> None:
    engine = sa.create_engine(project.shop_url)
    try:
        shop.create_all(engine)
        with engine.begin() as conn:
            conn.execute(customers.insert(), rows)
    finally:
        engine.dispose()


def copied(project: Project) -> dict[str, str]:
    engine = sa.create_engine(project.warehouse_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, email FROM contacts_copy"))
            return {str(r.id): str(r.email) for r in rows}
    finally:
        engine.dispose()


def start(project: Project) -> list[dict[str, Any]]:
    rows = [row(i) for i in range(1, ROWS + 1)]
    add(project, rows)
    project.write_config({"customers": configured(project)})
    assert project.hub("sync", "customers") == 0
    assert copied(project) == {r["id"]: r["email"] for r in rows}
    return rows


def configured(project: Project, **source: Any) -> dict[str, Any]:
    pipeline = project.pipeline(mapping=None, page_size=4, batch_size=3)
    pipeline["source"].update(source)
    return pipeline


def test_a_row_inserted_later_with_a_null_cursor_arrives(project: Project) -> None:
    rows = start(project)
    late = row(0, null=True)  # a smaller key than every NULL row read before
    add(project, [late])
    assert project.hub("sync", "customers") == 0
    assert copied(project) == {r["id"]: r["email"] for r in [*rows, late]}
    run = last_run(project)
    assert (run.read, run.written, run.unchanged) == (NULLS + 1, 1, NULLS)

    # nothing changed: the NULL rows are read again and none is written
    assert project.hub("sync", "customers") == 0
    run = last_run(project)
    assert (run.read, run.written, run.unchanged) == (NULLS + 1, 0, NULLS + 1)


def test_a_run_killed_inside_the_null_pass_resumes_there(project: Project) -> None:
    rows = start(project)
    late = [row(ROWS + 1, null=True), row(ROWS + 2, null=False)]
    add(project, late)
    killed = project.hub_process("sync", "customers", failpoint="after_commit:1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    done = project.hub_process("sync", "customers")
    assert done.returncode == 0, done.stderr[-2000:]
    assert copied(project) == {r["id"]: r["email"] for r in [*rows, *late]}
    # the first page (4 NULL rows) was committed: the resumed run reads the rest only
    run = last_run(project)
    assert (run.read, run.written) == (NULLS + 1 - 4 + 1, 2)


def test_refuse_stops_the_run_before_it_reads(project: Project,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    add(project, [row(i) for i in range(1, ROWS + 1)])
    project.write_config({"customers": configured(project, null_cursor="refuse")})
    assert project.hub("sync", "customers") == 2
    assert (f"stream 'customers': {NULLS} row(s) have a NULL in cursor column 'updated_at'"
            in capsys.readouterr().err)
    run = last_run(project)
    assert (run.status, run.read) == ("failed", 0)
