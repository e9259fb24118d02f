"""Engagement closes the loop: what the providers report back (engagement events, as the send
path records them) feeds the KPIs per campaign and variant, the subject-line A/B test,
attribution's touchpoints and the segments' `email.opened` windows — on SQLite and on
PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.errors import ConfigError
from hub.marketing.attribution import AttributionModel, attribution_report
from hub.marketing.campaigns import ab_counts, ab_evaluation
from hub.marketing.common import prepare_connection
from hub.marketing.kpis import campaign_rates, tenant_kpis
from hub.marketing.segments.compiler import SqlCompiler
from hub.marketing.segments.dataset import Dataset, write_dataset
from hub.marketing.segments.definitions import SegmentSet, load_segment_file
from hub.marketing.segments.evaluate import PythonEvaluator
from hub.model import Campaign, CampaignType, Channel, Variant
from hub.store import StateStore
from hub.store import tables as t
from tests.marketing.engagement import SENT_AT, TENANT, Seeder

H = timedelta(hours=1)
DELIVERED = ("delivered", H / 60)


def test_rates_per_campaign_and_variant(store: StateStore) -> None:
    seed = Seeder(store)
    for i in range(10):  # variant a: 10 sent, 5 opened, 2 clicked, 1 bounced, 1 unsubscribed
        events = [DELIVERED] if i else [("bounced_hard", H / 60)]
        events += [("opened", H)] * (i % 2) + [("clicked", 2 * H)] * (i in (1, 3))
        events += [("unsubscribed", 3 * H)] * (i == 5)
        seed.message(f"a{i}", "a", events=tuple(events))
    for i in range(4):  # variant b: 4 sent, 1 opened, 1 complained
        seed.message(f"b{i}", "b", events=(DELIVERED, *[("opened", H)] * (i == 0),
                                           *[("complained", H)] * (i == 1)))
    seed.message("failed", "b", status="failed", events=(("failed", H / 60),))

    with store.engine.connect() as conn:
        by_variant = campaign_rates(conn, TENANT, "sale")
        empty = campaign_rates(conn, TENANT, "never-sent")
        kpis = tenant_kpis(conn, TENANT, as_of=SENT_AT + timedelta(days=1))

    a, b = by_variant["a"], by_variant["b"]
    assert [str(a.open_rate), str(a.click_rate), str(a.bounce_rate), str(a.unsubscribe_rate)] \
        == ["50.0% (5 of 10)", "20.0% (2 of 10)", "10.0% (1 of 10)", "10.0% (1 of 10)"]
    assert (b.sent, b.open_rate.value, b.complaint_rate.value) == (4, 0.25, 0.25)
    assert empty == {}  # no engagement: no rates, rather than rates of 0
    assert (str(kpis.engagement.bounce_rate), str(kpis.engagement.unsubscribe_rate)) == (
        "7.1% (1 of 14)", "7.1% (1 of 14)")
    assert kpis.as_dict()["bounce_rate"]["numerator"] == 1


def test_a_subject_line_test_read_from_sends_and_opens(store: StateStore) -> None:
    seed = Seeder(store)
    for i in range(120):  # "control" opens 1 in 5, "urgency" 2 in 5
        seed.message(f"c{i:03d}", "control", events=(DELIVERED, *[("opened", H)] * (i % 5 == 0)))
        seed.message(f"u{i:03d}", "urgency", events=(DELIVERED, *[("opened", H)] * (i % 5 < 2)))
    seed.message("queued", "urgency", status="refused")  # the gate refused it: never exposed
    campaign = Campaign(tenant=TENANT, id="sale", name="Sale", type=CampaignType.PROMOTION,
                        channels=[Channel.EMAIL], variants=[
                            Variant(name="control", subject="Winter sale"),
                            Variant(name="urgency", subject="48 hours only")])
    with store.engine.connect() as conn:
        opens = ab_counts(conn, campaign, metric="open")
        clicks = ab_counts(conn, campaign, metric="click")
    assert [(v.name, v.exposures, v.conversions) for v in opens.counts] == [
        ("control", 120, 24), ("urgency", 120, 48)]
    assert [v.conversions for v in clicks.counts] == [0, 0]
    evaluation = ab_evaluation(opens)
    assert evaluation is not None
    assert evaluation.winner == "urgency"


def test_opens_and_clicks_are_attribution_touchpoints(store: StateStore) -> None:
    seed = Seeder(store)
    seed.message("clicker", events=(DELIVERED, ("opened", H), ("clicked", 2 * H)))
    seed.message("bouncer", events=(("bounced_hard", H / 60),))
    seed.order("clicker", 3 * H, total="80")
    seed.order("bouncer", 3 * H, total="20")  # a bounce touched no one
    with store.transaction() as tx:  # a web visit after the click: the last touch
        tx.conn.execute(t.touchpoints.insert().values(
            tenant=TENANT, id="visit", contact_id="clicker", channel="web", kind="visit",
            occurred_at=SENT_AT + 2.5 * H))
    models = [AttributionModel.FIRST_TOUCH, AttributionModel.LAST_TOUCH]
    with store.engine.connect() as conn:
        by_campaign = attribution_report(conn, TENANT, models, by="campaign")
        by_channel = attribution_report(conn, TENANT, models, by="channel")
    first = by_campaign.results[AttributionModel.FIRST_TOUCH]
    last = by_channel.results[AttributionModel.LAST_TOUCH]
    assert first.revenue_by_campaign["sale"] == pytest.approx(80.0)  # the open came first
    assert last.revenue_by_channel["web"] == pytest.approx(80.0)
    assert last.revenue_by_channel.get("email", 0.0) == pytest.approx(0.0)
    assert first.attributed_revenue == pytest.approx(80.0)
    assert first.total_revenue == pytest.approx(100.0)


def _segments(criteria: dict[str, Any]) -> SegmentSet:
    return load_segment_file("loop.yaml", yaml.safe_dump({"segments": {"s": {
        "criteria": criteria, "for_messaging": False}}}))


def test_segments_on_email_opened_windows(store: StateStore) -> None:
    now = SENT_AT + timedelta(days=10)
    data = Dataset(contacts=[{"id": c, "properties": {}, "external_ids": {}}
                             for c in ("recent", "old", "clicked", "sms")])
    for cid, kind, channel, days in (("recent", "opened", "email", 2), ("old", "opened",
                                     "email", 9), ("clicked", "clicked", "email", 1),
                                     ("sms", "delivered", "sms", 1)):
        data.engagement_events.append({
            "id": f"{cid}-e", "type": kind, "channel": channel, "contact_id": cid,
            "campaign_id": "sale", "provider": "resend", "provider_event_id": f"{cid}-e",
            "occurred_at": now - timedelta(days=days)})
    with store.transaction() as tx:
        write_dataset(tx.conn, TENANT, data)
    cases: dict[str, tuple[dict[str, Any], set[str]]] = {
        "within 7 days": ({"event": "email.opened", "within": "7 days"}, {"recent"}),
        "within 14 days": ({"event": "email.opened", "within": "14 days"}, {"recent", "old"}),
        "clicked": ({"event": "email.clicked", "within": "7 days",
                     "where": {"campaign_id": {"eq": "sale"}}}, {"clicked"}),
        "not opened lately": ({"not": {"event": "email.opened", "within": "7 days"}},
                              {"old", "clicked", "sms"}),
    }
    for what, (criteria, expected) in cases.items():
        segments = _segments(criteria)
        compiler = SqlCompiler(segments, tenant=TENANT, now=now)
        with store.engine.connect() as conn:
            prepare_connection(conn)
            found = set(conn.execute(compiler.members_query("s")).scalars())
        reference = PythonEvaluator(data, segments, now=now)
        assert found == expected, what
        assert reference.members("s") == expected, what


def test_a_misspelt_engagement_event_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError) as refused:
        _segments({"event": "email.openned", "within": "7 days"})
    message = str(refused.value) + " ".join(str(p) for p in refused.value.problems)
    assert "unknown event 'email.openned'" in message
    assert "email.opened" in message



def test_the_readmes_engagement_segment_examples_parse() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("**Engagement closes the loop.**"):]
    examples = re.findall(r"`((?:not: )?\{event: email\.[^`]+\})`", section)
    assert len(examples) == 2
    for example in examples:
        segments = _segments(yaml.safe_load(example))
        assert "s" in segments
