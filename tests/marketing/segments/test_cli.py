"""`hub segments|rfm|triggers` on a small hub: output, stored effects and exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.cli import main
from hub.store import StateStore
from hub.store import tables as t

AT = datetime(2026, 11, 1, tzinfo=UTC)
HUB_YAML = """\
tenant: default
segments:
  define:
    buyers:
      description: Anyone with a completed order
      criteria: {computed: orders.count, gte: 1}
    big_spenders:
      criteria: {computed: orders.total_spent, gte: 100}
triggers:
  cart_reminder: {kind: abandoned_cart}
  welcome: {kind: segment_entry, segment: buyers}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    (tmp_path / "hub.yaml").write_text(HUB_YAML)
    store = StateStore(f"sqlite:///{tmp_path / 'var' / 'hub.db'}")
    store.upgrade()
    with store.transaction() as tx:
        for i, total in enumerate((Decimal(150), Decimal(20))):
            cid = f"c{i}"
            tx.conn.execute(t.contacts.insert().values(
                tenant="default", id=cid, email=f"{cid}@example.com", properties={},
                external_ids={}))
            tx.conn.execute(t.consents.insert().values(
                tenant="default", contact_id=cid, channel="email", topic="",
                status="opted_in", source="t", recorded_at=AT))
            tx.conn.execute(t.orders.insert().values(
                tenant="default", id=f"o{i}", contact_id=cid, status="completed",
                currency="USD", total=total, placed_at=AT - timedelta(days=3)))
        tx.conn.execute(t.carts.insert().values(tenant="default", id="k", contact_id="c1",
                                                status="active", updated_at=AT
                                                - timedelta(hours=3)))
        tx.conn.execute(t.cart_items.insert().values(tenant="default", cart_id="k",
                                                     sku="S", quantity=1,
                                                     unit_price=Decimal(5)))
    store.close()
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_refresh_list_and_preview(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "segments", "refresh", "--at", "2026-11-01")
    assert code == 0
    assert "buyers" in out
    assert "+2" in out
    code, out, _ = run(capsys, "segments", "list")
    assert code == 0
    assert "Anyone" in out  # the description (wrapped to the terminal's width)
    code, out, _ = run(capsys, "segments", "preview", "big_spenders", "--at", "2026-11-01")
    assert code == 0
    assert "big_spenders: 1 member(s)" in out
    assert "c0@example.com" in out
    assert "SELECT contacts.id" in out
    store = StateStore(f"sqlite:///{project / 'var' / 'hub.db'}")
    with store.engine.connect() as conn:
        events = conn.execute(sa.select(sa.func.count()).select_from(t.outbox)).scalar()
    store.close()
    assert events == 3  # two buyers and one big spender entered


def test_rfm_snapshot_reports_the_distribution(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rfm", "snapshot", "--at", "2026-11-01")
    assert code == 0
    assert "2 rows for 2 customers with a completed order" in out


def test_triggers_preview_then_run_then_nothing_left(project: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "segments", "refresh", "--at", "2026-11-01")
    code, out, _ = run(capsys, "triggers", "preview", "--at", "2026-11-01T01:00:00")
    assert code == 0
    assert "cart_reminder → c1" in out
    code, out, _ = run(capsys, "triggers", "run", "--at", "2026-11-01T01:00:00")
    assert code == 0
    fired = {line.split("│")[1].strip(): line.split("│")[2].strip()
             for line in out.splitlines() if line.startswith("│")}
    assert fired == {"cart_reminder": "1", "welcome": "2"}
    code, out, _ = run(capsys, "triggers", "run", "--at", "2026-11-01T02:00:00")
    fired = {line.split("│")[1].strip(): line.split("│")[2].strip()
             for line in out.splitlines() if line.startswith("│")}
    assert fired == {"cart_reminder": "0", "welcome": "0"}


def test_a_malformed_segment_exits_2_with_its_line(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    text = HUB_YAML.replace("orders.total_spent", "orders.total_spnt")
    (project / "hub.yaml").write_text(text)
    code, _, err = run(capsys, "segments", "list")
    assert code == 2
    assert ("hub.yaml:8:18: segments.define.big_spenders.criteria.computed: unknown computed "
            "property 'orders.total_spnt' (did you mean 'orders.total_spent'?)") in " ".join(
        err.split())
