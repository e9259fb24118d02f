"""Associations v4: batch create/read/archive/associate-default and per-record endpoints.

Object ids in v4 bodies are strings, as HubSpot's v4 spec and the SDK's models type them.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .associations import labels
from .errors import HubSpotError, bad_request, standard_error
from .routing import (
    json_response,
    no_content,
    read_json,
    read_object,
    require_object_type,
    sandbox_state,
)
from .schema import AssociationType, ObjectType, association_type, default_association_type
from .shapes import batch_body
from .state import SandboxState
from .timeutil import utc_now

__all__ = ["routes"]


def _pair(request: Request, from_key: str, to_key: str) -> tuple[ObjectType, ObjectType]:
    return (
        require_object_type(request.path_params[from_key]),
        require_object_type(request.path_params[to_key]),
    )


def _spec_type(spec: Any, from_type: ObjectType, to_type: ObjectType) -> AssociationType:
    """The association type an `AssociationSpec` names, checked against the pair."""
    try:
        type_id = int(spec["associationTypeId"])
    except (KeyError, TypeError, ValueError):
        raise bad_request("Each association type needs an 'associationTypeId'") from None
    kind = association_type(type_id)
    if kind is None or (kind.from_type, kind.to_type) != (from_type.name, to_type.name):
        raise bad_request(
            f"associationTypeId {type_id} does not go from {from_type.name} to {to_type.name}"
        )
    return kind


def _default_type(from_type: ObjectType, to_type: ObjectType) -> AssociationType:
    kind = default_association_type(from_type.name, to_type.name)
    if kind is None:
        raise bad_request(f"{from_type.name} cannot be associated with {to_type.name}")
    return kind


def _check_exists(
    state: SandboxState, from_type: ObjectType, from_id: str, to_type: ObjectType, to_id: str
) -> None:
    state.records.get(from_type.name, from_id)
    state.records.get(to_type.name, to_id)


def _pair_body(
    from_type: ObjectType, from_id: str, to_type: ObjectType, to_id: str, type_ids: list[int]
) -> dict[str, Any]:
    return {
        "fromObjectTypeId": from_type.type_id,
        "fromObjectId": from_id,
        "toObjectTypeId": to_type.type_id,
        "toObjectId": to_id,
        "labels": labels(type_ids),
    }


def _associated(
    state: SandboxState, from_type: ObjectType, from_id: str, to_type: ObjectType
) -> list[dict[str, Any]]:
    """`MultiAssociatedObjectWithLabel`s of one record towards one type."""
    found = []
    for to_id, type_ids in state.associations.of(from_type.name, from_id, to_type.name):
        kinds = [k for i in type_ids if (k := association_type(i)) is not None]
        found.append(
            {
                "toObjectId": to_id,
                "associationTypes": [
                    {"category": k.category, "typeId": k.type_id, "label": k.label} for k in kinds
                ],
            }
        )
    return found


def _inputs(state: SandboxState, body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise bad_request("Batch body needs an 'inputs' array of objects")
    if len(inputs) > state.config.batch_max_inputs:
        raise bad_request(
            f"Batch input of {len(inputs)} items exceeds the limit of "
            f"{state.config.batch_max_inputs}"
        )
    return inputs


def _object_id(raw: Any) -> str:
    if not isinstance(raw, dict) or raw.get("id") in (None, ""):
        raise bad_request("'from' and 'to' need an 'id'")
    return str(raw["id"])


async def batch_create(request: Request) -> Response:
    state = sandbox_state(request)
    from_type, to_type = _pair(request, "from_type", "to_type")
    started = utc_now()
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in _inputs(state, await read_object(request)):
        from_id, to_id = _object_id(item.get("from")), _object_id(item.get("to"))
        try:
            kinds = [_spec_type(s, from_type, to_type) for s in item.get("types") or []]
            if not kinds:
                raise bad_request("Each input needs at least one association type")
            _check_exists(state, from_type, from_id, to_type, to_id)
        except HubSpotError as exc:
            errors.append(exc.as_standard_error({"fromObjectId": [from_id], "toObjectId": [to_id]}))
            continue
        held: set[int] = set()
        for kind in kinds:
            held = state.associations.add(from_type.name, from_id, to_type.name, to_id, kind)
        results.append(_pair_body(from_type, from_id, to_type, to_id, sorted(held)))
    return json_response(batch_body(results, errors, started), 207 if errors else 201)


async def batch_associate_default(request: Request) -> Response:
    state = sandbox_state(request)
    from_type, to_type = _pair(request, "from_type", "to_type")
    kind = _default_type(from_type, to_type)
    started = utc_now()
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in _inputs(state, await read_object(request)):
        from_id, to_id = _object_id(item.get("from")), _object_id(item.get("to"))
        try:
            _check_exists(state, from_type, from_id, to_type, to_id)
        except HubSpotError as exc:
            errors.append(exc.as_standard_error({"fromObjectId": [from_id], "toObjectId": [to_id]}))
            continue
        state.associations.add(from_type.name, from_id, to_type.name, to_id, kind)
        results.append(
            {
                "from": {"id": from_id},
                "to": {"id": to_id},
                "associationSpec": {
                    "associationCategory": kind.category,
                    "associationTypeId": kind.type_id,
                },
            }
        )
    return json_response(batch_body(results, errors, started), 207 if errors else 200)


async def batch_read(request: Request) -> Response:
    state = sandbox_state(request)
    from_type, to_type = _pair(request, "from_type", "to_type")
    started = utc_now()
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in _inputs(state, await read_object(request)):
        from_id = str(item.get("id") or "")
        associated = _associated(state, from_type, from_id, to_type)
        if associated:
            results.append({"from": {"id": from_id}, "to": associated})
        else:
            errors.append(
                standard_error(
                    "OBJECT_NOT_FOUND",
                    f"No {to_type.singular} is associated with {from_type.singular} {from_id}.",
                    context={"fromObjectId": [from_id]},
                    sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
                )
            )
    return json_response(batch_body(results, errors, started), 207 if errors else 200)


async def batch_archive(request: Request) -> Response:
    state = sandbox_state(request)
    from_type, to_type = _pair(request, "from_type", "to_type")
    for item in _inputs(state, await read_object(request)):
        from_id = _object_id(item.get("from"))
        for target in item.get("to") or []:
            state.associations.remove(from_type.name, from_id, to_type.name, _object_id(target))
    return no_content()


async def read_record_associations(request: Request) -> Response:
    state = sandbox_state(request)
    from_type, to_type = _pair(request, "object_type", "to_object_type")
    from_id = request.path_params["object_id"]
    state.records.get(from_type.name, from_id)
    try:
        limit = int(request.query_params.get("limit", 500))
        offset = int(request.query_params.get("after") or 0)
    except ValueError:
        raise bad_request("'limit' and 'after' must be integers") from None
    associated = _associated(state, from_type, from_id, to_type)
    body: dict[str, Any] = {"results": associated[offset : offset + limit]}
    if offset + limit < len(associated):
        body["paging"] = {"next": {"after": str(offset + limit)}}
    return json_response(body)


async def create_labelled(request: Request) -> Response:
    state = sandbox_state(request)
    from_type, to_type = _pair(request, "object_type", "to_object_type")
    from_id, to_id = request.path_params["object_id"], request.path_params["to_object_id"]
    specs = await read_json(request)
    if not isinstance(specs, list) or not specs:
        raise bad_request("Body must be a non-empty array of association types")
    kinds = [_spec_type(spec, from_type, to_type) for spec in specs]
    _check_exists(state, from_type, from_id, to_type, to_id)
    held: set[int] = set()
    for kind in kinds:
        held = state.associations.add(from_type.name, from_id, to_type.name, to_id, kind)
    return json_response(_pair_body(from_type, from_id, to_type, to_id, sorted(held)), 201)


async def create_default(request: Request) -> Response:
    state = sandbox_state(request)
    from_type, to_type = _pair(request, "object_type", "to_object_type")
    from_id, to_id = request.path_params["object_id"], request.path_params["to_object_id"]
    kind = _default_type(from_type, to_type)
    started = utc_now()
    _check_exists(state, from_type, from_id, to_type, to_id)
    state.associations.add(from_type.name, from_id, to_type.name, to_id, kind)
    result = {
        "from": {"id": from_id},
        "to": {"id": to_id},
        "associationSpec": {
            "associationCategory": kind.category,
            "associationTypeId": kind.type_id,
        },
    }
    return json_response(batch_body([result], [], started))


async def archive_pair(request: Request) -> Response:
    state = sandbox_state(request)
    from_type, to_type = _pair(request, "object_type", "to_object_type")
    state.associations.remove(
        from_type.name,
        request.path_params["object_id"],
        to_type.name,
        request.path_params["to_object_id"],
    )
    return no_content()


_BATCH = "/crm/v4/associations/{from_type}/{to_type}/batch"
_RECORD = "/crm/v4/objects/{object_type}/{object_id}/associations"
routes = [
    Route(f"{_BATCH}/create", batch_create, methods=["POST"]),
    Route(f"{_BATCH}/associate/default", batch_associate_default, methods=["POST"]),
    Route(f"{_BATCH}/read", batch_read, methods=["POST"]),
    Route(f"{_BATCH}/archive", batch_archive, methods=["POST"]),
    Route(
        f"{_RECORD}/default/{{to_object_type}}/{{to_object_id}}", create_default, methods=["PUT"]
    ),
    Route(f"{_RECORD}/{{to_object_type}}", read_record_associations, methods=["GET"]),
    Route(f"{_RECORD}/{{to_object_type}}/{{to_object_id}}", create_labelled, methods=["PUT"]),
    Route(f"{_RECORD}/{{to_object_type}}/{{to_object_id}}", archive_pair, methods=["DELETE"]),
]
