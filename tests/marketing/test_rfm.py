"""RFM snapshots equal an independent pandas computation of the documented definition on
random data, ties included, on SQLite and PostgreSQL; the snapshot is whole and rerunnable."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.marketing.rfm import RFM_SEGMENTS, segment_name, take_snapshot
from hub.marketing.segments.definitions import RfmSettings, RfmWeights
from hub.store import StateStore
from hub.store import tables as t

AS_OF = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
# few distinct values, so that ties are the rule rather than the exception
AGES = [timedelta(days=d, seconds=s) for d in (0, 3, 3, 30, 179, 180, 181, 400)
        for s in (0, 1, 7200)] + [timedelta(days=-1)]
AMOUNTS = [Decimal(v) for v in ("10.00", "10.00", "25.50", "99.99", "0.01", "100")]
STATUSES = ["completed", "paid", "refunded", "cancelled"]


@st.composite
def shops(draw: st.DrawFn) -> tuple[list[str], list[dict[str, Any]]]:
    contacts = [f"c{i}" for i in range(draw(st.integers(1, 30)))]
    orders = [{"id": f"o{n}", "contact_id": draw(st.sampled_from([*contacts, "stranger"])),
               "status": draw(st.sampled_from(STATUSES)), "currency": "USD",
               "total": draw(st.sampled_from(AMOUNTS)), "discount": Decimal(0),
               "placed_at": AS_OF - draw(st.sampled_from(AGES))}
              for n in range(draw(st.integers(0, 80)))]
    return contacts, orders


def pandas_rfm(contacts: list[str], orders: list[dict[str, Any]],
               settings: RfmSettings) -> pd.DataFrame:
    """The definition in rfm.py's docstring, written again with pandas."""
    frame = pd.DataFrame(orders, columns=["id", "contact_id", "status", "total", "placed_at"])
    frame = frame[frame.status.isin(["paid", "completed"]) & (frame.placed_at <= AS_OF)
                  & frame.contact_id.isin(contacts)].copy()
    if frame.empty:
        return pd.DataFrame()
    frame["cents"] = frame.total.map(lambda d: int(d * 100))
    start = AS_OF - timedelta(days=settings.window_days)
    frame["in_window"] = frame.placed_at >= start
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    seconds = frame.placed_at.map(lambda ts: (ts - epoch) // timedelta(seconds=1))
    frame["epoch"] = seconds
    out = frame.groupby("contact_id").agg(
        last_epoch=("epoch", "max"), frequency=("in_window", "sum"),
        monetary_cents=("cents", lambda c: int(c[frame.loc[c.index, "in_window"]].sum())))
    as_of_epoch = (AS_OF - epoch) // timedelta(seconds=1)
    out["recency_days"] = (as_of_epoch - out.last_epoch) // 86_400
    n = len(out)
    ranks = {"r": out.recency_days.rank(method="min", ascending=False),
             "f": out.frequency.rank(method="min"),
             "m": out.monetary_cents.rank(method="min")}
    for dim, rank in ranks.items():
        out[f"{dim}_score"] = 1 + (5 * (rank.astype(int) - 1)) // n
    w = settings.weights
    out["composite"] = (w.recency * out.r_score + w.frequency * out.f_score
                        + w.monetary * out.m_score)
    out["segment"] = [_cell(r, f) for r, f in zip(out.r_score, out.f_score, strict=True)]
    return out


def _cell(r: int, f: int) -> str:
    # the R x F map of the reference, spelled out cell by cell (independent of RFM_SEGMENTS)
    if r <= 2:
        return "hibernating" if f <= 2 else "at_risk" if f <= 4 else "cant_lose"
    if r == 3:
        return "about_to_sleep" if f <= 2 else "need_attention" if f == 3 else "loyal"
    if r == 4:
        return "promising" if f == 1 else "potential_loyalists" if f <= 3 else "loyal"
    return "new_customers" if f == 1 else "potential_loyalists" if f <= 3 else "champions"


def _stored(store: StateStore, tenant: str, day: date) -> dict[str, dict[str, Any]]:
    snap = t.rfm_snapshots
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(snap).where(snap.c.tenant == tenant,
                                                  snap.c.snapshot_date == day))
        return {r.contact_id: dict(r._mapping) for r in rows}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(shop=shops(), window=st.sampled_from([180, 30]),
       weights=st.sampled_from([RfmWeights(), RfmWeights(recency=1, frequency=1, monetary=2)]))
def test_scores_equal_an_independent_pandas_computation(
        store: StateStore, shop: tuple[list[str], list[dict[str, Any]]], window: int,
        weights: RfmWeights) -> None:
    contacts, orders = shop
    tenant, settings = f"t-{uuid.uuid4().hex[:10]}", RfmSettings(window_days=window,
                                                                  weights=weights)
    with store.transaction() as tx:
        tx.conn.execute(t.contacts.insert(), [{"tenant": tenant, "id": c} for c in contacts])
        if orders:
            tx.conn.execute(t.orders.insert(), [{**o, "tenant": tenant} for o in orders])
    report = take_snapshot(store, tenant, AS_OF, settings)
    expected = pandas_rfm(contacts, orders, settings)
    stored = _stored(store, tenant, AS_OF.date())
    assert set(stored) == set(expected.index)
    assert report.complete
    assert report.rows == len(expected)
    for cid, row in expected.iterrows():
        got = stored[str(cid)]
        assert (got["recency_days"], got["frequency"], round(got["monetary"] * 100)) == (
            row.recency_days, row.frequency, row.monetary_cents), cid
        assert (got["r_score"], got["f_score"], got["m_score"]) == (
            row.r_score, row.f_score, row.m_score), cid
        assert got["composite"] == pytest.approx(row.composite)
        assert got["segment"] == row.segment


def test_every_score_pair_has_exactly_one_named_segment() -> None:
    for r in range(1, 6):
        for f in range(1, 6):
            owners = [s.name for s in RFM_SEGMENTS
                      if s.recency[0] <= r <= s.recency[1]
                      and s.frequency[0] <= f <= s.frequency[1]]
            assert owners == [_cell(r, f)], (r, f)
    assert segment_name(5, 5) == "champions"
    assert segment_name(1, 1) == "hibernating"


def test_a_rerun_replaces_the_day_and_the_check_counts_customers(store: StateStore) -> None:
    tenant = "rerun"
    with store.transaction() as tx:
        tx.conn.execute(t.contacts.insert(), [{"tenant": tenant, "id": c}
                                              for c in ("a", "b", "never")])
        tx.conn.execute(t.orders.insert(), [
            {"tenant": tenant, "id": "1", "contact_id": "a", "status": "paid", "currency": "USD",
             "total": Decimal(5), "placed_at": AS_OF - timedelta(days=2)},
            {"tenant": tenant, "id": "2", "contact_id": "b", "status": "completed",
             "currency": "USD", "total": Decimal(9), "placed_at": AS_OF - timedelta(days=300)}])
    first = take_snapshot(store, tenant, AS_OF)
    again = take_snapshot(store, tenant, AS_OF)
    assert (first.rows, first.expected, first.complete) == (2, 2, True)
    assert (again.rows, again.complete) == (2, True)
    stored = _stored(store, tenant, AS_OF.date())
    assert stored["b"]["frequency"] == 0  # bought, but not in the window: still scored
    assert stored["a"]["r_score"] > stored["b"]["r_score"]
