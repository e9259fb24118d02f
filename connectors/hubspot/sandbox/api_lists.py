"""Lists v3: create, find by id or name, search, memberships (add, remove, page)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import bad_request, not_found
from .routing import json_response, no_content, read_json, read_object, sandbox_state
from .timeutil import iso

__all__ = ["routes"]

_MAX_PAGE = 250


def _id_array(body: Any) -> list[str]:
    if not isinstance(body, list):
        raise bad_request("Body must be a JSON array of record ids")
    return [str(record_id) for record_id in body]


async def create_list(request: Request) -> Response:
    crm_list = sandbox_state(request).lists.create(await read_object(request))
    return json_response({"list": crm_list.to_json()})


async def get_lists(request: Request) -> Response:
    wanted = set(request.query_params.getlist("listIds"))
    lists = [
        lst for lst in sandbox_state(request).lists.all() if not wanted or lst.list_id in wanted
    ]
    return json_response({"lists": [lst.to_json() for lst in lists]})


async def get_list(request: Request) -> Response:
    crm_list = sandbox_state(request).lists.get(request.path_params["list_id"])
    return json_response({"list": crm_list.to_json()})


async def get_list_by_name(request: Request) -> Response:
    object_type_id, name = request.path_params["object_type_id"], request.path_params["name"]
    crm_list = sandbox_state(request).lists.find_by_name(object_type_id, name)
    if crm_list is None:
        raise not_found(f"List with name {name} does not exist")
    return json_response({"list": crm_list.to_json()})


async def delete_list(request: Request) -> Response:
    sandbox_state(request).lists.delete(request.path_params["list_id"])
    return no_content()


async def rename_list(request: Request) -> Response:
    name = request.query_params.get("listName", "").strip()
    if not name:
        raise bad_request("listName is required")
    crm_list = sandbox_state(request).lists.rename(request.path_params["list_id"], name)
    return json_response({"updatedList": crm_list.to_json()})


async def search_lists(request: Request) -> Response:
    body = await read_object(request)
    query = str(body.get("query") or "").lower()
    types = set(body.get("processingTypes") or [])
    offset, count = int(body.get("offset") or 0), int(body.get("count") or 20)
    found = [
        lst
        for lst in sandbox_state(request).lists.all()
        if query in lst.name.lower() and (not types or lst.processing_type in types)
    ]
    page = found[offset : offset + count]
    return json_response(
        {
            "lists": [lst.to_search_json() for lst in page],
            "total": len(found),
            "offset": offset + len(page),
            "hasMore": offset + count < len(found),
        }
    )


async def add_members(request: Request) -> Response:
    lists = sandbox_state(request).lists
    change = lists.change(request.path_params["list_id"], _id_array(await read_json(request)), [])
    return json_response(change.to_json())


async def remove_members(request: Request) -> Response:
    lists = sandbox_state(request).lists
    change = lists.change(request.path_params["list_id"], [], _id_array(await read_json(request)))
    return json_response(change.to_json())


async def add_and_remove_members(request: Request) -> Response:
    body = await read_object(request)
    change = sandbox_state(request).lists.change(
        request.path_params["list_id"],
        _id_array(body.get("recordIdsToAdd") or []),
        _id_array(body.get("recordIdsToRemove") or []),
    )
    return json_response(change.to_json())


async def clear_members(request: Request) -> Response:
    sandbox_state(request).lists.clear(request.path_params["list_id"])
    return no_content()


async def page_members(request: Request) -> Response:
    members = sandbox_state(request).lists.members(request.path_params["list_id"])
    try:
        limit = int(request.query_params.get("limit", 100))
        offset = int(request.query_params.get("after") or 0)
    except ValueError:
        raise bad_request("'limit' and 'after' must be integers") from None
    if not 1 <= limit <= _MAX_PAGE:
        raise bad_request(f"limit must be between 1 and {_MAX_PAGE}")
    page = members[offset : offset + limit]
    body: dict[str, Any] = {
        "results": [
            {"recordId": record_id, "membershipTimestamp": iso(added)} for record_id, added in page
        ],
        "total": len(members),
    }
    if offset + limit < len(members):
        body["paging"] = {"next": {"after": str(offset + limit)}}
    return json_response(body)


async def record_memberships(request: Request) -> Response:
    found = sandbox_state(request).lists.lists_of(
        request.path_params["object_type_id"], request.path_params["record_id"]
    )
    return json_response(
        {
            "results": [
                {
                    "listId": lst.list_id,
                    "listVersion": lst.version,
                    "firstAddedTimestamp": iso(added),
                    "lastAddedTimestamp": iso(added),
                }
                for lst, added in found
            ],
            "total": len(found),
        }
    )


_LIST = "/crm/v3/lists/{list_id}"
routes = [
    Route("/crm/v3/lists", create_list, methods=["POST"]),
    Route("/crm/v3/lists/", create_list, methods=["POST"]),
    Route("/crm/v3/lists", get_lists, methods=["GET"]),
    Route("/crm/v3/lists/", get_lists, methods=["GET"]),
    Route("/crm/v3/lists/search", search_lists, methods=["POST"]),
    Route(
        "/crm/v3/lists/object-type-id/{object_type_id}/name/{name}",
        get_list_by_name,
        methods=["GET"],
    ),
    Route(
        "/crm/v3/lists/records/{object_type_id}/{record_id}/memberships",
        record_memberships,
        methods=["GET"],
    ),
    Route(_LIST, get_list, methods=["GET"]),
    Route(_LIST, delete_list, methods=["DELETE"]),
    Route(f"{_LIST}/update-list-name", rename_list, methods=["PUT"]),
    Route(f"{_LIST}/memberships/add", add_members, methods=["PUT"]),
    Route(f"{_LIST}/memberships/remove", remove_members, methods=["PUT"]),
    Route(f"{_LIST}/memberships/add-and-remove", add_and_remove_members, methods=["PUT"]),
    Route(f"{_LIST}/memberships", page_members, methods=["GET"]),
    Route(f"{_LIST}/memberships", clear_members, methods=["DELETE"]),
]
