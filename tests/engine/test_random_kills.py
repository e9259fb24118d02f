"""SIGKILL at random moments, not only at the named failpoints, then rerun: nothing is lost.

`hub sync` runs in a child process that is killed at a random instant after its run has
started — mid-read, mid-write, mid-commit, whatever the instant hits. Whenever a run gets to
the end before its kill, the shop edits 1% of its customers and adds new ones, so the later
kills land in incremental runs. After the last kill a clean run finishes the job, and then:
the warehouse equals the source exactly (nothing lost, nothing extra), each invalid record is
dead-lettered exactly once, every run's counts balance, and no run is left `running`.

The random instants come from a seeded generator: a failure names its seed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
import sqlalchemy as sa

from hub.store import StateStore
from hub.store import tables as t
from tests.engine.hubproject import Project, customer, expected_destination

INVALID_EVERY = 97
SEED = int(os.environ.get("HUB_KILL_SEED", "20261207"))


def spawn(project: Project) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HUB_FAILPOINT", "HUB_DATABASE_URL", "HUB_CONFIG")}
    return subprocess.Popen([sys.executable, "-m", "hub", "--config", str(project.config),
                             "sync", "customers"], cwd=project.root, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def latest_run(store: StateStore) -> int:
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.max(t.runs.c.id))).scalar()
    return int(found or 0)


def run_started(store: StateStore, child: subprocess.Popen[str], after: int) -> bool:
    """Wait until the child's run has a row, or the child ended: a condition, not a delay."""
    while child.poll() is None:
        if latest_run(store) > after:
            return True
        time.sleep(0.02)  # the polling interval
    return False


def edit_and_grow(project: Project, rows: dict[int, dict[str, Any]], rng: random.Random,
                  version: int) -> None:
    """The shop edits 1% of its customers and gains 1% more."""
    ids = rng.sample(sorted(rows), max(1, len(rows) // 100))
    edited = [customer(i, version=version, invalid_every=INVALID_EVERY) for i in ids]
    project.replace_customers(edited)
    top = max(rows)
    new = [customer(i, version=version, invalid_every=INVALID_EVERY)
           for i in range(top + 1, top + 1 + len(ids))]
    project.add_customers(new)
    rows.update({r["id"]: r for r in edited + new})


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "total", "kills"), [
    ("sqlite", 100_000, 24),
    pytest.param("postgres", 10_000, 6, marks=pytest.mark.postgres),
])
def test_killed_at_random_moments_nothing_is_lost_or_doubled(
        backend: str, total: int, kills: int, request: pytest.FixtureRequest,
        tmp_path: Any) -> None:
    from tests.engine.hubproject import make_project

    url = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    project = make_project(tmp_path, backend, url)
    rng = random.Random(SEED)
    rows = {i: customer(i, invalid_every=INVALID_EVERY) for i in range(1, total + 1)}
    project.create_shop(rows.values())
    project.write_config({"customers": project.pipeline(page_size=1000, batch_size=250)})

    store = project.store()
    landed, version, last, horizon = 0, 0, 0, 2.0
    try:
        while landed < kills:
            child = spawn(project)
            if run_started(store, child, last):
                # a random instant of the run; the horizon adapts to how long runs last here
                time.sleep(rng.uniform(0, horizon))  # the kill moment itself, not a wait
                child.send_signal(signal.SIGKILL)
            _, err = child.communicate(timeout=600)
            last = latest_run(store)
            if child.returncode == -signal.SIGKILL:
                landed += 1
                horizon = min(horizon * 1.25, 10.0)
                continue
            assert child.returncode == 0, f"seed {SEED}: {err[-2000:]}"
            horizon /= 2  # it finished before its kill: aim earlier next time
            version += 1
            edit_and_grow(project, rows, rng, version)
    finally:
        store.close()

    done = spawn(project)
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, f"seed {SEED}: {err[-2000:]}"

    assert project.destination() == expected_destination(rows.values()), f"seed {SEED}"
    store = project.store()
    try:
        history = store.runs("customers", limit=10_000)
        letters = store.dead_letters("customers")
    finally:
        store.close()
    assert not [r.id for r in history if r.status == "running"], f"seed {SEED}"
    assert sum(r.status == "interrupted" for r in history) >= 1
    assert all(r.balanced for r in history), f"seed {SEED}"
    keys = [letter.record_key for letter in letters]
    assert sorted(k or "" for k in keys) == sorted(f"[{i}]" for i in rows if i % INVALID_EVERY == 0)
