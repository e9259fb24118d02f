"""Run leases in the store, on both backends: one holder, renewal, stale holders, reaping."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from hub.engine.lease import RunLease
from hub.store import Holder, LeaseLostError, PipelineBusyError, StateStore


def dead_holder() -> Holder:
    """A process of this machine that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    assert child.wait() == 0
    return Holder("gone", Holder.this_process().host, child.pid, None)


def start(store: StateStore, holder: Holder, ttl: timedelta = timedelta(minutes=5)) -> int:
    with store.transaction() as tx:
        run_id = tx.ledger.start_run("p")
        tx.ledger.acquire_lease("p", run_id, holder, ttl)
        return run_id


def statuses(store: StateStore) -> list[str]:
    return [r.status for r in reversed(store.runs("p"))]


def test_one_live_holder_refuses_another_and_its_refused_run_is_rolled_back(
        store: StateStore) -> None:
    first = start(store, Holder.this_process())
    with pytest.raises(PipelineBusyError, match=f"already running: run {first}, pid"):
        start(store, Holder.this_process())
    assert statuses(store) == ["running"]


def test_a_given_back_lease_can_be_taken_again(store: StateStore) -> None:
    me = Holder.this_process()
    run_id = start(store, me)
    with store.transaction() as tx:
        tx.ledger.finish_run(run_id, "succeeded")
        tx.ledger.release_lease("p", me.owner)
    start(store, Holder.this_process())
    assert statuses(store) == ["succeeded", "running"]


def test_a_dead_process_of_this_machine_is_stale_at_once(store: StateStore) -> None:
    start(store, dead_holder())
    start(store, Holder.this_process())  # no wait for the lease to expire
    assert statuses(store) == ["interrupted", "running"]


def test_an_expired_lease_is_stale_even_when_its_process_lives(store: StateStore) -> None:
    start(store, Holder.this_process(), ttl=timedelta(seconds=-1))
    start(store, Holder.this_process())
    assert statuses(store) == ["interrupted", "running"]


def test_reaping_marks_only_runs_whose_process_is_gone(store: StateStore) -> None:
    start(store, dead_holder())
    with store.transaction() as tx:
        tx.ledger.start_run("q")  # running with no lease at all (an older hub's run)
    live = Holder.this_process()
    with store.transaction() as tx:
        run_id = tx.ledger.start_run("r")
        tx.ledger.acquire_lease("r", run_id, live)
    by_pipeline = {r.pipeline: r.status for r in store.runs()}
    assert by_pipeline == {"p": "interrupted", "q": "interrupted", "r": "running"}
    with store.transaction() as tx:
        assert tx.ledger.lease("p") is None
        assert tx.ledger.lease("r") is not None


def test_a_run_whose_lease_was_taken_over_cannot_commit(store: StateStore) -> None:
    old = RunLease(store, "p", timedelta(seconds=-1))  # silent past its lease at once
    with store.transaction() as tx:
        old.take(tx, tx.ledger.start_run("p"))
    start(store, Holder.this_process())  # the new holder takes over
    with pytest.raises(LeaseLostError, match="taken over"), store.transaction() as tx:
        old.check(tx)
    with store.transaction() as tx:
        old.give_back(tx)  # a lost lease is not given back: the new holder keeps it
        assert tx.ledger.lease("p") is not None
    assert statuses(store) == ["interrupted", "running"]
