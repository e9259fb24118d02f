"""One live run per pipeline, and no run left `running` by a process that died.

A run frozen mid-way (`HUB_FAILPOINT=after_commit:2:stop` sends it SIGSTOP after its second
page commits) is a live holder for as long as the test needs: a second `hub sync` started then
must refuse, naming it, and write nothing — or with `--wait`, wait for it and then find nothing
left to do. A run killed with SIGKILL is marked `interrupted` by the next run and by `hub runs`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.store import tables as t
from tests.engine.hubproject import Project, customer, expected_destination

TOTAL = 600
PAGE = 100


def setup(project: Project) -> dict[int, dict[str, object]]:
    rows = {i: customer(i) for i in range(1, TOTAL + 1)}
    project.create_shop(rows.values())
    project.write_config({"customers": project.pipeline(page_size=PAGE, batch_size=50)})
    return rows


def process_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


@contextmanager
def frozen_run(project: Project) -> Iterator[subprocess.Popen[str]]:
    """`hub sync customers` stopped by SIGSTOP after its second page committed."""
    env = {k: v for k, v in os.environ.items() if k not in ("HUB_DATABASE_URL", "HUB_CONFIG")}
    # a lease of an hour: however slow the machine, the frozen run is never taken for dead
    env |= {"HUB_FAILPOINT": "after_commit:2:stop", "COLUMNS": "200",
            "HUB_RUN_LEASE_SECONDS": "3600"}
    first = subprocess.Popen([sys.executable, "-m", "hub", "--config", str(project.config),
                              "sync", "customers"], cwd=project.root, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while process_state(first.pid) != "T":  # a condition, not a duration
            assert first.poll() is None, first.communicate()
            os.sched_yield()
        yield first
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGCONT)
        first.communicate(timeout=300)


def runs(project: Project) -> list[tuple[str, int]]:
    """(status, written) of each run, oldest first (PostgreSQL's ids may skip a refused one)."""
    store = project.store()
    try:
        return [(r.status, r.written) for r in reversed(store.runs("customers"))]
    finally:
        store.close()


def test_a_second_sync_refuses_while_the_first_runs_and_writes_nothing(
        project: Project) -> None:
    rows = setup(project)
    with frozen_run(project) as first:
        second = project.hub_process("sync", "customers")
        assert second.returncode == 1
        assert "'customers' is already running: run 1" in second.stderr
        assert f"pid {first.pid} on" in second.stderr
        assert "--wait" in second.stderr
        assert "Traceback" not in second.stderr
        # the refused run left no row; the frozen one still holds the pipeline
        assert runs(project) == [("running", 2 * PAGE)]
        first.send_signal(signal.SIGCONT)
        assert first.wait(timeout=300) == 0
    assert project.destination() == expected_destination(rows.values())
    assert runs(project) == [("succeeded", TOTAL)]


def test_sync_wait_runs_after_the_holder_ends_and_finds_nothing_to_redo(
        project: Project) -> None:
    rows = setup(project)
    env = {k: v for k, v in os.environ.items() if k not in ("HUB_DATABASE_URL", "HUB_CONFIG")}
    with frozen_run(project) as first:
        waiter = subprocess.Popen(
            [sys.executable, "-m", "hub", "--config", str(project.config), "sync", "customers",
             "--wait"], cwd=project.root, env=env, text=True, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        assert waiter.stderr is not None
        line = waiter.stderr.readline()  # blocks until it says it waits
        assert f"customers: waiting for run 1 (pid {first.pid} on" in line
        first.send_signal(signal.SIGCONT)
        assert first.wait(timeout=300) == 0
        _, err = waiter.communicate(timeout=300)
        assert waiter.returncode == 0, err
    assert project.destination() == expected_destination(rows.values())
    # the waiting run started where the first ended: every record written exactly once
    assert runs(project) == [("succeeded", TOTAL), ("succeeded", 0)]


def test_a_killed_run_is_interrupted_with_what_it_committed_and_the_next_resumes(
        project: Project) -> None:
    rows = setup(project)
    killed = project.hub_process("sync", "customers", failpoint="after_commit:3")
    assert killed.returncode == -signal.SIGKILL
    listed = project.hub_process("runs", "customers")
    assert listed.returncode == 0
    assert "interrupted" in listed.stdout
    assert "running" not in listed.stdout
    store = project.store()
    try:
        (run,) = store.runs("customers")
    finally:
        store.close()
    assert (run.status, run.written, run.read) == ("interrupted", 3 * PAGE, 3 * PAGE)
    assert run.finished_at is not None
    assert run.error is not None
    assert "pid" in run.error
    assert "committed are kept" in run.error
    assert project.hub_process("sync", "customers").returncode == 0
    assert project.destination() == expected_destination(rows.values())
    assert runs(project) == [("interrupted", 3 * PAGE), ("succeeded", TOTAL - 3 * PAGE)]


def test_the_next_run_reaps_a_killed_one_without_hub_runs(project: Project) -> None:
    setup(project)
    assert project.hub_process("sync", "customers",
                               failpoint="after_commit:1").returncode == -signal.SIGKILL
    assert project.hub_process("sync", "customers").returncode == 0
    assert runs(project) == [("interrupted", PAGE), ("succeeded", TOTAL - PAGE)]


def _plant_lease(project: Project, *, host: str, expires_in: timedelta) -> None:
    """A run of another machine, as a shared PostgreSQL store would show it."""
    at = datetime.now(UTC)
    store = project.store()
    try:
        with store.transaction() as tx:
            run_id = tx.ledger.start_run("customers")
            tx.conn.execute(sa.insert(t.run_leases).values(
                pipeline="customers", run_id=run_id, owner="elsewhere", host=host, pid=4242,
                process_started="1", acquired_at=at - timedelta(minutes=5),
                heartbeat_at=at - timedelta(minutes=1), expires_at=at + expires_in))
    finally:
        store.close()


def test_a_live_run_on_another_machine_holds_the_pipeline(project: Project) -> None:
    setup(project)
    _plant_lease(project, host="worker-7.example", expires_in=timedelta(hours=1))
    refused = project.hub_process("sync", "customers")
    assert refused.returncode == 1
    assert "already running: run 1, pid 4242 on worker-7.example" in refused.stderr
    assert runs(project) == [("running", 0)]


def test_an_expired_lease_of_another_machine_is_taken_over(project: Project) -> None:
    rows = setup(project)
    _plant_lease(project, host="worker-7.example", expires_in=-timedelta(seconds=1))
    done = project.hub_process("sync", "customers")
    assert done.returncode == 0, done.stderr
    assert project.destination() == expected_destination(rows.values())
    assert runs(project) == [("interrupted", 0), ("succeeded", TOTAL)]
    store = project.store()
    try:
        taken_over = store.runs("customers")[-1]
        assert "lease expired" in (taken_over.error or "")
    finally:
        store.close()


@pytest.mark.parametrize("value", ["0", "soon"])
def test_a_bad_lease_setting_is_refused_by_name(
        sqlite_project: Project, value: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    setup(sqlite_project)
    monkeypatch.setenv("HUB_RUN_LEASE_SECONDS", value)
    assert sqlite_project.hub("sync", "customers") == 2
    assert "HUB_RUN_LEASE_SECONDS must be a number of seconds" in capsys.readouterr().err
    assert runs(sqlite_project) == []
