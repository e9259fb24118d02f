"""The conflict policy of a two-way sync: per field, the hub, the vendor or the latest change
wins; and a delivery's changes group by record, the latest of each field kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.engine.inbound import (
    Authority,
    ConflictPolicy,
    FieldChange,
    FieldValue,
    InboundUpdate,
    group_changes,
)

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def change(field: str, value: str, at: datetime = T0, event_id: str = "e1",
           external_id: str = "1", source: str | None = None) -> FieldChange:
    return FieldChange("acme", event_id, "contacts", external_id, field, value, at, source)


@pytest.mark.parametrize(("rule", "local_at", "taken", "why"), [
    (Authority.HUB, T0 - timedelta(days=1), False, "the hub is its source of truth"),
    (Authority.VENDOR, T0 + timedelta(days=1), True, "the vendor is its source of truth"),
    (Authority.LATEST, T0 - timedelta(minutes=1), True, "the vendor changed it last"),
    (Authority.LATEST, T0 + timedelta(minutes=1), False, "the hub changed it last"),
])
def test_the_conflict_policy_decides_per_field(rule: Authority, local_at: datetime,
                                               taken: bool, why: str) -> None:
    policy = ConflictPolicy({"email": rule})

    decision = policy.decide("email", FieldValue("old@example.com", local_at),
                             FieldValue("new@example.com", T0))

    assert (decision.take, decision.reason) == (taken, f"email: {why}")


def test_latest_takes_a_field_the_hub_never_set_and_skips_an_agreement() -> None:
    policy = ConflictPolicy()
    remote = FieldValue("Ada", T0)

    assert policy.decide("firstname", None, remote).take is True
    assert policy.decide("firstname", FieldValue("Ada", T0 - timedelta(days=1)),
                         remote).take is False


def test_resolve_splits_an_update_field_by_field() -> None:
    policy = ConflictPolicy({"email": "hub", "phone": "vendor"}, default="latest")
    update = InboundUpdate("acme", "contacts", "1", {
        "email": change("email", "a@acme.test"), "phone": change("phone", "+1555"),
        "city": change("city", "Paris")}, ["e1"])
    local = {"phone": FieldValue("+1444", T0 + timedelta(days=1)),
             "city": FieldValue("London", T0 + timedelta(days=1))}

    taken, kept = policy.resolve(update, local)

    assert (taken.values, taken.event_ids) == ({"phone": "+1555"}, ["e1"])
    assert kept == {"email": "email: the hub is its source of truth",
                    "city": "city: the hub changed it last"}


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="hubspot"):
        ConflictPolicy({"email": "hubspot"})


def test_changes_group_by_record_and_the_latest_of_each_field_wins() -> None:
    updates = group_changes([
        change("firstname", "New", T0 + timedelta(seconds=5), "e2", source="API"),
        change("firstname", "Old", T0, "e1", source="CRM_UI"),  # older, though later
        change("lastname", "Byron", T0, "e3", external_id="2")])

    assert [(u.external_id, u.values, u.event_ids, u.source) for u in updates] == [
        ("1", {"firstname": "New"}, ["e2", "e1"], "API"),
        ("2", {"lastname": "Byron"}, ["e3"], None)]
