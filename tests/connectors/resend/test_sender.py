"""Sending through the connector's sender: batches, idempotency, pacing, quota, refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from connectors.resend import ResendConnector
from connectors.resend.sandbox import SandboxServer
from connectors.resend.sender import resend_tag
from hub.connector.http import ClientOptions
from hub.connector.messaging import OutboundMessage, SendResult, SendStatus, batch_key
from hub.errors import AuthError, ConfigError, QuotaExhaustedError
from hub.http import RetryPolicy, retry_call
from hub.http.ratelimit import REGISTRY

from .helpers import connect, message, messages

# the engine's retry, with short backoffs (a 429 still waits what Resend asks)
RETRY = RetryPolicy(attempts=4, max_wait=5.0, base_wait=0.05)


async def send_all(connector: ResendConnector,
                   batches: Sequence[Sequence[OutboundMessage]]) -> list[SendResult]:
    sender = connector.sender()
    results: list[SendResult] = []
    try:
        for batch in batches:
            results += await retry_call(sender.send, batch, policy=RETRY, what="send")
    finally:
        await connector.aclose()
    return results


def chunks(items: list[OutboundMessage], size: int = 100) -> list[list[OutboundMessage]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def test_the_sender_declares_resends_batch_and_idempotency(resend_sandbox: SandboxServer
                                                           ) -> None:
    sender = connect(resend_sandbox).sender()

    assert (sender.batch_size, sender.idempotent, sender.channel.value) == (100, True, "email")


def test_a_connection_without_a_from_address_cannot_send(resend_sandbox: SandboxServer) -> None:
    with pytest.raises(ConfigError, match="from_address"):
        connect(resend_sandbox, from_address=None).sender()


@pytest.mark.slow
def test_a_thousand_emails_at_two_per_second_take_ten_calls_and_no_429(
        start_resend_sandbox: Callable[..., SandboxServer]) -> None:
    sandbox = start_resend_sandbox(requests_per_second=2)
    outgoing = messages(1000)

    async def two_senders() -> list[SendResult]:
        halves = chunks(outgoing)  # two senders of one key share its limiter
        done = await asyncio.gather(send_all(connect(sandbox), halves[:5]),
                                    send_all(connect(sandbox), halves[5:]))
        return done[0] + done[1]

    results = asyncio.run(two_senders())

    assert [r.status for r in results] == [SendStatus.ACCEPTED] * 1000
    state = sandbox.state
    assert state.send_calls == 10
    assert state.log.routes()["POST /emails/batch"] == 10
    assert state.rate_limited == 0
    assert set(state.emails.by_recipient().values()) == {1}
    assert len(state.emails.by_recipient()) == 1000
    assert state.contract.checked == state.log.total()
    assert state.contract.count == 0


def test_a_429_is_a_wait_the_engine_retries_never_a_failure(
        start_resend_sandbox: Callable[..., SandboxServer]) -> None:
    sandbox = start_resend_sandbox(forced_429s=1)
    first, second = chunks(messages(200))

    results = asyncio.run(send_all(connect(sandbox), [first, second]))

    assert [r.status for r in results] == [SendStatus.ACCEPTED] * 200
    assert sandbox.state.rate_limited == 1
    assert sandbox.state.send_calls == 3  # the refused batch once more, after `retry-after`
    assert set(sandbox.state.emails.by_recipient().values()) == {1}


def test_every_request_the_sender_makes_keeps_resends_contract(
        resend_sandbox: SandboxServer) -> None:
    outgoing = [*messages(3), message(9, headers={"List-Unsubscribe": "<https://x.example/u>",
                                                  "List-Unsubscribe-Post":
                                                  "List-Unsubscribe=One-Click"},
                                      reply_to="help@shop.example")]
    asyncio.run(send_all(connect(resend_sandbox), [outgoing, outgoing[:1]]))

    state = resend_sandbox.state
    assert state.contract.checked == 2
    assert state.contract.violations == []
    single, = state.log.requests("/emails")
    assert single.headers["idempotency-key"] == "cart:0:2026-12-07"
    batch, = state.log.requests("/emails/batch")
    assert batch.headers["idempotency-key"] == batch_key(outgoing)


def test_tags_are_sanitized_and_headers_passed_through(resend_sandbox: SandboxServer) -> None:
    unsafe = message(1, tags={"campaign id": "spring sale!", "message_id": "m:1/é"},
                     headers={"List-Unsubscribe": "<mailto:u@shop.example>"})

    result, = asyncio.run(send_all(connect(resend_sandbox), [[unsafe]]))

    sent, = resend_sandbox.state.emails.emails()
    assert result.provider_message_id == sent.id
    assert sent.tags == {"campaign_id": "spring_sale_", "message_id": "m_1__"}
    assert sent.headers == {"List-Unsubscribe": "<mailto:u@shop.example>"}
    assert resend_tag("x" * 300) == "x" * 256


def test_a_refused_email_is_rejected_in_resends_words_and_the_others_go(
        resend_sandbox: SandboxServer) -> None:
    batch = [message(0), message(1, to="not-an-address"), message(2, subject=None)]

    results = asyncio.run(send_all(connect(resend_sandbox), [batch]))

    assert [r.status for r in results] == [SendStatus.ACCEPTED, SendStatus.REJECTED,
                                           SendStatus.REJECTED]
    assert results[1].error is not None
    assert results[1].error.startswith("Invalid `to` field")
    assert results[1].code == "validation_error"
    assert results[2].code == "missing_required_field"
    assert resend_sandbox.state.emails.count == 1
    assert resend_sandbox.state.contract.count == 0  # the subject-less one never left


class LosingTransport(httpx.AsyncBaseTransport):
    """Delivers each request, then loses the first `lose` answers (a dropped connection)."""

    def __init__(self, lose: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.lose = lose

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if self.lose > 0:
            self.lose -= 1
            raise httpx.ReadError("connection reset by peer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_batch_resent_after_a_lost_answer_creates_nothing_twice(
        resend_sandbox: SandboxServer) -> None:
    class Lossy(ResendConnector):
        def client_options(self) -> ClientOptions:
            return replace(super().client_options(), transport=LosingTransport(lose=1))

    connector = Lossy(connect(resend_sandbox).settings, name="mail")
    batch = messages(100)

    results = asyncio.run(send_all(connector, [batch]))

    state = resend_sandbox.state
    assert state.send_calls == 2  # the first answer was lost; the retry got Resend's replay
    assert state.emails.by_key() == {batch_key(batch): 100}
    assert set(state.emails.by_recipient().values()) == {1}
    assert {r.provider_message_id for r in results} == {e.id for e in state.emails.emails()}


def test_a_spent_daily_quota_stops_the_send_and_it_resumes_later(
        start_resend_sandbox: Callable[..., SandboxServer]) -> None:
    sandbox = start_resend_sandbox(daily_quota=150, requests_per_second=50)
    first, second = chunks(messages(200))
    fast = {"rate_limit": {"requests": 50, "per_seconds": 1}}  # only the quota stops here

    asyncio.run(send_all(connect(sandbox, **fast), [first]))
    with pytest.raises(QuotaExhaustedError) as stopped:
        asyncio.run(send_all(connect(sandbox, **fast), [second]))
    calls = sandbox.state.send_calls
    with pytest.raises(QuotaExhaustedError):  # every sender of the key now waits for the reset
        asyncio.run(send_all(connect(sandbox, **fast), [second]))
    assert sandbox.state.send_calls == calls
    sandbox.config.daily_quota = 1000  # the next day: a new run, with a fresh limiter
    REGISTRY.clear()
    asyncio.run(send_all(connect(sandbox, **fast), [second]))

    assert stopped.value.resume_at is not None
    assert stopped.value.resume_at > datetime.now(UTC)
    assert "daily email quota" in str(stopped.value)
    assert sandbox.state.log.statuses("POST /emails/batch")[429] == 1  # not retried
    assert sandbox.state.emails.count == 200
    assert set(sandbox.state.emails.by_recipient().values()) == {1}


def test_a_refused_key_stops_the_send_saying_what_to_do(resend_sandbox: SandboxServer) -> None:
    with pytest.raises(AuthError, match="API Keys"):
        asyncio.run(send_all(connect(resend_sandbox, api_key="re_revoked"), [messages(2)]))
    assert resend_sandbox.state.emails.count == 0
