"""The two-way sync's conflict policy, field by field: newest wins by default, `hub` keeps the
hub's value over the CRM's, `crm` the CRM's over the hub's, whichever is more recent; and CRM
records read back become candidates carrying the hub id they hold, or are left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.marketing.leads import merge, validate_lead
from hub.marketing.leads.crm import CrmSettings, read_back

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_each_field_follows_its_policy() -> None:
    captured = validate_lead({"email": "ann@firm.com", "first_name": "Ann", "company": "Firm",
                              "phone": "+44 20 7946 0958", "last_name": "Lee"},
                             now=T0 + timedelta(hours=1))  # the newer record
    [crm] = read_back([{"Id": "00Q1", "Marketing_Platform_ID__c": "lead-7",
                        "Email": "ANN@firm.com ", "FirstName": "Annie", "Company": "FIRM",
                        "Phone": "+33 1 42 68 53 00", "LastName": "Lee-Smith",
                        "SystemModstamp": T0.isoformat()}],
                      CrmSettings(connection="crm"), T0).candidates

    merged = merge([captured, crm], None, {"company": "crm", "phone": "hub"})

    assert merged.values["first_name"] == "Ann"  # newest (the capture) by default
    assert merged.values["last_name"] == "Lee"
    assert merged.values["company"] == "FIRM"  # crm: the CRM's although older
    assert merged.values["phone"] == "+442079460958"  # hub: the capture's
    assert merged.known_id == "lead-7"
    assert merged.from_crm


def test_the_crm_wins_even_when_older_and_the_hub_even_when_older() -> None:
    old = validate_lead({"email": "bo@firm.com", "first_name": "Bo", "company": "Firm",
                         "phone": "+44 20 7946 0958"}, now=T0)
    [crm] = read_back([{"Id": "00Q2", "Marketing_Platform_ID__c": "lead-8",
                        "Email": "bo@firm.com", "FirstName": "Bob", "Company": "Firm",
                        "Phone": "+33 1 42 68 53 00",
                        "SystemModstamp": (T0 + timedelta(days=1)).isoformat()}],
                      CrmSettings(connection="crm"), T0).candidates

    assert merge([old, crm], None, {"first_name": "hub"}).values["first_name"] == "Bo"
    assert merge([old, crm]).values["first_name"] == "Bob"  # the CRM's is newer


def test_crm_records_without_the_hub_id_or_unusable_are_counted_not_merged() -> None:
    found = read_back([
        {"Id": "00Q3", "Email": "typed@firm.com", "FirstName": "Cy", "Company": "Firm"},
        {"Id": "00Q4", "Marketing_Platform_ID__c": "lead-9", "Email": "not-an-address",
         "FirstName": "Di", "Company": "Firm"},
    ], CrmSettings(connection="crm"), T0)

    assert found.candidates == []
    assert found.without_id == 1
    [(crm_id, why)] = found.invalid
    assert crm_id == "00Q4"
    assert "email" in why.problems
