"""`/crm/v3/objects/{objectType}`: basic CRUD, batch endpoints and search.

Batch endpoints take at most `batch_max_inputs` inputs and answer 207 (status COMPLETE) with
`results` for the inputs that worked and one `errors` entry per input that did not, its
`context` naming the input (`ids` for update/upsert/read, `inputIndex` for create).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import HubSpotError, bad_request, standard_error
from .records import Record
from .routing import (
    json_response,
    no_content,
    query_flag,
    query_list,
    read_object,
    require_object_type,
    sandbox_state,
)
from .schema import AssociationType, ObjectType, association_type, object_type
from .search import parse_search, run_search
from .shapes import batch_body, record_body
from .state import SandboxState
from .timeutil import utc_now

__all__ = ["routes"]


def _written(record: Record) -> dict[str, Any]:
    """A write's answer lists every property the record now has."""
    return record_body(record, sorted(record.properties))


def _with_associations(
    state: SandboxState, record: Record, wanted: list[str] | None, requested: list[str] | None
) -> dict[str, Any]:
    body = record_body(record, requested)
    found: dict[str, Any] = {}
    for name in wanted or ():
        to_type = object_type(name)
        if to_type is None:
            continue
        results = [
            {"id": to_id, "type": kind.name}
            for to_id, type_ids in state.associations.of(
                record.object_type, record.id, to_type.name
            )
            for type_id in type_ids
            if (kind := association_type(type_id)) is not None
        ]
        if results:
            found[name] = {"results": results}
    if found:
        body["associations"] = found
    return body


def _parse_associations(
    state: SandboxState, from_type: ObjectType, raw: Any
) -> list[tuple[str, AssociationType]]:
    """`associations` of a create input: `[(to id, association type)]`, every target checked."""
    parsed: list[tuple[str, AssociationType]] = []
    for item in raw or []:
        try:
            to_id = str(item["to"]["id"])
            specs = list(item["types"])
        except (KeyError, TypeError):
            raise bad_request("Each association needs 'to.id' and 'types'") from None
        for spec in specs:
            kind = association_type(int(spec.get("associationTypeId", -1)))
            if kind is None or kind.from_type != from_type.name:
                raise bad_request(
                    f"associationTypeId {spec.get('associationTypeId')} is not valid from "
                    f"{from_type.name}"
                )
            state.records.get(kind.to_type, to_id)
            parsed.append((to_id, kind))
    return parsed


def _create(state: SandboxState, object_type_: ObjectType, body: dict[str, Any]) -> Record:
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise bad_request("Input must have a 'properties' object")
    try:
        links = _parse_associations(state, object_type_, body.get("associations"))
    except HubSpotError as exc:
        raise bad_request(f"Invalid associations: {exc.message}") from None
    record = state.records.create(object_type_.name, properties)
    for to_id, kind in links:
        state.associations.add(object_type_.name, record.id, kind.to_type, to_id, kind)
    state.counters.count_records_written(1)
    return record


def _batch_inputs(state: SandboxState, body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise bad_request("Batch body needs an 'inputs' array of objects")
    limit = state.config.batch_max_inputs
    if len(inputs) > limit:
        raise bad_request(f"Batch input of {len(inputs)} items exceeds the limit of {limit}")
    return inputs


def _reject_duplicates(ids: list[str]) -> None:
    duplicates = sorted(value for value, n in Counter(ids).items() if n > 1)
    if duplicates:
        raise bad_request(f"Duplicate IDs found in batch input: {duplicates}")


def _batch_response(
    results: list[dict[str, Any]], errors: list[dict[str, Any]], started: datetime, ok_status: int
) -> Response:
    return json_response(batch_body(results, errors, started), 207 if errors else ok_status)


# -- basic ---------------------------------------------------------------------------------


async def list_records(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    try:
        limit = int(request.query_params.get("limit", 10))
        after = int(request.query_params.get("after") or 0)
    except ValueError:
        raise bad_request("'limit' and 'after' must be integers") from None
    if not 1 <= limit <= state.config.list_max_limit:
        raise bad_request(f"limit must be between 1 and {state.config.list_max_limit}")
    records = [
        r
        for r in state.records.all(ot.name, archived=query_flag(request, "archived"))
        if int(r.id) >= after
    ]
    properties, associations = (
        query_list(request, "properties"),
        query_list(request, "associations"),
    )
    body: dict[str, Any] = {
        "results": [_with_associations(state, r, associations, properties) for r in records[:limit]]
    }
    if len(records) > limit:
        next_after = records[limit].id
        link = str(request.url.include_query_params(after=next_after))
        body["paging"] = {"next": {"after": next_after, "link": link}}
    return json_response(body)


async def get_record(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    record_id = request.path_params["object_id"]
    if query_flag(request, "archived"):
        record = state.records.get(ot.name, record_id, archived=True)
    else:
        record = state.records.resolve(ot.name, record_id, request.query_params.get("idProperty"))
    return json_response(
        _with_associations(
            state, record, query_list(request, "associations"), query_list(request, "properties")
        )
    )


async def create_record(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    record = _create(state, ot, await read_object(request))
    return json_response(_written(record), 201)


async def update_record(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    body = await read_object(request)
    if not isinstance(body.get("properties"), dict):
        raise bad_request("Input must have a 'properties' object")
    record = state.records.resolve(
        ot.name, request.path_params["object_id"], request.query_params.get("idProperty")
    )
    record = state.records.update(ot.name, record.id, body["properties"])
    state.counters.count_records_written(1)
    return json_response(_written(record))


async def archive_record(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    try:
        state.records.archive(ot.name, request.path_params["object_id"])
    except HubSpotError as exc:
        if exc.status_code != 404:  # archiving is idempotent in HubSpot
            raise
    return no_content()


# -- batch ---------------------------------------------------------------------------------


async def batch_create(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    started = utc_now()
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(_batch_inputs(state, await read_object(request))):
        trace = item.get("objectWriteTraceId")
        try:
            result = _written(_create(state, ot, item))
        except HubSpotError as exc:
            context = {"inputIndex": [str(index)]}
            if trace:
                context["objectWriteTraceId"] = [str(trace)]
            errors.append(exc.as_standard_error(context))
            continue
        if trace:
            result["objectWriteTraceId"] = str(trace)
        results.append(result)
    return _batch_response(results, errors, started, 201)


async def batch_update(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    started = utc_now()
    inputs = _batch_inputs(state, await read_object(request))
    _reject_duplicates([str(item.get("id")) for item in inputs])
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        input_id = str(item.get("id") or "")
        try:
            if not isinstance(item.get("properties"), dict):
                raise bad_request("Input must have a 'properties' object")
            record = state.records.resolve(ot.name, input_id, item.get("idProperty"))
            record = state.records.update(ot.name, record.id, item["properties"])
        except HubSpotError as exc:
            errors.append(exc.as_standard_error({"ids": [input_id]}))
            continue
        state.counters.count_records_written(1)
        results.append(_written(record))
    return _batch_response(results, errors, started, 200)


async def batch_upsert(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    started = utc_now()
    inputs = _batch_inputs(state, await read_object(request))
    default_id_property = request.query_params.get("idProperty")
    unique = state.catalog.unique_properties(ot.name)
    for item in inputs:
        id_property = item.get("idProperty") or default_id_property
        if not id_property or id_property not in unique:
            raise bad_request(
                f"idProperty '{id_property}' is not a unique property of {ot.name}: use "
                "email or a property with hasUniqueValue=true"
            )
    _reject_duplicates([str(item.get("id", "")).lower() for item in inputs])
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        input_id = str(item.get("id") or "")
        id_property = str(item.get("idProperty") or default_id_property)
        try:
            if not input_id or not isinstance(item.get("properties"), dict):
                raise bad_request("Each input needs an 'id' and a 'properties' object")
            record, created = state.records.upsert(
                ot.name, id_property, input_id, item["properties"]
            )
        except HubSpotError as exc:
            errors.append(exc.as_standard_error({"ids": [input_id]}))
            continue
        state.counters.count_records_written(1)
        results.append({**_written(record), "new": created})
    return _batch_response(results, errors, started, 200)


async def batch_read(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    started = utc_now()
    body = await read_object(request)
    inputs = _batch_inputs(state, body)
    archived = query_flag(request, "archived")
    properties = [str(p) for p in body.get("properties") or []] or None
    results: list[dict[str, Any]] = []
    missing: list[str] = []
    for item in inputs:
        input_id = str(item.get("id") or "")
        try:
            if archived:
                record = state.records.get(ot.name, input_id, archived=True)
            else:
                record = state.records.resolve(ot.name, input_id, body.get("idProperty"))
        except HubSpotError as exc:
            if exc.status_code != 404:
                raise
            missing.append(input_id)
            continue
        results.append(record_body(record, properties))
    errors = []
    if missing:
        errors.append(
            standard_error(
                "OBJECT_NOT_FOUND",
                f"Could not get some {ot.singular.upper()} objects, they may be deleted or not "
                "exist. Check that ids are valid.",
                context={"ids": missing},
            )
        )
    return _batch_response(results, errors, started, 200)


async def batch_archive(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    for item in _batch_inputs(state, await read_object(request)):
        try:
            state.records.archive(ot.name, str(item.get("id") or ""))
        except HubSpotError as exc:
            if exc.status_code != 404:
                raise
    return no_content()


# -- search --------------------------------------------------------------------------------


async def search(request: Request) -> Response:
    state = sandbox_state(request)
    ot = require_object_type(request.path_params["object_type"])
    query = parse_search(
        await read_object(request), ot, state.catalog, state.config.search_max_limit
    )
    cap = state.config.search_result_cap
    if query.offset >= cap:
        raise bad_request(
            f"Cannot page past the first {cap} results of a search (after={query.offset}); "
            "narrow the query, e.g. with a lastmodifieddate or hs_object_id filter",
        )
    found = run_search(state.records.all(ot.name), query, ot, state.catalog)
    end = min(query.offset + query.limit, cap, len(found))
    body: dict[str, Any] = {
        "total": len(found),
        "results": [record_body(r, query.properties) for r in found[query.offset : end]],
    }
    if end < len(found):
        body["paging"] = {"next": {"after": str(end)}}
    return json_response(body)


_OBJECTS = "/crm/v3/objects/{object_type}"
routes = [
    Route(f"{_OBJECTS}/search", search, methods=["POST"]),
    Route(f"{_OBJECTS}/batch/create", batch_create, methods=["POST"]),
    Route(f"{_OBJECTS}/batch/update", batch_update, methods=["POST"]),
    Route(f"{_OBJECTS}/batch/upsert", batch_upsert, methods=["POST"]),
    Route(f"{_OBJECTS}/batch/read", batch_read, methods=["POST"]),
    Route(f"{_OBJECTS}/batch/archive", batch_archive, methods=["POST"]),
    Route(_OBJECTS, list_records, methods=["GET"]),
    Route(_OBJECTS, create_record, methods=["POST"]),
    Route(f"{_OBJECTS}/{{object_id}}", get_record, methods=["GET"]),
    Route(f"{_OBJECTS}/{{object_id}}", update_record, methods=["PATCH"]),
    Route(f"{_OBJECTS}/{{object_id}}", archive_record, methods=["DELETE"]),
]
