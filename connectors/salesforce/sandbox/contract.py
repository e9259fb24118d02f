"""Salesforce publishes no OpenAPI document for the REST API, so every request is checked
against the shapes its documentation gives (vendor-apis.md §2): the token endpoint's form per
grant, a bearer session on every other call, an API version in the path, sObject Collections
upserts (one object type, at most 200 records, each typed by `attributes`, never carrying
`Id`), SOQL queries with `q`, and the `Sforce-Query-Options` batch size. Violations are only
counted; the sandbox's own rules decide the answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs

from hub.testing.sandbox import Checks, Seen

from .rules import is_public

__all__ = ["salesforce_contract"]

_VERSIONED = re.compile(r"^/services/data/v(?P<major>\d+)\.\d/(?P<rest>.*)$")
_UPSERT = re.compile(r"^composite/sobjects/(?P<sobject>\w+)/(?P<field>\w+)/?$")
_QUERY = re.compile(r"^(query|queryAll)/?$")
_QUERY_MORE = re.compile(r"^(query|queryAll)/01g\w+-\d+/?$")
_DESCRIBE = re.compile(r"^sobjects/\w+/describe/?$")
_LIMITS = re.compile(r"^limits/?$")
_JOBS = re.compile(r"^jobs/ingest/?$")
_JOB = re.compile(r"^jobs/ingest/750\w+/?$")
_UPLOAD = re.compile(r"^jobs/ingest/750\w+/batches/?$")
_RESULTS = re.compile(
    r"^jobs/ingest/750\w+/(successfulResults|failedResults|unprocessedrecords)/?$")
_GRANT_FIELDS = {
    "refresh_token": ("client_id", "refresh_token"),
    "password": ("client_id", "client_secret", "username", "password"),
    "client_credentials": ("client_id", "client_secret"),
    "urn:ietf:params:oauth:grant-type:jwt-bearer": ("assertion",),
}
_BATCH_SIZE = re.compile(r"^batchSize=(\d+)$")


def check_token_request(seen: Seen) -> Iterator[str]:
    if seen.path.rstrip("/") != "/services/oauth2/token":
        return
    if seen.method != "POST":
        yield "the token endpoint takes POST only"
        return
    if not seen.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        yield "the token request must be form-encoded (application/x-www-form-urlencoded)"
    form = {k: v[0] for k, v in parse_qs(seen.body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type")
    if grant not in _GRANT_FIELDS:
        yield f"unknown grant_type {grant!r}"
        return
    for name in _GRANT_FIELDS[grant]:
        if not form.get(name):
            yield f"grant {grant} needs `{name}`"


def check_session(seen: Seen) -> Iterator[str]:
    if is_public(seen.path):
        return
    if not seen.headers.get("authorization", "").startswith("Bearer "):
        yield "API calls carry `Authorization: Bearer <session id>`"


def check_endpoint(seen: Seen) -> Iterator[str]:
    if is_public(seen.path):
        return
    match = _VERSIONED.match(seen.path)
    if match is None:
        yield "REST calls go to /services/data/vXX.X/…"
        return
    rest, major = match["rest"], int(match["major"])
    if (upsert := _UPSERT.match(rest)) is not None:
        if seen.method != "PATCH":
            yield "an upsert by external id is a PATCH"
        if major < 46:
            yield "sObject Collections upsert needs API version 46.0 or later"
        yield from _check_collection(seen, upsert["sobject"])
    elif rest.rstrip("/") == "composite/sobjects":
        ids = parse_qs(seen.query).get("ids", [""])[0].split(",")
        if seen.method != "DELETE" or seen.body or not 1 <= len([i for i in ids if i]) <= 200:
            yield "a Collections delete is DELETE …/composite/sobjects?ids=… (1 to 200 ids)"
    elif _QUERY.match(rest):
        if seen.method != "GET" or "q" not in parse_qs(seen.query):
            yield "a SOQL query is GET …/query?q=SELECT…"
    elif _QUERY_MORE.match(rest) or _DESCRIBE.match(rest) or _LIMITS.match(rest):
        if seen.method != "GET" or seen.body:
            yield "this resource takes a GET without a body"
    elif _JOBS.match(rest) or _JOB.match(rest) or _UPLOAD.match(rest) or _RESULTS.match(rest):
        yield from _check_bulk(seen, rest)
    else:
        yield f"{seen.method} {seen.path} is not a REST resource the sandbox knows"
    options = seen.headers.get("sforce-query-options")
    if options is not None:
        size = _BATCH_SIZE.match(options.strip())
        if size is None or not 200 <= int(size[1]) <= 2000:
            yield "Sforce-Query-Options is `batchSize=N`, N from 200 to 2000"


def _check_collection(seen: Seen, sobject: str) -> Iterator[str]:
    if not seen.headers.get("content-type", "").startswith("application/json"):
        yield "sObject Collections take a JSON body"
    try:
        body = json.loads(seen.body or b"null")
    except ValueError:
        yield "the body is not JSON"
        return
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        yield "the body is {allOrNone?, records: [...]}"
        return
    extra = set(body) - {"allOrNone", "records"}
    if extra:
        yield f"unknown keys in the body: {sorted(extra)}"
    if "allOrNone" in body and not isinstance(body["allOrNone"], bool):
        yield "allOrNone is a boolean"
    records = body["records"]
    if not 1 <= len(records) <= 200:
        yield f"a collection holds 1 to 200 records, not {len(records)}"
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            yield f"records[{index}] is not an object"
            continue
        kind = (record.get("attributes") or {}).get("type") if isinstance(
            record.get("attributes"), dict) else None
        if not isinstance(kind, str) or kind.lower() != sobject.lower():
            yield f"records[{index}].attributes.type must be {sobject} (one type per upsert)"
        if "Id" in record or "id" in record:
            yield f"records[{index}] carries Id: an upsert by external id must not"


def _check_bulk(seen: Seen, rest: str) -> Iterator[str]:
    kind = seen.headers.get("content-type", "")
    if _UPLOAD.match(rest):
        if seen.method != "PUT" or not kind.startswith("text/csv"):
            yield "job data is PUT as text/csv"
        return
    if _RESULTS.match(rest) or seen.method == "GET":
        if seen.method != "GET" or seen.body:
            yield "job information and results take a GET without a body"
        return
    try:
        body = json.loads(seen.body or b"null")
    except ValueError:
        yield "the body is not JSON"
        return
    if not kind.startswith("application/json") or not isinstance(body, dict):
        yield "a job request is a JSON object"
    elif _JOBS.match(rest):
        if seen.method != "POST" or not {"object", "operation"} <= set(body):
            yield "a job is created by POST {object, operation, …}"
        elif body.get("operation") == "upsert" and not body.get("externalIdFieldName"):
            yield "an upsert job names its externalIdFieldName"
        elif body.get("contentType", "CSV") != "CSV":
            yield "ingest jobs take CSV"
    elif seen.method != "PATCH" or set(body) != {"state"} or body["state"] not in (
            "UploadComplete", "Aborted"):
        yield "a job is closed by PATCH {state: UploadComplete|Aborted}"


def salesforce_contract() -> Checks:
    return Checks(check_token_request, check_session, check_endpoint)
