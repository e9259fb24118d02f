"""`/crm/v3/properties/{objectType}`: property definitions and property groups."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .routing import json_response, no_content, read_object, require_object_type, sandbox_state

__all__ = ["routes"]


def _type_name(request: Request) -> str:
    return require_object_type(request.path_params["object_type"]).name


async def list_properties(request: Request) -> Response:
    catalog = sandbox_state(request).catalog
    return json_response({"results": [d.to_json() for d in catalog.all(_type_name(request))]})


async def get_property(request: Request) -> Response:
    catalog = sandbox_state(request).catalog
    definition = catalog.require(_type_name(request), request.path_params["name"])
    return json_response(definition.to_json())


async def create_property(request: Request) -> Response:
    catalog = sandbox_state(request).catalog
    definition = catalog.create(_type_name(request), await read_object(request))
    return json_response(definition.to_json(), 201)


async def update_property(request: Request) -> Response:
    catalog = sandbox_state(request).catalog
    definition = catalog.update(
        _type_name(request), request.path_params["name"], await read_object(request)
    )
    return json_response(definition.to_json())


async def archive_property(request: Request) -> Response:
    sandbox_state(request).catalog.archive(_type_name(request), request.path_params["name"])
    return no_content()


async def list_groups(request: Request) -> Response:
    catalog = sandbox_state(request).catalog
    return json_response({"results": [g.to_json() for g in catalog.groups(_type_name(request))]})


async def get_group(request: Request) -> Response:
    catalog = sandbox_state(request).catalog
    return json_response(catalog.group(_type_name(request), request.path_params["name"]).to_json())


async def create_group(request: Request) -> Response:
    catalog = sandbox_state(request).catalog
    group = catalog.create_group(_type_name(request), await read_object(request))
    return json_response(group.to_json(), 201)


async def update_group(request: Request) -> Response:
    catalog = sandbox_state(request).catalog
    group = catalog.update_group(
        _type_name(request), request.path_params["name"], await read_object(request)
    )
    return json_response(group.to_json())


async def archive_group(request: Request) -> Response:
    sandbox_state(request).catalog.archive_group(_type_name(request), request.path_params["name"])
    return no_content()


_PROPERTIES = "/crm/v3/properties/{object_type}"
routes = [
    Route(f"{_PROPERTIES}/groups", list_groups, methods=["GET"]),
    Route(f"{_PROPERTIES}/groups", create_group, methods=["POST"]),
    Route(f"{_PROPERTIES}/groups/{{name}}", get_group, methods=["GET"]),
    Route(f"{_PROPERTIES}/groups/{{name}}", update_group, methods=["PATCH"]),
    Route(f"{_PROPERTIES}/groups/{{name}}", archive_group, methods=["DELETE"]),
    Route(_PROPERTIES, list_properties, methods=["GET"]),
    Route(_PROPERTIES, create_property, methods=["POST"]),
    Route(f"{_PROPERTIES}/{{name}}", get_property, methods=["GET"]),
    Route(f"{_PROPERTIES}/{{name}}", update_property, methods=["PATCH"]),
    Route(f"{_PROPERTIES}/{{name}}", archive_property, methods=["DELETE"]),
]
