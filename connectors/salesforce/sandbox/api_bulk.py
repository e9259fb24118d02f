"""Bulk API 2.0 ingest: `POST …/jobs/ingest`, `PUT …/jobs/ingest/{id}/batches` (CSV),
`PATCH …/jobs/ingest/{id}` (UploadComplete or Aborted), `GET …/jobs/ingest/{id}`, the three
result CSVs, and `GET …/jobs/ingest` (the org's jobs, to find one a crashed client left)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import SalesforceError
from .routing import json_response, read_json, sandbox_state, version_of

__all__ = ["routes"]

_OPERATIONS = frozenset({"insert", "upsert", "update"})


async def create(request: Request) -> Response:
    version = version_of(request)
    body = await read_json(request)
    state = sandbox_state(request)
    if not isinstance(body, dict) or not isinstance(body.get("object"), str):
        raise SalesforceError(400, "INVALIDJOB", "object is required")
    sobject = state.sobject(body["object"])
    operation = body.get("operation")
    if operation not in _OPERATIONS:
        raise SalesforceError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
    external_id = body.get("externalIdFieldName")
    if operation == "upsert":
        field = sobject.field(str(external_id or ""))
        if field is None or not field.external_id:
            raise SalesforceError(400, "INVALIDJOB", "InvalidJob : External ID field is "
                                  f"required for upsert: {external_id}")
        external_id = field.name
    job = state.bulk.create(sobject, operation, external_id, version)
    return json_response(job.info())


async def upload(request: Request) -> Response:
    version_of(request)
    state = sandbox_state(request)
    job = state.bulk.get(str(request.path_params["job"]))
    state.bulk.upload(job, (await request.body()).decode("utf-8"))
    return Response(status_code=201)


async def job_info(request: Request) -> Response:
    version_of(request)
    state = sandbox_state(request)
    job = state.bulk.get(str(request.path_params["job"]))
    if request.method == "PATCH":
        body = await read_json(request)
        state.bulk.close(job, str((body or {}).get("state")))
    return json_response(job.info())


async def jobs(request: Request) -> Response:
    version_of(request)
    records = [job.info() for job in sandbox_state(request).bulk.all()]
    return json_response({"done": True, "records": records, "nextRecordsUrl": None})


async def results(request: Request) -> Response:
    version_of(request)
    state = sandbox_state(request)
    job = state.bulk.get(str(request.path_params["job"]))
    if job.state != "JobComplete":
        raise SalesforceError(400, "INVALIDJOBSTATE", f"Job is {job.state}, not complete")
    text = state.bulk.results(job, str(request.path_params["kind"]))
    return Response(text, media_type="text/csv")


routes = [
    Route("/services/data/v{version}/jobs/ingest", create, methods=["POST"]),
    Route("/services/data/v{version}/jobs/ingest/", create, methods=["POST"]),
    Route("/services/data/v{version}/jobs/ingest", jobs, methods=["GET"]),
    Route("/services/data/v{version}/jobs/ingest/{job}/batches", upload, methods=["PUT"]),
    Route("/services/data/v{version}/jobs/ingest/{job}/batches/", upload, methods=["PUT"]),
    Route("/services/data/v{version}/jobs/ingest/{job}", job_info, methods=["GET", "PATCH"]),
    Route("/services/data/v{version}/jobs/ingest/{job}/{kind:str}", results, methods=["GET"]),
]
