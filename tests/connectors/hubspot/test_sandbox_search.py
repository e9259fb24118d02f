"""CRM search through the official SDK: filters, sorts, paging and the result cap."""

from __future__ import annotations

import json
from typing import Any

import hubspot
import pytest
from hubspot.crm.contacts import PublicObjectSearchRequest
from hubspot.crm.contacts.exceptions import ApiException

from connectors.hubspot.sandbox import SandboxServer

# A small cap keeps the cap tests fast; HubSpot's is 10,000 (the config default).
CAPPED = {"search_result_cap": 50, "search_limit": 1000}
UNLIMITED_SEARCH = {"search_limit": 1000}


def _seed(sandbox: SandboxServer, count: int) -> list[str]:
    return [
        sandbox.state.create(
            "contacts",
            {
                "email": f"s{i}@example.com",
                "firstname": "Even" if i % 2 == 0 else "Odd",
                "lifecyclestage": "customer" if i % 3 == 0 else "lead",
                **({"phone": f"+3312345{i:04d}"} if i % 5 == 0 else {}),
            },
        ).id
        for i in range(count)
    ]


def _search(client: hubspot.HubSpot, **request: Any) -> Any:
    return client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(**request))


def _filter(name: str, operator: str, **values: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [{"propertyName": name, "operator": operator, **values}]}]}


@pytest.mark.parametrize("hubspot_sandbox", [UNLIMITED_SEARCH], indirect=True)
def test_filtered_search_pages_through_every_match(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    ids = _seed(hubspot_sandbox, 30)
    found: list[str] = []
    after = None
    for _ in range(10):  # bounded: 15 matches in pages of 4 need 4 requests
        page = _search(
            hubspot_client,
            filter_groups=[
                {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "even"}]}
            ],
            properties=["email", "firstname"],
            limit=4,
            after=after,
        )
        assert page.total == 15
        found += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after

    assert found == ids[0::2]
    assert page.results[0].properties["firstname"] == "Even"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_filter("lifecyclestage", "EQ", value="customer"), [0, 3, 6, 9]),
        (_filter("lifecyclestage", "NEQ", value="lead"), [0, 3, 6, 9]),
        (_filter("hs_object_id", "GT", value="100008"), [8, 9]),
        (_filter("hs_object_id", "GTE", value="100008"), [7, 8, 9]),
        (_filter("hs_object_id", "LT", value="100003"), [0, 1]),
        (_filter("hs_object_id", "LTE", value="100003"), [0, 1, 2]),
        (_filter("hs_object_id", "BETWEEN", value="100004", highValue="100006"), [3, 4, 5]),
        (_filter("email", "IN", values=["s1@example.com", "S4@EXAMPLE.COM"]), [1, 4]),
        (_filter("lifecyclestage", "NOT_IN", values=["lead"]), [0, 3, 6, 9]),
        (_filter("phone", "HAS_PROPERTY"), [0, 5]),
        (_filter("phone", "NOT_HAS_PROPERTY"), [1, 2, 3, 4, 6, 7, 8, 9]),
        (_filter("email", "CONTAINS_TOKEN", value="s1*"), [1]),
        (
            {
                "filterGroups": [
                    {
                        "filters": [
                            {"propertyName": "firstname", "operator": "EQ", "value": "Odd"},
                            {"propertyName": "hs_object_id", "operator": "LT", "value": "100005"},
                        ]
                    },
                    {
                        "filters": [
                            {"propertyName": "email", "operator": "EQ", "value": "s8@example.com"}
                        ]
                    },
                ]
            },
            [1, 3, 8],
        ),
        ({"query": "s7@"}, [7]),
    ],
    ids=[
        "EQ",
        "NEQ",
        "GT",
        "GTE",
        "LT",
        "LTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "groups-or-filters-and",
        "query",
    ],
)
@pytest.mark.parametrize("hubspot_sandbox", [UNLIMITED_SEARCH], indirect=True)
def test_filter_operators(
    hubspot_sandbox: SandboxServer,
    hubspot_client: hubspot.HubSpot,
    body: dict[str, Any],
    expected: list[int],
) -> None:
    ids = _seed(hubspot_sandbox, 10)
    assert ids[0] == "100001"  # the filters above are written against these ids

    page = _search(hubspot_client, limit=100, **{_snake(k): v for k, v in body.items()})

    assert [r.id for r in page.results] == [ids[i] for i in expected]


def _snake(key: str) -> str:
    return {"filterGroups": "filter_groups"}.get(key, key)


@pytest.mark.parametrize("hubspot_sandbox", [UNLIMITED_SEARCH], indirect=True)
def test_datetime_filters_take_epoch_milliseconds_and_sorts_descend(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    ids = _seed(hubspot_sandbox, 3)
    hubspot_sandbox.state.modify("contacts", ids[1], {"city": "Oslo"})
    touched = hubspot_sandbox.state.records.get("contacts", ids[1])
    stamp = touched.updated_at.timestamp() * 1000

    page = _search(
        hubspot_client,
        filter_groups=[
            {
                "filters": [
                    {
                        "propertyName": "lastmodifieddate",
                        "operator": "GTE",
                        "value": str(int(stamp)),
                    }
                ]
            }
        ],
        sorts=["-hs_object_id"],
        limit=10,
    )
    everything = _search(hubspot_client, sorts=["-hs_object_id"], limit=10)

    assert ids[1] in [r.id for r in page.results]
    assert [r.id for r in everything.results] == list(reversed(ids))


@pytest.mark.parametrize("hubspot_sandbox", [CAPPED], indirect=True)
def test_paging_past_the_result_cap_is_refused(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    _seed(hubspot_sandbox, 70)
    pages = 0
    after = None
    for _ in range(20):  # bounded: following the cursor reaches the cap after 3 pages
        page = _search(hubspot_client, limit=20, after=after)
        pages += 1
        assert page.total == 70  # HubSpot still reports the full total
        after = page.paging.next.after
        if int(after) >= 50:
            break

    with pytest.raises(ApiException) as raised:
        _search(hubspot_client, limit=20, after=after)

    assert pages == 3
    assert after == "50"
    assert raised.value.status == 400
    body = json.loads(raised.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert "50" in body["message"]


@pytest.mark.parametrize("hubspot_sandbox", [CAPPED], indirect=True)
def test_windowing_on_hs_object_id_reads_past_the_cap(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    ids = _seed(hubspot_sandbox, 70)
    seen: list[str] = []
    floor = "0"
    for _ in range(10):  # bounded: 70 records in windows of at most 50
        window: list[str] = []
        after = None
        for _ in range(10):
            page = _search(
                hubspot_client,
                filter_groups=[
                    {
                        "filters": [
                            {"propertyName": "hs_object_id", "operator": "GT", "value": floor}
                        ]
                    }
                ],
                sorts=["hs_object_id"],
                limit=20,
                after=after,
            )
            window += [r.id for r in page.results]
            if page.paging is None or int(page.paging.next.after) >= 50:
                break
            after = page.paging.next.after
        if not window:
            break
        seen += window
        floor = window[-1]

    assert seen == ids


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"limit": 201}, "limit"),
        (_filter("shoe_size", "EQ", value="9"), "shoe_size"),
        pytest.param(_filter("email", "SOUNDS_LIKE", value="x"), "SOUNDS_LIKE",
                     marks=pytest.mark.breaks_contract),
        (_filter("hs_object_id", "GT", value="not-a-number"), "not-a-number"),
        ({"filterGroups": [{"filters": []}] * 6}, "filterGroups"),
    ],
    ids=["limit-over-200", "unknown-property", "unknown-operator", "bad-number", "six-groups"],
)
def test_malformed_searches_are_400(
    hubspot_client: hubspot.HubSpot, request_body: dict[str, Any], message: str
) -> None:
    with pytest.raises(ApiException) as raised:
        _search(hubspot_client, **{_snake(k): v for k, v in request_body.items()})

    assert raised.value.status == 400
    assert message in json.loads(raised.value.body)["message"]
