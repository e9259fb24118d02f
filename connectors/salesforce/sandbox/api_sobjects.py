"""sObject describe, `/limits`, and upserts by external id through sObject Collections.

`PATCH …/composite/sobjects/{SObject}/{ExternalIdField}` answers 200 with one result per record
in request order: `{id, success, errors, created}`. A record is refused alone with Salesforce's
statusCode and message (REQUIRED_FIELD_MISSING, INVALID_EMAIL_ADDRESS, STRING_TOO_LONG, an
external id given twice in one request: DUPLICATE_EXTERNAL_ID …); with `allOrNone` one refusal
rolls the whole request back. A field the object lacks fails the whole request (400).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.testing.sandbox import Daily

from .errors import SalesforceError
from .routing import json_response, read_json, sandbox_state, sobject_of, version_of
from .rules import DAILY
from .schema import OBJECTS, SObject
from .state import SandboxState
from .values import FieldError

__all__ = ["routes"]

_ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the "
                           "request was using AllOrNone header", "fields": []}


async def describe(request: Request) -> Response:
    return json_response(sobject_of(request).describe(version_of(request)))


async def limits(request: Request) -> Response:
    version_of(request)
    state = sandbox_state(request)
    limit = state.config.daily_limit
    decision = state.harness.limits.admit(state.config.org_id, (), Daily(DAILY, limit),
                                          count=False)
    return json_response({
        "DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - decision.daily_used)},
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
        "DataStorageMB": {"Max": 5, "Remaining": 5},
    })


async def upsert_collection(request: Request) -> Response:
    version_of(request)
    sobject = sobject_of(request)
    field = sobject.field(str(request.path_params["field"]))
    if field is None or not (field.external_id or field.type == "id"):
        raise SalesforceError(404, "NOT_FOUND", f"Provided external ID field does not exist or "
                              f"is not accessible: {request.path_params['field']}")
    body = await read_json(request)
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "Missing required field: records")
    state = sandbox_state(request)
    if len(records) > state.config.collection_max_records:
        raise SalesforceError(400, "EXCEEDED_ID_LIMIT",
                              f"record limit reached. cannot submit more than "
                              f"{state.config.collection_max_records} records in this operation")
    for record in records:  # an unknown field fails the whole request, as in Salesforce
        for name in (record if isinstance(record, dict) else {}):
            if name != "attributes" and sobject.field(name) is None and \
                    sobject.relationship(name) is None:
                raise SalesforceError(400, "INVALID_FIELD", f"No such column '{name}' on sobject "
                                      f"of type {sobject.name}")
    all_or_none = bool(body.get("allOrNone", False))
    with state.records.lock:
        results = _upsert_all(state, sobject, field.name, records, all_or_none)
    state.count_written(sum(1 for r in results if r["success"]))
    return json_response(results)


def _upsert_all(state: SandboxState, sobject: SObject, field: str, records: list[Any],
                all_or_none: bool) -> list[dict[str, Any]]:
    keys = [str(r.get(field, "")).lower() if isinstance(r, dict) else "" for r in records]
    repeated = {k for k in keys if k and keys.count(k) > 1}
    snapshot = state.records.snapshot() if all_or_none else None
    results: list[dict[str, Any]] = []
    for record, key in zip(records, keys, strict=True):
        values = {k: v for k, v in record.items() if k != "attributes"} if isinstance(
            record, dict) else {}
        try:
            if key in repeated:
                raise FieldError("DUPLICATE_EXTERNAL_ID",
                                 f"Duplicate external id specified: {values.get(field)}", [field])
            done = state.records.upsert(sobject, field, values)
            results.append({"id": done.id, "success": True, "errors": [],
                            "created": done.created})
        except FieldError as exc:
            results.append({"success": False, "errors": [exc.body()]})
    if snapshot is not None and not all(r["success"] for r in results):
        state.records.restore(snapshot)
        results = [r if not r["success"] else {"success": False, "errors": [_ROLLED_BACK]}
                   for r in results]
    return results


async def delete_collection(request: Request) -> Response:
    """`DELETE …/composite/sobjects?ids=a,b&allOrNone=false`: one result per id, in order."""
    version_of(request)
    state = sandbox_state(request)
    ids = [i for i in request.query_params.get("ids", "").split(",") if i]
    if not 1 <= len(ids) <= state.config.collection_max_records:
        raise SalesforceError(400, "EXCEEDED_ID_LIMIT", "give 1 to 200 ids")
    results = []
    with state.records.lock:
        for record_id in ids:
            sobject = next((o for o in OBJECTS.values() if record_id.startswith(o.key_prefix)),
                           None)
            found = state.records.get(sobject, record_id) if sobject else None
            if sobject is None or found is None or found["IsDeleted"]:
                results.append({"id": record_id, "success": False, "errors": [{
                    "statusCode": "ENTITY_IS_DELETED" if found else "INVALID_CROSS_REFERENCE_KEY",
                    "message": "entity is deleted" if found else "invalid cross reference id",
                    "fields": []}]})
                continue
            state.records.delete(sobject, record_id)
            results.append({"id": record_id, "success": True, "errors": []})
    return json_response(results)


routes = [
    Route("/services/data/v{version}/composite/sobjects", delete_collection, methods=["DELETE"]),
    Route("/services/data/v{version}/sobjects/{sobject}/describe", describe, methods=["GET"]),
    Route("/services/data/v{version}/sobjects/{sobject}/describe/", describe, methods=["GET"]),
    Route("/services/data/v{version}/limits", limits, methods=["GET"]),
    Route("/services/data/v{version}/limits/", limits, methods=["GET"]),
    Route("/services/data/v{version}/composite/sobjects/{sobject}/{field}", upsert_collection,
          methods=["PATCH"]),
]
