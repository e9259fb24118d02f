"""The sandbox answers as Resend does: sends, batches, idempotency, validation and auth."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from connectors.resend.sandbox import SandboxServer

from .conftest import API_KEY

EMAIL = {"from": "Shop <shop@example.com>", "to": "ada@example.com", "subject": "Hello",
         "text": "Hi Ada", "tags": [{"name": "campaign_id", "value": "c-1"}]}


def client(sandbox: SandboxServer, key: str = API_KEY) -> httpx.Client:
    return httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {key}"})


def post(sandbox: SandboxServer, path: str, body: Any, **headers: str) -> httpx.Response:
    with client(sandbox) as http:
        return http.post(path, json=body, headers=headers)


def test_an_email_is_sent_and_read_back(resend_sandbox: SandboxServer) -> None:
    sent = post(resend_sandbox, "/emails", EMAIL)

    assert sent.status_code == 200
    with client(resend_sandbox) as http:
        found = http.get(f"/emails/{sent.json()['id']}").json()
    assert found["object"] == "email"
    assert found["to"] == ["ada@example.com"]
    assert found["tags"] == [{"name": "campaign_id", "value": "c-1"}]
    assert found["last_event"] == "sent"


def test_the_same_key_and_body_get_the_same_answer_and_send_once(
        resend_sandbox: SandboxServer) -> None:
    first = post(resend_sandbox, "/emails/batch", [EMAIL, {**EMAIL, "to": "bo@example.com"}],
                 **{"Idempotency-Key": "batch-1"})
    again = post(resend_sandbox, "/emails/batch", [EMAIL, {**EMAIL, "to": "bo@example.com"}],
                 **{"Idempotency-Key": "batch-1"})

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert resend_sandbox.state.emails.by_key() == {"batch-1": 2}
    assert resend_sandbox.state.emails.by_recipient() == {"ada@example.com": 1,
                                                          "bo@example.com": 1}


def test_the_same_key_with_another_body_is_refused_409(resend_sandbox: SandboxServer) -> None:
    post(resend_sandbox, "/emails", EMAIL, **{"Idempotency-Key": "k"})
    other = post(resend_sandbox, "/emails", {**EMAIL, "subject": "Changed"},
                 **{"Idempotency-Key": "k"})

    assert other.status_code == 409
    assert other.json()["name"] == "invalid_idempotent_request"
    assert resend_sandbox.state.emails.count == 1


@pytest.mark.breaks_contract  # a key over 256 characters breaks the header's maxLength
def test_an_overlong_idempotency_key_is_refused_400(resend_sandbox: SandboxServer) -> None:
    refused = post(resend_sandbox, "/emails", EMAIL, **{"Idempotency-Key": "k" * 257})

    assert refused.status_code == 400
    assert refused.json() == {"statusCode": 400, "name": "invalid_idempotency_key",
                              "message": "The key must be between 1-256 chars."}
    assert resend_sandbox.state.contract.count == 1


def test_a_refused_request_leaves_its_key_free(resend_sandbox: SandboxServer) -> None:
    bad = post(resend_sandbox, "/emails", {**EMAIL, "to": "not-an-address"},
               **{"Idempotency-Key": "k"})
    fixed = post(resend_sandbox, "/emails", EMAIL, **{"Idempotency-Key": "k"})

    assert bad.status_code == 422
    assert bad.json()["name"] == "validation_error"
    assert "Invalid `to` field" in bad.json()["message"]
    assert fixed.status_code == 200


@pytest.mark.breaks_contract  # the contract requires `subject`, as Resend does
def test_a_missing_field_is_named(resend_sandbox: SandboxServer) -> None:
    refused = post(resend_sandbox, "/emails", {k: v for k, v in EMAIL.items() if k != "subject"})

    assert refused.status_code == 422
    assert refused.json() == {"statusCode": 422, "name": "missing_required_field",
                              "message": "Missing `subject` field."}
    assert resend_sandbox.state.contract.count == 1


def test_a_tag_outside_resends_charset_is_refused(resend_sandbox: SandboxServer) -> None:
    refused = post(resend_sandbox, "/emails",
                   {**EMAIL, "tags": [{"name": "campaign", "value": "spring sale!"}]})

    assert refused.status_code == 422
    assert "ASCII letters" in refused.json()["message"]


def test_a_strict_batch_fails_whole_a_permissive_one_lists_the_bad(
        resend_sandbox: SandboxServer) -> None:
    batch = [EMAIL, {**EMAIL, "to": "nope"}, {**EMAIL, "to": "cy@example.com"}]

    strict = post(resend_sandbox, "/emails/batch", batch)
    permissive = post(resend_sandbox, "/emails/batch", batch,
                      **{"x-batch-validation": "permissive"})

    assert strict.status_code == 422
    assert strict.json()["message"].startswith("emails[1]: Invalid `to` field")
    assert permissive.status_code == 200
    assert len(permissive.json()["data"]) == 2
    assert [e["index"] for e in permissive.json()["errors"]] == [1]
    assert resend_sandbox.state.emails.count == 2


def test_a_batch_over_100_is_refused(resend_sandbox: SandboxServer) -> None:
    refused = post(resend_sandbox, "/emails/batch", [EMAIL] * 101)

    assert refused.status_code == 422
    assert "at most 100" in refused.json()["message"]
    assert resend_sandbox.state.emails.count == 0


@pytest.mark.breaks_contract  # a request without a key breaks the contract's bearerAuth
def test_keys_missing_unknown_and_restricted(resend_sandbox: SandboxServer) -> None:
    missing = httpx.post(resend_sandbox.base_url + "/emails", json=EMAIL)
    unknown = post_with(resend_sandbox, "re_unknown")
    with client(resend_sandbox, "re_sandbox_sending_key") as http:
        restricted = http.get("/domains")
        sent = http.post("/emails", json=EMAIL)

    assert (missing.status_code, missing.json()["name"]) == (401, "missing_api_key")
    assert (unknown.status_code, unknown.json()["name"]) == (403, "invalid_api_key")
    assert (restricted.status_code, restricted.json()["name"]) == (401, "restricted_api_key")
    assert sent.status_code == 200


def post_with(sandbox: SandboxServer, key: str) -> httpx.Response:
    with client(sandbox, key) as http:
        return http.post("/emails", json=EMAIL)


@pytest.mark.parametrize("resend_sandbox", [{"requests_per_second": 2}], indirect=True)
def test_a_burst_over_the_team_limit_gets_429_with_resends_headers(
        resend_sandbox: SandboxServer) -> None:
    resend_sandbox.state.faults.burst(3)
    with client(resend_sandbox) as http, ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: http.get("/domains"), range(3)))

    refused = [a for a in answers if a.status_code == 429]
    assert len(refused) == 1
    assert refused[0].json()["name"] == "rate_limit_exceeded"
    assert refused[0].headers["ratelimit-limit"] == "2"
    assert refused[0].headers["ratelimit-remaining"] == "0"
    assert int(refused[0].headers["retry-after"]) >= 1
    assert resend_sandbox.state.rate_limited == 1


@pytest.mark.parametrize("resend_sandbox", [{"daily_quota": 3}], indirect=True)
def test_the_daily_quota_refuses_a_batch_that_would_pass_it(
        resend_sandbox: SandboxServer) -> None:
    first = post(resend_sandbox, "/emails/batch", [EMAIL, EMAIL])
    over = post(resend_sandbox, "/emails/batch", [EMAIL, EMAIL])

    assert first.status_code == 200
    assert over.status_code == 429
    assert over.json()["name"] == "daily_quota_exceeded"
    assert int(over.headers["retry-after"]) > 0
    assert resend_sandbox.state.emails.count == 2


@pytest.mark.breaks_contract
def test_requests_outside_the_contract_are_counted(resend_sandbox: SandboxServer) -> None:
    post(resend_sandbox, "/emails/batch", [{"to": "ada@example.com"}])

    violations = resend_sandbox.state.contract.violations
    assert len(violations) == 1
    assert "'from' is a required property" in violations[0].message
