"""`hub report …` on a real store: attribution reproducing the reference vectors (§7.2), A/B
verdicts from messages and orders, the campaign report, KPIs, formats and refusals."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main
from hub.marketing.campaigns import CampaignService, CreateCampaign
from hub.model import Campaign, CampaignType, Channel, Variant
from hub.store import StateStore
from hub.store import tables as t
from tests.marketing.engagement import Seeder

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
# marketing-methods §7.2: (path, converted, count)
JOURNEYS = [(("email", "sms"), True, 30), (("email",), False, 50), (("ads", "email"), True, 20),
            (("ads",), False, 40), (("sms",), True, 10), (("ads", "sms"), False, 25)]


@pytest.fixture
def store(store_url: str, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.setenv("HUB_DATABASE_URL", store_url)
    s = StateStore(store_url)
    s.upgrade()
    yield s
    s.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def toy(store: StateStore) -> StateStore:
    touches: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    n = 0
    for path, converted, count in JOURNEYS:
        for _ in range(count):
            n += 1
            contact = f"c{n}"
            touches += [{"tenant": "default", "id": f"t{n}-{i}", "contact_id": contact,
                         "channel": channel, "campaign_id": f"{channel}-campaign",
                         "occurred_at": T0 + timedelta(hours=i)}
                        for i, channel in enumerate(path)]
            if converted:
                orders.append({"tenant": "default", "id": f"o{n}", "contact_id": contact,
                               "status": "completed", "currency": "USD", "total": Decimal(1),
                               "discount": Decimal(0), "placed_at": T0 + timedelta(hours=5)})
    with store.engine.begin() as conn:
        conn.execute(t.touchpoints.insert(), touches)
        conn.execute(t.orders.insert(), orders)
    store.close()
    return store


@pytest.mark.parametrize(("model", "expected"), [
    ("first_touch", {"ads": 20, "email": 30, "sms": 10}),
    ("last_touch", {"ads": 0, "email": 20, "sms": 40}),
    ("linear", {"ads": 10, "email": 25, "sms": 25}),
    ("position_based", {"ads": 10, "email": 25, "sms": 25}),
    ("markov", {"ads": 13.6364, "email": 22.7273, "sms": 23.6364}),
])
def test_attribution_reproduces_the_reference_vectors(toy: StateStore,
                                                      capsys: pytest.CaptureFixture[str],
                                                      model: str,
                                                      expected: dict[str, float]) -> None:
    code, out, _ = run(capsys, "report", "attribution", "--model", model, "--format", "json")
    assert code == 0
    result = json.loads(out)["models"][model]
    assert result["revenue"] == pytest.approx(expected, abs=5e-5)
    assert sum(result["revenue"].values()) == pytest.approx(60)
    assert (result["attributed_revenue"], result["unattributed_revenue"]) == (60, 0)
    if model == "markov":
        assert result["removal_effects"] == pytest.approx(
            {"ads": 0.384615, "email": 0.641026, "sms": 0.666667}, abs=5e-7)


def test_attribution_by_campaign_as_csv_adds_up(toy: StateStore,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", "attribution", "--by", "campaign", "-m", "linear",
                       "-m", "time-decay", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["model"] for r in rows} == {"linear", "time_decay"}
    assert {r["campaign"] for r in rows} == {"ads-campaign", "email-campaign", "sms-campaign"}
    for model in ("linear", "time_decay"):
        assert sum(float(r["revenue"]) for r in rows if r["model"] == model) == \
            pytest.approx(60)


def test_attribution_table_side_by_side_and_windows(toy: StateStore,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", "attribution")
    assert code == 0
    assert "Share of attributed revenue by channel" in out
    for header in ("first", "last", "non-direct", "linear", "position", "decay", "markov"):
        assert header in out
    assert "60.00 of 60.00 revenue attributed" in out
    # conversions outside --since/--until are not counted; a short lookback loses touches
    code, out, _ = run(capsys, "report", "attribution", "-m", "linear", "--format", "json",
                       "--since", "2026-04-02")
    assert json.loads(out)["models"]["linear"]["conversions"] == 0
    code, out, _ = run(capsys, "report", "attribution", "-m", "first_touch", "--format",
                       "json", "--lookback", "0.15")  # 3.6 h: only touches at T0+2h onwards
    assert json.loads(out)["models"]["first_touch"]["attributed_revenue"] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--model", "shapley"], "unknown attribution model 'shapley'"),
    (["--by", "country"], "--by must be channel or campaign"),
    (["--lookback", "0"], "--lookback must be a positive number of days"),
    (["--since", "last tuesday"], "--since 'last tuesday' is not a date"),
])
def test_attribution_refuses_bad_arguments(store: StateStore, capsys: pytest.CaptureFixture[str],
                                           args: list[str], message: str) -> None:
    code, _, err = run(capsys, "report", "attribution", *args)
    assert code == 2
    assert message in err


@pytest.fixture
def ab_shop(store: StateStore) -> StateStore:
    """200 contacts per subject line; B converts 30 %, A 10 % (orders within the week)."""
    service = CampaignService(store, clock=lambda: T0)
    service.handle(CreateCampaign(actor="m", campaign=Campaign(
        id="launch", name="Launch", type=CampaignType.PROMOTION, channels=[Channel.EMAIL],
        variants=[Variant(name="A"), Variant(name="B")])))
    messages, orders = [], []
    for i in range(400):
        variant = "A" if i % 2 else "B"
        messages.append({"tenant": "default", "id": f"m{i}", "channel": "email",
                         "contact_id": f"c{i}", "campaign_id": "launch", "variant": variant,
                         "idempotency_key": f"k{i}", "created_at": T0})
        if (variant == "A" and i % 20 == 1) or (variant == "B" and i % 20 in (0, 2, 4)):
            orders.append({"tenant": "default", "id": f"o{i}", "contact_id": f"c{i}",
                           "status": "paid", "currency": "USD", "total": Decimal(30),
                           "discount": Decimal(0), "campaign_id": None,
                           "placed_at": T0 + timedelta(days=2)})
    with store.engine.begin() as conn:
        conn.execute(t.messages.insert(), messages)
        conn.execute(t.orders.insert(), orders)
    store.close()
    return store


def test_abtest_report_names_the_winner(ab_shop: StateStore,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", "abtest", "launch", "--format", "json")
    assert code == 0
    report = json.loads(out)
    counts = {v["variant"]: (v["exposures"], v["conversions"]) for v in report["variants"]}
    assert counts == {"A": (200, 20), "B": (200, 60)}
    assert report["evaluation"]["verdict"] == "winner"
    assert report["evaluation"]["winner"] == "B"
    code, out, _ = run(capsys, "report", "abtest", "launch")
    assert "verdict: winner — B converts better than A" in out
    # orders two days later fall outside a one-day window
    code, out, _ = run(capsys, "report", "abtest", "launch", "--window", "1", "--format", "csv")
    assert [r["conversions"] for r in csv.DictReader(io.StringIO(out))] == ["0", "0"]


def test_abtest_and_campaign_refuse_an_unknown_campaign(store: StateStore,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    for command in ("abtest", "campaign"):
        code, _, err = run(capsys, "report", command, "nope")
        assert code == 2
        assert "tenant 'default' has no campaign 'nope'" in err
    code, _, err = run(capsys, "report", "abtest", "nope", "--metric", "revenue")
    assert (code, "--metric must be one of" in err) == (2, True)


def test_campaign_and_kpi_reports(ab_shop: StateStore, capsys: pytest.CaptureFixture[str]
                                  ) -> None:
    code, out, _ = run(capsys, "report", "campaign", "launch", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert (report["recipients"], report["conversions"], report["revenue"]) == (
        400, 80, "2400.0000")
    assert report["ab_test"]["winner"] == "B"
    code, out, _ = run(capsys, "report", "campaign", "launch")
    assert "2,400.00 USD" in out
    code, out, _ = run(capsys, "report", "kpis", "--as-of", "2026-04-10", "--format", "json")
    assert code == 0
    assert json.loads(out)["open_rate"] == {"numerator": 0, "denominator": 0, "value": None}
    code, out, _ = run(capsys, "report", "kpis", "--as-of", "2026-04-10")
    assert "open rate" in out
    assert "n/a" in out


def test_uplift_report_against_the_unreached_members(ab_shop: StateStore,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with ab_shop.engine.begin() as conn:
        conn.execute(t.segment_members.insert(), [
            {"tenant": "default", "segment": "fans", "contact_id": c, "entered_at": T0}
            for c in ("c0", "c1", "c3", "h1", "h2")])
    code, out, _ = run(capsys, "report", "uplift", "fans", "launch", "--since", "2026-04-01",
                       "--until", "2026-04-30", "--format", "json")
    assert code == 0
    report = json.loads(out)
    # c0 (B) and c1 (A) ordered, c3 did not; the holdout h1, h2 never ordered
    assert (report["treated"], report["holdout"]) == ([2, 3], [0, 2])
    assert report["absolute"] == pytest.approx(2 / 3)
    code, out, _ = run(capsys, "report", "uplift", "fans", "launch", "--since", "2026-04-01")
    assert "66.7% (2 of 3)" in out


def test_campaign_report_funnel_converts_after_a_click_and_rates_by_variant(
        ab_shop: StateStore, capsys: pytest.CaptureFixture[str]) -> None:
    seed = Seeder(ab_shop, campaign="launch")
    seed.message("clicker", "A", events=(("delivered", timedelta(minutes=1)),
                                         ("opened", timedelta(hours=1)),
                                         ("clicked", timedelta(hours=2))))
    seed.message("bouncer", "B", events=(("bounced_hard", timedelta(minutes=1)),))
    seed.order("clicker", timedelta(days=2))  # two days after the click
    code, out, _ = run(capsys, "report", "campaign", "launch", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert (report["sends"]["clicked"], report["sends"]["converted"]) == (1, 1)
    assert report["engagement_by_variant"] == [
        {"variant": "A", "sent": 1, "open_rate": 1.0, "click_rate": 1.0, "bounce_rate": 0.0,
         "complaint_rate": 0.0, "unsubscribe_rate": 0.0},
        {"variant": "B", "sent": 1, "open_rate": 0.0, "click_rate": 0.0, "bounce_rate": 1.0,
         "complaint_rate": 0.0, "unsubscribe_rate": 0.0}]
    code, out, _ = run(capsys, "report", "campaign", "launch", "--window", "1")
    assert code == 0
    assert "clicked 1 → converted 0" in out  # the order came after a one-day window
    assert "Engagement of launch by variant" in out
    code, _, err = run(capsys, "report", "campaign", "launch", "--window", "0")
    assert code == 2
    assert "--window must be a positive number of days" in err
