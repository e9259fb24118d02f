"""SIGKILL at random moments, not only at the named failpoints, then rerun: nothing is lost.

`hub sync` runs in a child process that is killed at a random instant after its run has
started — mid-read, mid-write, mid-commit, whatever the instant hits. Whenever a run gets to
the end before its kill, the shop edits 1% of its customers and adds new ones, so the later
kills land in incremental runs. After the last kill a clean run finishes the job, and then:
the warehouse equals the source exactly (nothing lost, nothing extra), each invalid record is
dead-lettered exactly once, every run's counts balance, and no run is left `running`.

Each child notes every failpoint it passes (`hub.engine.failpoints`), so a kill is known to
have landed after the last one it noted, and each kill waits for its run to reach a random
failpoint (one no kill has landed after yet, while there are such) before its random instant,
so that the kills spread over the record path whatever the size. On SQLite the test goes on
killing under HUB_SOAK=1 until kills have landed after every failpoint the runs passed
through (mid-write, between batches, mid-commit, between pages) as well as the number it asks
for. `HUB_SOAK=1` (`make soak`) runs the full size (100,000 rows and 24 kills on SQLite, 10,000
and 6 on PostgreSQL); the suite's size aims its kills the same way but stops at its count.

The random instants come from a seeded generator: a failure names its seed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.engine.failpoints import POINTS
from hub.store import StateStore
from hub.store import tables as t
from tests.engine.hubproject import Project, customer, expected_destination
from tests.soak import soak

INVALID_EVERY = 97
SEED = int(os.environ.get("HUB_KILL_SEED", "20261207"))
PAGE_SIZE, BATCH_SIZE = 1000, 250
MAX_RUNS = 400  # bounds the loop: a run that can never be killed fails the test, not hangs it

# `python -m hub` (hub/__main__.py runs hub.cli.run), with each failpoint the run passes noted
# in the file named by its first argument before the point is reached
TRACED_HUB = """
import os, sys
from hub.engine import failpoints
trace = os.open(sys.argv.pop(1), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
untraced = failpoints.reach
def reach(name):
    os.write(trace, (name + "\\n").encode())
    untraced(name)
failpoints.reach = reach
from hub.cli import run
run()
"""


def spawn(project: Project, trace: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HUB_FAILPOINT", "HUB_DATABASE_URL", "HUB_CONFIG")}
    return subprocess.Popen([sys.executable, "-c", TRACED_HUB, str(trace), "--config",
                             str(project.config), "sync", "customers"], cwd=project.root,
                            env=env, text=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def passed(trace: Path) -> list[str]:
    """The failpoints a run passed, in order."""
    noted = trace.read_text().split() if trace.exists() else []
    return [name for name in noted if name in POINTS]  # a kill may cut the last note short


def latest_run(store: StateStore) -> int:
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.max(t.runs.c.id))).scalar()
    return int(found or 0)


def run_started(store: StateStore, child: subprocess.Popen[str], after: int, trace: Path,
                aim: str | None) -> bool:
    """Wait until the child's run has a row and has passed the failpoint `aim` (if any), or
    the child ended: a condition, not a delay."""
    while child.poll() is None:
        if latest_run(store) > after and (aim is None or aim in passed(trace)):
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
@pytest.mark.parametrize(("backend", "total", "kills", "every_stage"), [
    # under load the suite's small runs may take hundreds of runs to land after every
    # failpoint: there the kills are aimed at each, and the soak requires them all
    ("sqlite", soak(10_000, 100_000), soak(8, 24), soak(False, True)),
    # PostgreSQL writes a page's batches at once, so they end within a moment of each other:
    # a kill is aimed between them but not required to land there (test_crash.py kills there
    # by name)
    pytest.param("postgres", soak(4_000, 10_000), soak(4, 6), False,
                 marks=pytest.mark.postgres),
])
def test_killed_at_random_moments_nothing_is_lost_or_doubled(
        backend: str, total: int, kills: int, every_stage: bool, request: pytest.FixtureRequest,
        tmp_path: Path) -> None:
    from tests.engine.hubproject import make_project

    url = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    project = make_project(tmp_path, backend, url)
    rng = random.Random(SEED)
    rows = {i: customer(i, invalid_every=INVALID_EVERY) for i in range(1, total + 1)}
    project.create_shop(rows.values())
    project.write_config({"customers": project.pipeline(page_size=PAGE_SIZE,
                                                        batch_size=BATCH_SIZE)})

    store = project.store()
    landed, version, last, horizon = 0, 0, 0, 0.5
    reached: set[str] = set()  # every failpoint a run passed
    killed_after: set[str] = set()  # every failpoint a kill landed after (and before the next)
    try:
        for attempt in range(MAX_RUNS):
            if landed >= kills and (reached <= killed_after or not every_stage):
                break
            trace = tmp_path / f"trace-{attempt}"
            child = spawn(project, trace)
            # a random instant of the run: past the first time it reaches a random failpoint
            # (one no kill has landed after yet, while there are such), then a random delay;
            # the horizon adapts to how long runs last here
            aims = sorted(set(POINTS) - killed_after)
            aim = rng.choice(aims) if aims else rng.choice([None, *POINTS])
            if run_started(store, child, last, trace, aim):
                time.sleep(rng.uniform(0, horizon))  # the kill moment itself, not a wait
                child.send_signal(signal.SIGKILL)
            _, err = child.communicate(timeout=600)
            last = latest_run(store)
            points = passed(trace)
            reached.update(points)
            if child.returncode == -signal.SIGKILL:
                landed += 1
                killed_after.update(points[-1:])
                horizon = min(horizon * 1.25, 10.0)
                continue
            assert child.returncode == 0, f"seed {SEED}: {err[-2000:]}"
            horizon /= 2  # it finished before its kill: aim earlier next time
            version += 1
            edit_and_grow(project, rows, rng, version)
    finally:
        store.close()
    assert landed >= kills, f"seed {SEED}: {landed} kills in {MAX_RUNS} runs"
    missed = sorted(reached - killed_after) if every_stage else []
    assert not missed, f"seed {SEED}: no kill landed after {missed}"

    done = spawn(project, tmp_path / "trace-last")
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
