"""The lead pipeline: refusals naming the field, dedup across case and whitespace, field-level
survivorship, scoring and qualification, assignment, follow-up events, data quality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import ConfigError
from hub.marketing.leads import (
    DEFAULT_SCORING,
    LEAD_FOLLOW_UP_REQUESTED,
    ByScore,
    ByTerritory,
    InvalidLead,
    LeadPipeline,
    RoundRobin,
    ScoringModel,
    capture_one,
    data_quality,
    dedup_key,
    merge,
    qualify,
    validate_lead,
)
from hub.model import LeadStatus
from hub.store import StateStore
from hub.store import tables as t

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
ADA = {"email": "ada@analytical.example.com", "first_name": "Ada", "last_name": "Lovelace",
       "company": "Analytical Engines", "source": "webinar"}
HOT = {"attributes": {"title": "Head of Growth", "employees": 120},
       "activity": {"demo_requests": 1, "pricing_visits": 2, "email_clicks": 1}}


def lead(**fields: Any) -> dict[str, Any]:
    return {**ADA, **fields}


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["email", "first_name", "company"])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_lead_missing_a_required_field_is_refused_naming_it(missing: str,
                                                              blank: str | None) -> None:
    with pytest.raises(InvalidLead) as caught:
        validate_lead(lead(**{missing: blank}), now=NOW)
    assert caught.value.rule == "lead.required"
    assert caught.value.problems == {missing: "is required"}
    assert f"{missing} is required" in str(caught.value)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(InvalidLead) as caught:
        validate_lead({"email": "not-an-address", "last_name": "X"}, now=NOW)
    assert set(caught.value.problems) == {"email", "first_name", "company"}
    assert "email is not a valid address" in str(caught.value)


@pytest.mark.parametrize(("email", "why"), [
    ("ada at analytical.example.com", "@-sign"),
    ("ada@localhost", "period"),
    ("ada@printer.test", "special-use or reserved"),
    ("ada@@example.com", "invalid characters"),
])
def test_email_syntax_and_deliverability_shape(email: str, why: str) -> None:
    with pytest.raises(InvalidLead) as caught:
        validate_lead(lead(email=email), now=NOW)
    assert caught.value.rule == "lead.invalid"
    assert why in caught.value.problems["email"]


def test_placeholders_and_unknown_keys_are_refused() -> None:
    with pytest.raises(InvalidLead) as caught:
        validate_lead(lead(company="N/A", favourite_colour="teal"), now=NOW)
    assert "placeholder" in caught.value.problems["company"]
    assert "favourite_colour" in caught.value.problems


def test_a_bad_phone_is_dropped_not_fatal() -> None:
    candidate = validate_lead(lead(phone="12", country="de"), now=NOW)
    assert candidate.phone is None
    assert len(candidate.issues) == 1
    assert "phone dropped" in candidate.issues[0]
    good = validate_lead(lead(phone="0151 23456789", country="DE"), now=NOW)
    assert good.phone == "+4915123456789"


def test_validation_normalises_case_and_whitespace() -> None:
    candidate = validate_lead(lead(email="  Ada@Analytical.Example.COM ",
                                   company="  Analytical   Engines "), now=NOW)
    assert candidate.email == "ada@analytical.example.com"
    assert candidate.company == "Analytical Engines"


# --- dedup and merge --------------------------------------------------------------------------


def test_duplicates_differing_in_case_and_whitespace_merge() -> None:
    a = validate_lead(lead(), now=NOW)
    b = validate_lead(lead(email=" ADA@analytical.EXAMPLE.com", company="analytical  ENGINES"),
                      now=NOW)
    assert dedup_key(a.email, a.company) == dedup_key(b.email, b.company)


@pytest.mark.parametrize("other", [
    {"company": "Difference Engines"},  # same person, another company
    {"email": "charles@analytical.example.com", "first_name": "Charles"},  # a colleague
])
def test_distinct_people_stay_apart(other: dict[str, str]) -> None:
    a, b = validate_lead(lead(), now=NOW), validate_lead(lead(**other), now=NOW)
    assert dedup_key(a.email, a.company) != dedup_key(b.email, b.company)


_case = st.sampled_from([str.lower, str.upper, str.title, str.swapcase])
_pad = st.sampled_from(["", " ", "  ", "\t"])


@given(local=st.from_regex(r"[a-z][a-z0-9.]{0,10}[a-z]", fullmatch=True),
       words=st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), min_size=1, max_size=3),
       case=_case, pad=_pad, gap=st.sampled_from([" ", "  ", " \t "]))
def test_dedup_key_ignores_case_and_whitespace(local: str, words: list[str], case: Any,
                                               pad: str, gap: str) -> None:
    email, company = f"{local}@corp.example.com", " ".join(words)
    assert dedup_key(pad + case(email) + pad, pad + gap.join(case(w) for w in words) + pad) \
        == dedup_key(email, company)


def test_survivorship_most_recent_non_empty_value_wins() -> None:
    old = validate_lead(lead(received_at=NOW - timedelta(days=3), phone="+4915123456789",
                             source="webinar", id="w-1", attributes={"title": "Analyst"},
                             activity={"email_clicks": 4}), now=NOW)
    new = validate_lead(lead(received_at=NOW, last_name="King", phone=None, source="crm",
                             id="crm-9", email="ADA@analytical.example.com",
                             attributes={"title": "Director"}, activity={"email_clicks": 1}),
                        now=NOW)
    merged = merge([new, old])  # input order does not matter, time does
    assert merged.values["last_name"] == "King"  # newer value
    assert merged.values["phone"] == "+4915123456789"  # newer record had none
    assert merged.provenance["last_name"] == "crm"
    assert merged.provenance["phone"] == "webinar"
    assert merged.values["source"] == "webinar"  # the original source is kept
    assert merged.sources == ("webinar", "crm")
    assert merged.source_ids == {"webinar": "w-1", "crm": "crm-9"}
    assert merged.attributes["title"] == "Director"
    assert merged.activity["email_clicks"] == 4  # a re-sent form must not add up
    assert merged.records == 2


def test_merge_refuses_records_of_different_leads() -> None:
    a, b = validate_lead(lead(), now=NOW), validate_lead(lead(company="Other"), now=NOW)
    with pytest.raises(ValueError, match="different leads"):
        merge([a, b])


# --- scoring, qualification, assignment -------------------------------------------------------


def test_default_scoring_explains_itself() -> None:
    merged = merge([validate_lead(lead(**HOT), now=NOW)])
    score = DEFAULT_SCORING.score(merged)
    assert score.by_category == {"engagement": 10.0, "fit": 35.0, "behaviour": 45.0}
    assert score.total == 90.0
    assert "requested a demo" in score.matched
    assert "decision maker" in score.matched
    cold = DEFAULT_SCORING.score(merge([validate_lead(lead(email="ada@gmail.com"), now=NOW)]))
    assert (cold.total, cold.matched) == (0.0, ())


def test_category_caps_and_clamp() -> None:
    model = ScoringModel.from_mapping({"threshold": 30, "caps": {"engagement": 20}, "rules": [
        {"name": "opens", "category": "engagement", "field": "activity.email_opens",
         "op": "gte", "value": 1, "points": 15},
        {"name": "clicks", "category": "engagement", "field": "activity.email_clicks",
         "op": "gte", "value": 1, "points": 15},
        {"name": "big", "category": "fit", "field": "attributes.employees", "op": "gte",
         "value": 10, "points": 150}]})
    merged = merge([validate_lead(lead(activity={"email_opens": 3, "email_clicks": 1},
                                       attributes={"employees": 11}), now=NOW)])
    score = model.score(merged)
    assert score.by_category["engagement"] == 20.0
    assert score.total == 100.0


@pytest.mark.parametrize(("config", "message"), [
    ({"rules": [{"name": "x", "category": "fit", "field": "company", "op": "like",
                 "points": 1, "value": "a"}]}, "unknown operator 'like'"),
    ({"rules": [{"name": "x", "category": "fit", "field": "company", "points": 1,
                 "op": "gte", "value": "big"}]}, "gte needs a number"),
    ({"rules": [{"category": "fit", "field": "company", "points": 1}]}, "lacks 'name'"),
    ({"rules": [{"name": "x", "category": "luck", "field": "company", "points": 1}]},
     "'luck' is not a valid Category"),
    ({"threshold": 150}, "threshold must lie in 0-100"),
])
def test_scoring_models_refuse_bad_configuration(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ScoringModel.from_mapping(config)


@pytest.mark.parametrize(("status", "score", "expected"), [
    (LeadStatus.NEW, 50, LeadStatus.QUALIFIED),
    (LeadStatus.NEW, 49.9, LeadStatus.NEW),
    (LeadStatus.UNQUALIFIED, 80, LeadStatus.QUALIFIED),
    (LeadStatus.WORKING, 99, LeadStatus.WORKING),
    (LeadStatus.CONVERTED, 10, LeadStatus.CONVERTED),
])
def test_qualification_at_the_threshold(status: LeadStatus, score: float,
                                        expected: LeadStatus) -> None:
    assert qualify(status, score, 50) is expected


def test_assignment_strategies() -> None:
    rotation = RoundRobin(["ana", "ben", "cy"])
    rotation.resume(["cy", "ana"])  # the last assignment went to ana
    assert [rotation.assign() for _ in range(4)] == ["ben", "cy", "ana", "ben"]
    territory = ByTerritory({"de": ["dora", "dirk"], "FR": ["fleur"]},
                            fallback=RoundRobin(["global"]))
    assert [territory.assign(country=c) for c in ("DE", "DE", "fr", "BR", None)] == [
        "dora", "dirk", "fleur", "global", "global"]
    bands = ByScore([(50, ["sdr"]), (80, ["senior"])])
    assert [bands.assign(score=s) for s in (95, 80, 79.9, 10)] == [
        "senior", "senior", "sdr", None]
    with pytest.raises(ConfigError, match="appears twice"):
        RoundRobin(["ana", "ana"])


# --- the pipeline on the store ----------------------------------------------------------------


def stored_leads(store: StateStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [r._asdict() for r in conn.execute(sa.select(t.leads).order_by(t.leads.c.email))]


def follow_ups(store: StateStore) -> list[dict[str, Any]]:
    o = t.outbox.c
    with store.engine.connect() as conn:
        return [r.envelope for r in conn.execute(
            sa.select(o.envelope).where(o.type == LEAD_FOLLOW_UP_REQUESTED).order_by(o.seq))]


def test_pipeline_merges_within_a_batch_and_with_the_store(store: StateStore) -> None:
    clock = iter([NOW, NOW + timedelta(hours=1)])
    pipeline = LeadPipeline(store, tenant="acme", assigner=RoundRobin(["ana", "ben"]),
                            clock=lambda: next(clock))
    first = pipeline.process([
        lead(id="w-1"),
        lead(email=" ADA@Analytical.example.com ", company="analytical engines", id="f-7",
             source="form", received_at=NOW + timedelta(minutes=5), phone="+4915123456789"),
        lead(email="charles@analytical.example.com", first_name="Charles", **HOT),
        {"first_name": "Nobody", "company": "Nowhere"},
    ])
    assert [p.action for p in first.processed] == ["merged", "created"]
    assert [r.position for r in first.refused] == [3]
    assert first.refused[0].error.problems == {"email": "is required"}
    assert first.refused[0].quality.structure == pytest.approx(2 / 3)
    rows = stored_leads(store)
    assert [(r["email"], r["company"]) for r in rows] == [
        ("ada@analytical.example.com", "analytical engines"),
        ("charles@analytical.example.com", "Analytical Engines")]
    assert rows[0]["phone"] == "+4915123456789"
    assert rows[0]["external_ids"] == {"webinar": "w-1", "form": "f-7"}
    # Charles is hot: qualified, assigned, followed up
    assert (rows[1]["status"], rows[1]["owner"]) == ("qualified", "ana")
    assert [e["payload"]["owner"] for e in follow_ups(store)] == ["ana"]

    # a second batch, later: the stored lead absorbs the new record; no second follow-up
    second = pipeline.process([lead(company="ANALYTICAL ENGINES", last_name="King", **HOT),
                               lead(email="charles@analytical.example.com",
                                    first_name="Charles", company="Analytical Engines")])
    assert [p.action for p in second.processed] == ["merged", "merged"]
    rows = stored_leads(store)
    assert len(rows) == 2
    assert rows[0]["last_name"] == "King"
    assert (rows[0]["status"], rows[0]["owner"]) == ("qualified", "ben")
    assert rows[1]["score"] == 90.0  # the second, colder record does not lower the score
    assert [e["payload"]["owner"] for e in follow_ups(store)] == ["ana", "ben"]


def test_rotation_resumes_from_the_store(store: StateStore) -> None:
    def run(email: str) -> str | None:
        pipeline = LeadPipeline(store, assigner=RoundRobin(["ana", "ben", "cy"]),
                                clock=lambda: NOW + timedelta(minutes=len(stored_leads(store))))
        return capture_one(pipeline, lead(email=email, **HOT)).lead.owner

    assert [run(f"p{i}@analytical.example.com") for i in range(4)] == ["ana", "ben", "cy", "ana"]


def test_the_audit_trail_records_sources_and_reasons(store: StateStore) -> None:
    pipeline = LeadPipeline(store, actor="web-form", clock=lambda: NOW)
    done = capture_one(pipeline, lead(**HOT))
    a = t.audit_log.c
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(a.actor, a.action, a.detail, a.at)
                           .where(a.subject_id == done.lead.id)).one()
    assert (row.actor, row.action, row.at) == ("web-form", "CaptureLead", NOW)
    assert row.detail["sources"] == ["webinar"]
    assert "requested a demo" in row.detail["matched"]
    assert row.detail["quality"] == done.quality.overall
    with pytest.raises(InvalidLead, match="company is required"):
        capture_one(pipeline, lead(company=None))


# --- data quality -----------------------------------------------------------------------------


def test_data_quality_score() -> None:
    full = data_quality(lead(phone="+4915123456789"))
    assert (full.structure, full.content, full.business, full.overall) == (1, 1, 1, 100.0)
    assert full.issues == ()
    sparse = data_quality({"email": "ada@gmail.com", "first_name": "Ada1", "company": "x"})
    assert sparse.structure == 1
    assert sparse.content == pytest.approx(1 / 3)  # the email is fine, the names are not
    assert sparse.business == 0
    assert "no business email address" in sparse.issues
    assert sparse.overall == pytest.approx(100 * (1 + 1 / 3) / 3, abs=0.05)
    empty = data_quality({})
    assert (empty.structure, empty.content, empty.overall) == (0, 0, 0)
