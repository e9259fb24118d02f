"""The active-campaign limit under concurrent launches, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from hub.errors import DomainRuleError
from hub.marketing.campaigns import (
    CAMPAIGN_STATUS_CHANGED,
    CampaignService,
    CreateCampaign,
    LaunchCampaign,
)
from hub.marketing.campaigns import repository as repo
from hub.model import Campaign, CampaignStatus
from hub.store import StateStore
from hub.store import tables as t
from tests.marketing.test_campaigns import (
    NOW,
    TENANT,
    create,
    draft,
    launch,
    outbox,
    spend,
    stored_status,
)

RACERS = 8


def running(store: StateStore) -> int:
    c = t.campaigns.c
    return store.count(t.campaigns, c.tenant == TENANT, c.status == "running")


def test_racing_launches_never_exceed_the_limit(store_url: str) -> None:
    store = StateStore(store_url)
    store.upgrade()
    service = CampaignService(store, clock=lambda: NOW)
    try:
        for i in range(7):
            create(service, f"live{i}")
            launch(service, f"live{i}")
        for i in range(RACERS):
            create(service, f"racer{i}")
        start = threading.Barrier(RACERS)

        def race(i: int) -> str:
            start.wait()  # every launch reads the active count at the same moment
            try:
                launch(service, f"racer{i}")
            except DomainRuleError as refusal:
                return refusal.rule
            return "launched"

        with ThreadPoolExecutor(RACERS) as pool:
            outcomes = list(pool.map(race, range(RACERS)))
        assert sorted(outcomes) == ["campaign.active_limit"] * 5 + ["launched"] * 3
        assert running(store) == 10
    finally:
        store.close()


def _blocked_by(observer: sa.Engine, pid: int) -> bool:
    """Is some session waiting for a lock that the backend `pid` holds?"""
    # a fresh transaction per look: pg_stat_activity is a snapshot within one transaction
    with observer.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": pid}).scalar_one())


@pytest.mark.postgres
def test_a_launch_waits_for_the_tenant_lock_then_sees_the_other_launch(postgres_url: str
                                                                       ) -> None:
    store = StateStore(postgres_url)
    store.upgrade()
    service = CampaignService(store, clock=lambda: NOW)
    observer = sa.create_engine(postgres_url)
    rival: threading.Thread | None = None
    try:
        for i in range(9):
            create(service, f"live{i}")
            launch(service, f"live{i}")
        create(service, "a")
        create(service, "b")
        outcome: list[object] = []
        with store.transaction() as tx:
            # transaction A holds the tenant's lock and launches "a" (the 10th)
            repo.lock_tenant(tx, TENANT)
            holder = int(tx.conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
            a = repo.get(tx, TENANT, "a")
            repo.update(tx, a.model_copy(update={"status": CampaignStatus.RUNNING}), NOW)

            def launch_b() -> None:
                try:
                    outcome.append(service.handle(LaunchCampaign(
                        tenant=TENANT, campaign_id="b", actor="rival")).campaign)
                except DomainRuleError as refusal:
                    outcome.append(refusal)

            rival = threading.Thread(target=launch_b)
            rival.start()
            # B must block on A's lock rather than read "9 active" and go ahead; the deadline
            # only stops a broken lock from hanging the suite
            deadline = time.monotonic() + 30
            while not _blocked_by(observer, holder):
                assert rival.is_alive(), f"B finished without waiting: {outcome}"
                assert time.monotonic() < deadline, "B never waited for the tenant lock"
                time.sleep(0.01)
        rival.join()
        assert len(outcome) == 1
        assert isinstance(outcome[0], DomainRuleError)
        assert outcome[0].rule == "campaign.active_limit"
        assert stored_status(store, "b") == "draft"
        assert running(store) == 10
    finally:
        if rival is not None:
            rival.join()  # a failed check rolled A back, so B ends too
        observer.dispose()
        store.close()


def test_locking_a_tenant_twice_in_one_transaction_is_harmless(store_url: str) -> None:
    store = StateStore(store_url)
    store.upgrade()
    try:
        with store.transaction() as tx:
            repo.lock_tenant(tx, TENANT)
            repo.lock_tenant(tx, TENANT)
            repo.insert(tx, Campaign(tenant=TENANT, id="x", name="X", type="promotion"), NOW)
        assert stored_status(store, "x") == "draft"
    finally:
        store.close()


def test_concurrent_spend_is_never_lost_and_pauses_once(store_url: str) -> None:
    store = StateStore(store_url)
    store.upgrade()
    service = CampaignService(store, clock=lambda: NOW)
    try:
        create(service, "ads", budget="95")
        launch(service, "ads")
        start = threading.Barrier(RACERS)

        def bill(_: int) -> None:
            start.wait()
            for _ in range(5):
                spend(service, "ads", "2.5")

        with ThreadPoolExecutor(RACERS) as pool:
            list(pool.map(bill, range(RACERS)))
        final = service.get(TENANT, "ads")
        assert final.spend == RACERS * 5 * 2.5
        assert final.status is CampaignStatus.PAUSED
        pauses = [e for e in outbox(store, "ads") if e["type"] == CAMPAIGN_STATUS_CHANGED]
        assert len(pauses) == 1
        # the pause came with the bill that crossed 95, not before and not after
        assert pauses[0]["envelope"]["payload"]["reason"].startswith("spend 97.5 USD exceeds")
    finally:
        store.close()


def test_racing_creates_of_one_id_make_one_campaign(store_url: str) -> None:
    store = StateStore(store_url)
    store.upgrade()
    service = CampaignService(store, clock=lambda: NOW)
    try:
        start = threading.Barrier(RACERS)

        def make(_: int) -> str:
            start.wait()
            try:
                service.handle(CreateCampaign(actor="m", campaign=draft("same")))
            except DomainRuleError as refusal:
                return refusal.rule
            return "created"

        with ThreadPoolExecutor(RACERS) as pool:
            outcomes = sorted(pool.map(make, range(RACERS)))
        assert outcomes == ["campaign.exists"] * (RACERS - 1) + ["created"]
    finally:
        store.close()
