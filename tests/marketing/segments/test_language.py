"""Malformed segments are refused with file, line, column, field and reason (a case table),
and well-formed ones parse into the tree the evaluators read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hub.config import load_config
from hub.errors import ConfigError
from hub.marketing.segments import language as lang
from hub.marketing.segments.definitions import load_segment_file, load_segments
from hub.marketing.segments.timeexpr import TimePoint


def _file(criteria: str, extra: str = "") -> str:
    return textwrap.dedent("""\
        version: 1
        segments:
          target:
            criteria: {criteria}
        {extra}""").format(criteria=criteria, extra=textwrap.dedent(extra))


REFUSED = [
    pytest.param("{computed: rfm.composit, gte: 38}", 4, 16, "segments.target.criteria.computed",
                 "unknown computed property 'rfm.composit' (did you mean 'rfm.composite'?)",
                 id="unknown-computed"),
    pytest.param("{attribute: emial, eq: a@b.io}", 4, 16, "segments.target.criteria.attribute",
                 "unknown attribute 'emial' (did you mean 'email'?)", id="unknown-attribute"),
    pytest.param("{event: order.created, withn: 3 days}", 4, 38,
                 "segments.target.criteria.withn", "unknown key 'withn' in a event condition "
                 "(did you mean 'within'?)", id="unknown-event-key"),
    pytest.param("{computed: orders.count, gtee: 2}", 4, 40, "segments.target.criteria.gtee",
                 "unknown operator 'gtee' (did you mean 'gte'?)", id="unknown-operator"),
    pytest.param("{alll: []}", 4, 16, "segments.target.criteria.alll",
                 "unknown condition 'alll' (did you mean 'all'?)", id="unknown-condition"),
    pytest.param("{computed: orders.count, gte: two}", 4, 40, "segments.target.criteria.gte",
                 "wrong operand type: `gte` on number expects a number, got str 'two'",
                 id="text-for-a-number"),
    pytest.param("{attribute: email, gt: 5}", 4, 34, "segments.target.criteria.gt",
                 "operator `gt` does not apply to a string (allowed: contains, eq, exists, in, "
                 "ne)", id="order-on-a-string"),
    pytest.param("{attribute: created_at, gte: yesterday}", 4, 39,
                 "segments.target.criteria.gte", "'yesterday' is not a date",
                 id="not-a-date"),
    pytest.param("{computed: days_since_last_order, between: [1, 2, 3]}", 4, 49,
                 "segments.target.criteria.between",
                 "wrong operand type: `between` expects a list [low, high]",
                 id="between-three"),
    pytest.param("{computed: lifecycle.stage, eq: actve}", 4, 43,
                 "segments.target.criteria.eq", "'actve' is not one of prospect, active, lapsed",
                 id="unknown-stage"),
    pytest.param("{event: order.created, within: 3 months}", 4, 38,
                 "segments.target.criteria.within",
                 "'3 months': months and years vary in length; give days or weeks",
                 id="month-duration"),
    pytest.param("{event: order.created, where: {totl: {gte: 2}}}", 4, 46,
                 "segments.target.criteria.where.totl", "unknown field 'totl' for this event "
                 "(did you mean 'total'?)", id="unknown-event-field"),
    pytest.param("{segment: nowhere}", 4, 16, "segments.target.criteria.segment",
                 "unknown segment 'nowhere'", id="unknown-segment"),
    pytest.param("{all: []}", 4, 16, "segments.target.criteria.all",
                 "`all` takes a non-empty list of conditions", id="empty-group"),
]


@pytest.mark.parametrize(("criteria", "line", "column", "field", "message"), REFUSED)
def test_malformed_segments_are_refused_where_they_are_wrong(
        criteria: str, line: int, column: int, field: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_segment_file("segments.yaml", _file(criteria))
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    assert str(problems[0]).startswith(f"segments.yaml:{line}:{column}: {field}: {message}")


def test_a_cycle_between_segments_is_refused_at_the_reference() -> None:
    text = textwrap.dedent("""\
        segments:
          a:
            criteria: {all: [{segment: b}, {computed: orders.count, gte: 1}]}
          b:
            criteria:
              any:
                - {segment: a}
          c:
            criteria: {segment: c}
        """)
    with pytest.raises(ConfigError) as caught:
        load_segment_file("cyclic.yaml", text)
    assert [str(p) for p in caught.value.problems] == [
        "cyclic.yaml:3:23: segments.a.criteria.all[0].segment: cycle between segments: "
        "a → b → a",
        "cyclic.yaml:9:16: segments.c.criteria.segment: cycle between segments: c → c",
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = _file("{all: [{computed: nope, gte: 1}, {attribute: email, gt: 1}]}",
                 "  other:\n    criteria: {segment: target}\n    chanel: email\n")
    text = text.replace("\nother:\n  criteria", "\n  other:\n    criteria").replace(
        "\n  chanel", "\n    chanel")
    with pytest.raises(ConfigError) as caught:
        load_segment_file("many.yaml", text)
    fields = [p.field for p in caught.value.problems]
    assert fields == ["segments.other.chanel"]  # the file's shape is checked first
    text = _file("{all: [{computed: nope, gte: 1}, {attribute: email, gt: 1}]}")
    with pytest.raises(ConfigError) as caught:
        load_segment_file("many.yaml", text)
    assert [p.field for p in caught.value.problems] == [
        "segments.target.criteria.all[0].computed", "segments.target.criteria.all[1].gt"]


def test_the_quota_of_segments_per_tenant(tmp_path: Path) -> None:
    lines = "\n".join(f"    s{i}: {{criteria: {{subscribed: email}}}}" for i in range(3))
    (tmp_path / "hub.yaml").write_text(f"segments:\n  quota: 2\n  define:\n{lines}\n")
    with pytest.raises(ConfigError) as caught:
        load_segments(load_config(tmp_path / "hub.yaml"))
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'hub.yaml'}:2:3: segments.quota: 3 segments defined; the quota is 2 "
        "per tenant"]


def test_an_included_file_is_named_in_its_own_errors(tmp_path: Path) -> None:
    (tmp_path / "more.yaml").write_text(_file("{computed: orders.cnt, gte: 1}"))
    (tmp_path / "hub.yaml").write_text("segments:\n  include: [more.yaml, missing.yaml]\n")
    with pytest.raises(ConfigError) as caught:
        load_segments(load_config(tmp_path / "hub.yaml"))
    messages = sorted(str(p) for p in caught.value.problems)
    assert messages[0] == (f"{tmp_path / 'hub.yaml'}:2:24: segments.include[1]: segment file "
                           "'missing.yaml' does not exist")
    assert messages[1].startswith(f"{tmp_path / 'more.yaml'}:4:16: segments.target.criteria."
                                  "computed: unknown computed property 'orders.cnt'")


def test_the_seed_segments_parse_into_trees() -> None:
    segments = load_segment_file(Path(__file__).parents[3] / "examples" / "segments.yaml")
    assert list(segments.definitions) == ["vip", "churn_risk", "new_customers",
                                          "high_discount_sensitivity", "cross_sell_opportunity"]
    vip = segments.get("vip").criteria
    assert vip == lang.ComputedValue("rfm.composite", vip.type, (lang.Test("gte", 38),))
    churn = segments.get("churn_risk").criteria
    assert isinstance(churn, lang.All)
    assert len(churn.children) == 2


def test_relative_dates_and_aliases() -> None:
    segments = load_segment_file("s.yaml", _file(
        "{all: [{attribute: created_at, between: [90 days ago, 2026-01-31]},"
        " {computed: daysSinceLastOrder, lte: 14}]}"))
    node = segments.get("target").criteria
    assert isinstance(node, lang.All)
    dated, aliased = node.children
    assert isinstance(dated, lang.Attribute)
    low, high = dated.tests[0].operand
    assert isinstance(low, TimePoint)
    assert low.before_now is not None
    assert low.before_now.days == 90
    assert high.absolute is not None
    assert high.absolute.isoformat() == "2026-01-31T00:00:00+00:00"
    assert isinstance(aliased, lang.ComputedValue)
    assert aliased.name == "days_since_last_order"
