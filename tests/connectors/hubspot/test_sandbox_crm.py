"""Properties, lists, associations and deals through the official SDK."""

from __future__ import annotations

import json

import hubspot
import pytest
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiPost,
    PublicDefaultAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputUpsert,
    SimplePublicObjectBatchInputUpsert,
)
from hubspot.crm.deals import AssociationSpec as DealAssociationSpec
from hubspot.crm.deals import PublicAssociationsForObject
from hubspot.crm.deals import PublicObjectId as DealTarget
from hubspot.crm.deals import SimplePublicObjectInputForCreate as DealInput
from hubspot.crm.deals.exceptions import ApiException as DealsApiException
from hubspot.crm.lists import ListCreateRequest, MembershipChangeRequest
from hubspot.crm.lists.exceptions import ApiException as ListsApiException
from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

from connectors.hubspot.sandbox import SandboxServer
from connectors.hubspot.sandbox.schema import association_type


def _contacts(sandbox: SandboxServer, count: int) -> list[str]:
    return [
        sandbox.state.create("contacts", {"email": f"c{i}@example.com"}).id for i in range(count)
    ]


# -- properties ----------------------------------------------------------------------------


def test_a_custom_unique_property_can_be_created_and_upserted_by(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    created = hubspot_client.crm.properties.core_api.create(
        "contacts",
        PropertyCreate(
            name="shop_customer_id",
            label="Shop customer id",
            type="string",
            field_type="text",
            group_name="contactinformation",
            has_unique_value=True,
        ),
    )
    batch = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(
                id_property="shop_customer_id", id="cust-1", properties={"firstname": "Lin"}
            )
        ]
    )
    first = hubspot_client.crm.contacts.batch_api.upsert(batch)
    again = hubspot_client.crm.contacts.batch_api.upsert(batch)
    listed = hubspot_client.crm.properties.core_api.get_all("contacts")
    fetched = hubspot_client.crm.properties.core_api.get_by_name("contacts", "shop_customer_id")

    assert created.has_unique_value is True
    assert created.hubspot_defined is False
    assert "shop_customer_id" in {p.name for p in listed.results}
    assert {"email", "firstname", "hs_object_id", "lastmodifieddate"} <= {
        p.name for p in listed.results
    }
    assert fetched.label == "Shop customer id"
    assert (first.results[0].new, again.results[0].new) == (True, False)
    assert first.results[0].properties["shop_customer_id"] == "cust-1"
    assert hubspot_sandbox.state.records.count("contacts") == 1


def test_an_existing_property_name_is_a_409(hubspot_client: hubspot.HubSpot) -> None:
    with pytest.raises(PropertiesApiException) as raised:
        hubspot_client.crm.properties.core_api.create(
            "contacts",
            PropertyCreate(
                name="email",
                label="Email",
                type="string",
                field_type="text",
                group_name="contactinformation",
            ),
        )

    assert raised.value.status == 409
    assert json.loads(raised.value.body)["category"] == "OBJECT_ALREADY_EXISTS"


def test_property_groups_are_listed_and_created(hubspot_client: hubspot.HubSpot) -> None:
    groups_api = hubspot_client.crm.properties.groups_api

    created = groups_api.create("companies", PropertyGroupCreate(name="shop", label="Shop"))
    names = {group.name for group in groups_api.get_all("companies").results}

    assert created.name == "shop"
    assert names == {"companyinformation", "shop"}


def test_a_property_in_an_unknown_group_is_refused(hubspot_client: hubspot.HubSpot) -> None:
    with pytest.raises(PropertiesApiException) as raised:
        hubspot_client.crm.properties.core_api.create(
            "deals",
            PropertyCreate(
                name="coupon", label="Coupon", type="string", field_type="text", group_name="nope"
            ),
        )

    assert raised.value.status == 400


# -- lists ---------------------------------------------------------------------------------


def test_manual_list_memberships_add_remove_and_page(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    ids = _contacts(hubspot_sandbox, 7)
    lists_api = hubspot_client.crm.lists.lists_api
    memberships = hubspot_client.crm.lists.memberships_api

    created = lists_api.create(
        ListCreateRequest(name="VIP customers", object_type_id="0-1", processing_type="MANUAL")
    )
    list_id = created.list.list_id
    added = memberships.add(list_id, [*ids[:5], "999999"])
    again = memberships.add(list_id, ids[:2])
    removed = memberships.remove(list_id, [ids[0]])
    pages: list[str] = []
    after = None
    for _ in range(5):  # bounded: 4 members in pages of 3 need 2 requests
        page = memberships.get_page(list_id, limit=3, after=after)
        pages += [member.record_id for member in page.results]
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
    found = lists_api.get_by_name(list_name="VIP customers", object_type_id="0-1")

    assert created.list.processing_type == "MANUAL"
    assert added.records_ids_added == ids[:5]
    assert added.record_ids_missing == ["999999"]
    assert again.records_ids_added == []
    assert removed.record_ids_removed == [ids[0]]
    assert pages == ids[1:5]
    assert found.list.list_id == list_id
    assert found.list.size == 4


def test_add_and_remove_in_one_call(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    ids = _contacts(hubspot_sandbox, 3)
    list_id = hubspot_client.crm.lists.lists_api.create(
        ListCreateRequest(name="Newsletter", object_type_id="0-1", processing_type="SNAPSHOT")
    ).list.list_id
    hubspot_client.crm.lists.memberships_api.add(list_id, ids[:2])

    change = hubspot_client.crm.lists.memberships_api.add_and_remove(
        list_id, MembershipChangeRequest(record_ids_to_add=[ids[2]], record_ids_to_remove=[ids[0]])
    )

    assert change.records_ids_added == [ids[2]]
    assert change.record_ids_removed == [ids[0]]
    assert [m[0] for m in hubspot_sandbox.state.lists.members(list_id)] == ids[1:]


def test_dynamic_lists_refuse_membership_writes(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    ids = _contacts(hubspot_sandbox, 1)
    list_id = hubspot_client.crm.lists.lists_api.create(
        ListCreateRequest(name="Active", object_type_id="0-1", processing_type="DYNAMIC")
    ).list.list_id

    with pytest.raises(ListsApiException) as raised:
        hubspot_client.crm.lists.memberships_api.add(list_id, ids)

    assert raised.value.status == 400


def test_an_unknown_list_name_is_a_404(hubspot_client: hubspot.HubSpot) -> None:
    with pytest.raises(ListsApiException) as raised:
        hubspot_client.crm.lists.lists_api.get_by_name(list_name="nope", object_type_id="0-1")

    assert raised.value.status == 404


def test_archived_contacts_leave_their_lists(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    ids = _contacts(hubspot_sandbox, 2)
    list_id = hubspot_client.crm.lists.lists_api.create(
        ListCreateRequest(name="Leavers", object_type_id="0-1", processing_type="MANUAL")
    ).list.list_id
    hubspot_client.crm.lists.memberships_api.add(list_id, ids)

    hubspot_client.crm.contacts.basic_api.archive(ids[0])

    page = hubspot_client.crm.lists.memberships_api.get_page(list_id)
    assert [m.record_id for m in page.results] == [ids[1]]


# -- associations --------------------------------------------------------------------------


def test_contacts_associate_to_companies_and_read_back_both_ways(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    contacts = _contacts(hubspot_sandbox, 2)
    company = hubspot_sandbox.state.create("companies", {"name": "Acme"}).id
    v4 = hubspot_client.crm.associations.v4

    created = v4.batch_api.create(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiPost(
            inputs=[
                PublicAssociationMultiPost(
                    _from=PublicObjectId(id=contacts[0]),
                    to=PublicObjectId(id=company),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=1
                        )
                    ],
                )
            ]
        ),
    )
    v4.batch_api.create_default(
        "contacts",
        "companies",
        BatchInputPublicDefaultAssociationMultiPost(
            inputs=[
                PublicDefaultAssociationMultiPost(
                    _from=PublicObjectId(id=contacts[1]), to=PublicObjectId(id=company)
                )
            ]
        ),
    )
    from_company = v4.basic_api.get_page("companies", company, "contacts")
    batch_read = v4.batch_api.get_page(
        "contacts",
        "companies",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=contacts[0])]
        ),
    )
    contact = hubspot_client.crm.contacts.basic_api.get_by_id(
        contacts[0], associations=["companies"]
    )

    assert created.results[0].labels == ["Primary"]
    assert created.results[0].to_object_id == company
    assert [r.to_object_id for r in from_company.results] == contacts
    primary_types = {t.type_id for t in from_company.results[0].association_types}
    assert primary_types == {2, 280}  # the inverse of Primary, plus the unlabelled default
    assert {t.type_id for t in batch_read.results[0].to[0].association_types} == {1, 279}
    assert {a.type for a in contact.associations["companies"].results} == {
        "contact_to_company",
        "contact_to_company_unlabeled",
    }


def test_a_second_primary_company_replaces_the_first(
    hubspot_sandbox: SandboxServer,
) -> None:
    state = hubspot_sandbox.state
    contact = state.create("contacts", {"email": "p@example.com"}).id
    first, second = (state.create("companies", {"name": n}).id for n in ("A", "B"))
    primary = state.associations

    kind = association_type(1)
    assert kind is not None
    for company in (first, second):
        primary.add("contacts", contact, "companies", company, kind)

    held = dict(primary.of("contacts", contact, "companies"))
    assert held == {first: [279], second: [1, 279]}


def test_associating_unknown_records_is_reported_per_input(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    contact = _contacts(hubspot_sandbox, 1)[0]

    response = hubspot_client.crm.associations.v4.batch_api.create(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiPost(
            inputs=[
                PublicAssociationMultiPost(
                    _from=PublicObjectId(id=contact),
                    to=PublicObjectId(id="123"),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=279
                        )
                    ],
                )
            ]
        ),
    )

    assert response.results == []
    assert response.errors[0].category == "OBJECT_NOT_FOUND"
    assert response.errors[0].context["toObjectId"] == ["123"]


# -- deals ---------------------------------------------------------------------------------


def test_a_closed_won_deal_is_created_with_its_contact(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    contact = _contacts(hubspot_sandbox, 1)[0]

    deal = hubspot_client.crm.deals.basic_api.create(
        DealInput(
            properties={
                "dealname": "Order 1001",
                "amount": "129.90",
                "dealstage": "closedwon",
                "pipeline": "default",
                "closedate": "2024-05-01T10:00:00Z",
            },
            associations=[
                PublicAssociationsForObject(
                    to=DealTarget(id=contact),
                    types=[
                        DealAssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=3
                        )
                    ],
                )
            ],
        )
    )
    contact_deals = hubspot_client.crm.associations.v4.basic_api.get_page(
        "contacts", contact, "deals"
    )

    assert deal.properties["dealstage"] == "closedwon"
    assert deal.properties["amount"] == "129.90"
    assert deal.properties["closedate"] == "2024-05-01T10:00:00.000Z"
    assert "hs_lastmodifieddate" in deal.properties
    assert [r.to_object_id for r in contact_deals.results] == [deal.id]
    assert {t.type_id for t in contact_deals.results[0].association_types} == {4}


def test_a_deal_stage_outside_the_pipeline_is_refused(hubspot_client: hubspot.HubSpot) -> None:
    with pytest.raises(DealsApiException) as raised:
        hubspot_client.crm.deals.basic_api.create(
            DealInput(properties={"dealname": "X", "dealstage": "won-ish"})
        )

    assert raised.value.status == 400
    assert "INVALID_OPTION" in json.loads(raised.value.body)["message"]
