"""Hub processes for the streaming tests, and waiting on what they do to the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from hub.store import StateStore
from hub.store import tables as t

PATIENCE = 120.0  # seconds before a condition that never comes fails the test


def wait_until(what: str, condition: Callable[[], bool]) -> None:
    """Poll `condition` until it holds; fail naming `what` if it never does."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def hub_process(config: Path, *args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HUB_CONFIG": str(config)}
    env.pop("HUB_DATABASE_URL", None)
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "hub", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=config.parent)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.wait(timeout=PATIENCE)


def processed(store: StateStore, consumer: str) -> int:
    p = t.processed_events.c
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(
            p.consumer == consumer)).scalar_one())
