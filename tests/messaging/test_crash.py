"""SIGKILL between reserving a batch and recording its outcome, then rerun: every message
reaches its recipient exactly once, none missing (invariant 2), on either kind of provider."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.store import StateStore
from hub.store import tables as t
from tests.messaging.conftest import MakeMessaging, add_contact, intent
from tests.messaging.sender import RecordingSender

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 14
# kill after the 2nd batch was sent (its outcome lost), after the next run reserved one
# (nothing sent), and after another's send: three crashes, then a clean run
CRASHES = ["after_send:2", "after_reserve:2", "after_send:1"]


def _run(url: str, templates: Path, log: Path, mode: str, failpoint: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "HUB_FAILPOINT"}
    if failpoint:
        env["HUB_FAILPOINT"] = failpoint
    done = subprocess.run([sys.executable, "-m", "tests.messaging.crash_runner", url,
                           str(templates), str(log), mode], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in (0, -signal.SIGKILL), done.stderr
    return done.returncode


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["idempotent", "plain"])
def test_killed_between_reserve_and_record_each_message_is_sent_exactly_once(
        store: StateStore, make_messaging: MakeMessaging, templates_dir: Path, tmp_path: Path,
        mode: str) -> None:
    for i in range(MESSAGES):
        add_contact(store, f"c{i:02d}")
    make_messaging().enqueue(intent(f"c{i:02d}") for i in range(MESSAGES))
    log = tmp_path / "provider.jsonl"
    killed = [_run(store.url, templates_dir, log, mode, fp) for fp in CRASHES]
    assert killed == [-signal.SIGKILL] * len(CRASHES)  # each run died where it was told
    assert _run(store.url, templates_dir, log, mode, None) == 0

    provider = RecordingSender(log=log)
    keys = provider.delivered_keys()
    assert len(keys) == MESSAGES
    assert len(set(keys)) == MESSAGES  # once by idempotency key …
    assert len({d["to"] for d in provider.deliveries}) == MESSAGES  # … and by recipient
    with store.engine.connect() as conn:
        ledger = {r.idempotency_key: (r.status, r.provider_message_id) for r in conn.execute(
            sa.select(t.send_ledger))}
    assert ledger == {key: ("sent", provider.accepted[key]) for key in keys}
    requests = [line for line in log.read_text().splitlines() if '"request"' in line]
    if mode == "idempotent":  # the lost batch went again, as it was: more requests than batches
        assert len(requests) > -(-MESSAGES // 4)
    else:  # reconciled with find_sent instead: never asked to send a message twice
        assert len(requests) == MESSAGES
