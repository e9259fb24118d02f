"""The canonical model refuses bad data with messages a person understands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from hub.errors import DomainRuleError
from hub.model import (
    Campaign,
    CampaignStatus,
    Channel,
    Consent,
    ConsentStatus,
    Contact,
    DomainEvent,
    Lead,
    Order,
    Promotion,
    canonical_fields,
)


@dataclass(frozen=True)
class Case:
    name: str
    model: type[Any]
    data: dict[str, Any]
    field: str
    message: str


REFUSALS = [
    Case("email without domain", Contact, {"email": "ann@"}, "email",
         "'ann@' is not a valid email address"),
    Case("email with spaces", Contact, {"email": "ann smith@example.com"}, "email",
         "is not a valid email address"),
    Case("phone too short", Contact, {"phone": "+1 555"}, "phone",
         "is not a valid phone number"),
    Case("phone without country", Contact, {"phone": "020 7946 0958"}, "phone",
         "give it in +<country code> form"),
    Case("unknown time zone", Contact, {"email": "a@example.com", "time_zone": "Mars/Base"},
         "time_zone", "is not an IANA time zone"),
    Case("contact with no identity", Contact, {"first_name": "Ann"}, "",
         "needs at least one of email, phone, id or external_ids"),
    Case("unknown field", Contact, {"email": "a@example.com", "emial": "x"}, "emial",
         "Extra inputs are not permitted"),
    Case("lead without company", Lead, {"email": "a@example.com", "first_name": "Ann"},
         "company", "Field required"),
    Case("lead with blank first name", Lead,
         {"email": "a@example.com", "first_name": "  ", "company": "Acme"}, "first_name",
         "at least 1 character"),
    Case("campaign ending before it starts", Campaign,
         {"id": "c", "name": "n", "type": "retention",
          "start_at": datetime(2025, 2, 1, tzinfo=UTC), "end_at": datetime(2025, 1, 1, tzinfo=UTC)},
         "", "end_at must be after start_at"),
    Case("negative budget", Campaign, {"id": "c", "name": "n", "type": "retention",
                                       "budget": "-5"}, "budget", "greater than or equal to 0"),
    Case("percent promotion over 100", Promotion, {"id": "p", "kind": "percent", "value": 150},
         "", "cannot exceed 100"),
    Case("order with negative total", Order,
         {"id": "o", "contact_id": "c", "status": "paid", "total": -1,
          "placed_at": datetime(2025, 1, 1, tzinfo=UTC)}, "total", "greater than or equal to 0"),
]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.name)
def test_model_refuses_bad_input_with_a_clear_message(case: Case) -> None:
    with pytest.raises(ValidationError) as info:
        case.model.model_validate(case.data)
    errors = info.value.errors()
    assert any(case.message in e["msg"] for e in errors), errors
    assert any(".".join(map(str, e["loc"])) == case.field for e in errors), errors


def test_contact_normalises_email_and_phone() -> None:
    contact = Contact(email="  Ann.Smith@Example.COM ", phone="+44 20 7946 0958")
    assert contact.email == "ann.smith@example.com"
    assert contact.phone == "+442079460958"
    assert contact.tenant == "default"


def test_internationalised_email_goes_through_the_full_validator() -> None:
    assert Contact(email="José@Exämple.com").email == "josé@exämple.com"


def test_naive_datetimes_are_taken_as_utc() -> None:
    contact = Contact(email="a@example.com", updated_at=datetime(2025, 1, 1, 12))
    assert contact.updated_at == datetime(2025, 1, 1, 12, tzinfo=UTC)


LEGAL = [
    (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED),
    (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING),
    (CampaignStatus.SCHEDULED, CampaignStatus.DRAFT),
    (CampaignStatus.RUNNING, CampaignStatus.PAUSED),
    (CampaignStatus.PAUSED, CampaignStatus.RUNNING),
    (CampaignStatus.RUNNING, CampaignStatus.COMPLETED),
    (CampaignStatus.PAUSED, CampaignStatus.COMPLETED),
]


@pytest.mark.parametrize(("start", "end"), [
    (a, b) for a in CampaignStatus for b in CampaignStatus if a != b
], ids=str)
def test_campaign_transitions_follow_the_state_machine(start: CampaignStatus,
                                                       end: CampaignStatus) -> None:
    campaign = Campaign(id="c1", name="Spring", type="retention", status=start)
    if (start, end) in LEGAL:
        assert campaign.transition(end).status is end
        assert campaign.status is start  # transitions return a copy
    else:
        with pytest.raises(DomainRuleError) as info:
            campaign.transition(end)
        assert info.value.rule == "campaign.status"
        assert f"cannot go from {start} to {end}" in str(info.value)


def test_completed_campaign_says_it_is_final() -> None:
    done = Campaign(id="c1", name="n", type="event", status="completed")
    with pytest.raises(DomainRuleError, match="none \\(it is final\\)"):
        done.transition(CampaignStatus.RUNNING)


def test_topic_consent_overrides_channel_consent_and_latest_wins() -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    contact = Contact(email="a@example.com", consents=[
        Consent(channel=Channel.EMAIL, status=ConsentStatus.OPTED_IN, source="form",
                recorded_at=t0),
        Consent(channel=Channel.EMAIL, topic="offers", status=ConsentStatus.OPTED_OUT,
                source="link", recorded_at=t0 + timedelta(days=1)),
        Consent(channel=Channel.EMAIL, status=ConsentStatus.OPTED_OUT, source="form",
                recorded_at=t0 - timedelta(days=1)),
    ])
    assert contact.consent_for(Channel.EMAIL) is ConsentStatus.OPTED_IN
    assert contact.consent_for(Channel.EMAIL, "offers") is ConsentStatus.OPTED_OUT
    assert contact.consent_for(Channel.SMS) is ConsentStatus.UNKNOWN


def test_domain_event_chain_keeps_correlation() -> None:
    first = DomainEvent(type="order.created", tenant="t1", key="order-1")
    second = first.caused("promotion.redeemed", "promo-9", {"order": "order-1"})
    assert second.correlation_id == first.id
    assert second.causation_id == first.id
    assert second.tenant == "t1"
    assert second.id != first.id


def test_canonical_fields_lists_model_fields_only_for_canonical_targets() -> None:
    fields = canonical_fields("canonical.Contact")
    assert fields is not None
    assert {"email", "phone", "tenant", "external_ids"} <= fields
    assert canonical_fields("hubspot.contacts") is None
    assert canonical_fields("canonical.Nope") is None
