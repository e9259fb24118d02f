"""Contacts and companies through the official SDK: CRUD, batch endpoints, partial failures."""

from __future__ import annotations

import json

import hubspot
import pytest
from hubspot.crm.companies import SimplePublicObjectInputForCreate as CompanyInput
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import ApiException

from connectors.hubspot.sandbox import SandboxServer


def _upsert_inputs(
    emails: list[str], **properties: str
) -> BatchInputSimplePublicObjectBatchInputUpsert:
    return BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(
                id_property="email", id=email, properties={"firstname": f"N{i}", **properties}
            )
            for i, email in enumerate(emails)
        ]
    )


def _error_body(error: ApiException) -> dict[str, object]:
    body = json.loads(error.body)
    assert isinstance(body, dict)
    return body


def test_batch_upsert_of_100_contacts_reads_back_through_batch_read(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    emails = [f"person{i}@example.com" for i in range(100)]

    created = hubspot_client.crm.contacts.batch_api.upsert(_upsert_inputs(emails))
    read = hubspot_client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            id_property="email",
            inputs=[SimplePublicObjectId(id=email) for email in emails],
            properties=["email", "firstname"],
            properties_with_history=[],
        )
    )

    assert created.status == "COMPLETE"
    assert len(created.results) == 100
    assert all(result.new for result in created.results)
    by_email = {r.properties["email"]: r for r in read.results}
    assert set(by_email) == set(emails)
    assert by_email["person7@example.com"].properties["firstname"] == "N7"
    assert (
        by_email["person7@example.com"].properties["hs_object_id"]
        == by_email["person7@example.com"].id
    )
    assert hubspot_sandbox.state.records.count("contacts") == 100
    assert (
        hubspot_sandbox.state.counters.requests["POST /crm/v3/objects/contacts/batch/upsert"] == 1
    )


def test_upserting_again_updates_instead_of_duplicating(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    first = hubspot_client.crm.contacts.batch_api.upsert(_upsert_inputs(["Ada@Example.com"]))
    second = hubspot_client.crm.contacts.batch_api.upsert(
        _upsert_inputs(["ada@example.com"], lastname="Lovelace")
    )

    assert first.results[0].new is True
    assert second.results[0].new is False
    assert second.results[0].id == first.results[0].id
    assert second.results[0].properties["lastname"] == "Lovelace"
    assert second.results[0].properties["email"] == "ada@example.com"
    assert hubspot_sandbox.state.records.count("contacts") == 1


def test_batch_upsert_with_invalid_emails_is_a_207_naming_each_bad_input(
    hubspot_client: hubspot.HubSpot,
) -> None:
    emails = ["good1@example.com", "not-an-email", "good2@example.com", "also@bad"]

    response = hubspot_client.crm.contacts.batch_api.upsert(_upsert_inputs(emails))

    assert type(response).__name__ == "BatchResponseSimplePublicUpsertObjectWithErrors"
    assert response.status == "COMPLETE"
    assert sorted(r.properties["email"] for r in response.results) == [
        "good1@example.com",
        "good2@example.com",
    ]
    assert response.num_errors == 2
    assert sorted(e.context["ids"][0] for e in response.errors) == ["also@bad", "not-an-email"]
    for error in response.errors:
        assert error.category == "VALIDATION_ERROR"
        assert error.message.startswith("Property values were not valid")
        assert "INVALID_EMAIL" in error.message
        assert error.errors[0].code == "INVALID_EMAIL"


def test_batch_create_partial_failure_names_the_input_index(
    hubspot_client: hubspot.HubSpot,
) -> None:
    batch = BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[
            SimplePublicObjectBatchInputForCreate(properties={"email": "a@example.com"}),
            SimplePublicObjectBatchInputForCreate(
                properties={"email": "b@example.com", "favourite_colour": "teal"},
                object_write_trace_id="row-2",
            ),
        ]
    )

    response = hubspot_client.crm.contacts.batch_api.create(batch)

    assert [r.properties["email"] for r in response.results] == ["a@example.com"]
    (error,) = response.errors
    assert error.context == {"inputIndex": ["1"], "objectWriteTraceId": ["row-2"]}
    assert "PROPERTY_DOESNT_EXIST" in error.message


def test_single_create_with_invalid_email_is_a_400_validation_error(
    hubspot_client: hubspot.HubSpot,
) -> None:
    with pytest.raises(ApiException) as raised:
        hubspot_client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "nobody-at-example"})
        )

    body = _error_body(raised.value)
    assert raised.value.status == 400
    assert body["category"] == "VALIDATION_ERROR"
    assert body["status"] == "error"
    assert "correlationId" in body
    detail = json.loads(str(body["message"]).removeprefix("Property values were not valid: "))
    assert detail[0]["error"] == "INVALID_EMAIL"
    assert detail[0]["name"] == "email"


def test_writing_an_undefined_property_is_refused(hubspot_client: hubspot.HubSpot) -> None:
    with pytest.raises(ApiException) as raised:
        hubspot_client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(
                properties={"email": "x@example.com", "shoe_size": "9"}
            )
        )

    detail_text = str(_error_body(raised.value)["message"])
    assert raised.value.status == 400
    assert '"error":"PROPERTY_DOESNT_EXIST"' in detail_text
    assert '"name":"shoe_size"' in detail_text


def test_create_get_update_archive_one_contact(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    api = hubspot_client.crm.contacts.basic_api
    created = api.create(
        SimplePublicObjectInputForCreate(
            properties={
                "email": "grace@example.com",
                "firstname": "Grace",
                "lifecyclestage": "lead",
            }
        )
    )
    fetched = api.get_by_id("grace@example.com", id_property="email", properties=["phone"])
    updated = api.update(created.id, SimplePublicObjectInput(properties={"lastname": "Hopper"}))
    api.archive(created.id)

    assert created.properties["hs_object_id"] == created.id
    assert fetched.id == created.id
    assert fetched.properties["phone"] is None  # asked for but unset: null, as HubSpot answers
    assert fetched.properties["lastmodifieddate"] == created.properties["lastmodifieddate"]
    assert updated.properties["lastname"] == "Hopper"
    assert updated.updated_at >= created.updated_at
    with pytest.raises(ApiException) as raised:
        api.get_by_id(created.id)
    assert raised.value.status == 404
    assert _error_body(raised.value)["category"] == "OBJECT_NOT_FOUND"
    archived = api.get_by_id(created.id, archived=True)
    assert archived.archived is True


def test_creating_a_second_contact_with_the_same_email_is_a_conflict(
    hubspot_client: hubspot.HubSpot,
) -> None:
    api = hubspot_client.crm.contacts.basic_api
    first = api.create(SimplePublicObjectInputForCreate(properties={"email": "dup@example.com"}))

    with pytest.raises(ApiException) as raised:
        api.create(SimplePublicObjectInputForCreate(properties={"email": "DUP@example.com"}))

    assert raised.value.status == 409
    body = _error_body(raised.value)
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {first.id}"


def test_list_pages_with_after_until_the_last_page(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    for i in range(25):
        hubspot_sandbox.state.create("contacts", {"email": f"l{i}@example.com"})
    seen: list[str] = []
    after = None
    for _ in range(10):  # bounded: 25 records in pages of 10 need 3 requests
        page = hubspot_client.crm.contacts.basic_api.get_page(limit=10, after=after)
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after

    assert len(seen) == 25
    assert seen == sorted(seen, key=int)
    assert hubspot_sandbox.state.counters.requests["GET /crm/v3/objects/contacts"] == 3


def test_batch_update_by_id_and_unknown_ids_as_errors(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    known = hubspot_sandbox.state.create("contacts", {"email": "u@example.com"})

    response = hubspot_client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id=known.id, properties={"city": "Lyon"}),
                SimplePublicObjectBatchInput(id="999999", properties={"city": "Paris"}),
            ]
        )
    )

    assert [r.properties["city"] for r in response.results] == ["Lyon"]
    assert response.errors[0].category == "OBJECT_NOT_FOUND"
    assert response.errors[0].context == {"ids": ["999999"]}


def test_batch_read_of_unknown_ids_is_a_207(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    known = hubspot_sandbox.state.create("contacts", {"email": "r@example.com"})

    response = hubspot_client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=known.id), SimplePublicObjectId(id="424242")],
            properties=["email"],
            properties_with_history=[],
        )
    )

    assert [r.id for r in response.results] == [known.id]
    assert response.errors[0].context == {"ids": ["424242"]}


def test_more_than_100_inputs_is_refused_whole(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    emails = [f"p{i}@example.com" for i in range(101)]

    with pytest.raises(ApiException) as raised:
        hubspot_client.crm.contacts.batch_api.upsert(_upsert_inputs(emails))

    assert raised.value.status == 400
    assert "exceeds the limit of 100" in str(_error_body(raised.value)["message"])
    assert hubspot_sandbox.state.records.count("contacts") == 0


def test_duplicate_ids_in_one_batch_are_refused(hubspot_client: hubspot.HubSpot) -> None:
    with pytest.raises(ApiException) as raised:
        hubspot_client.crm.contacts.batch_api.upsert(
            _upsert_inputs(["same@example.com", "SAME@example.com"])
        )

    assert raised.value.status == 400
    assert "Duplicate IDs" in str(_error_body(raised.value)["message"])


def test_upsert_by_a_property_that_is_not_unique_is_refused(
    hubspot_client: hubspot.HubSpot,
) -> None:
    batch = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(id_property="firstname", id="Ada", properties={})
        ]
    )

    with pytest.raises(ApiException) as raised:
        hubspot_client.crm.contacts.batch_api.upsert(batch)

    assert raised.value.status == 400


def test_companies_use_hs_lastmodifieddate(hubspot_client: hubspot.HubSpot) -> None:
    company = hubspot_client.crm.companies.basic_api.create(
        CompanyInput(properties={"name": "Acme", "domain": "acme.example"})
    )

    assert company.properties["name"] == "Acme"
    assert "hs_lastmodifieddate" in company.properties
    assert "lastmodifieddate" not in company.properties


def test_values_are_normalised_to_hubspot_strings(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    created = hubspot_client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "  Mixed.Case@Example.COM ", "hs_email_optout": "TRUE"}
        )
    )

    assert created.properties["email"] == "mixed.case@example.com"
    assert created.properties["hs_email_optout"] == "true"


def test_enumeration_values_outside_the_options_are_refused(
    hubspot_client: hubspot.HubSpot,
) -> None:
    with pytest.raises(ApiException) as raised:
        hubspot_client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(
                properties={"email": "e@example.com", "lifecyclestage": "champion"}
            )
        )

    assert '"error":"INVALID_OPTION"' in str(_error_body(raised.value)["message"])
