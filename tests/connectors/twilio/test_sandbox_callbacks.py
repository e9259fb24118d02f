"""The sandbox's callbacks: signed as Twilio signs them, per status, duplicated or out of
order on demand; and a person texting STOP or START to the account."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from connectors.twilio.sandbox import SandboxServer

from .conftest import FROM, TO, CallbackReceiver, sdk_client


def _statuses(receiver: CallbackReceiver) -> list[tuple[str, str]]:
    return [(r.form["MessageSid"], r.form["MessageStatus"]) for r in receiver.received]


def test_status_callbacks_are_signed_per_status(
        start_twilio_sandbox: Callable[..., SandboxServer], receiver: CallbackReceiver) -> None:
    sandbox = start_twilio_sandbox()
    url = receiver.url("/webhooks/sms?connection=1")
    sent = sdk_client(sandbox).messages.create(to=TO, from_=FROM, body="hi", status_callback=url)
    assert sandbox.state.callbacks.wait_idle()
    assert _statuses(receiver) == [(sent.sid, "sent"), (sent.sid, "delivered")]
    validator = RequestValidator(sandbox.config.auth_token)
    for received in receiver.received:
        assert received.url == url
        assert received.headers["content-type"] == "application/x-www-form-urlencoded"
        assert validator.validate(url, received.form, received.headers["x-twilio-signature"])
        assert not validator.validate(url + "&x=1", received.form,
                                      received.headers["x-twilio-signature"])


@pytest.mark.parametrize(("knobs", "final"), [({"failed_rate": 1.0}, ["failed"]),
                                              ({"undelivered_rate": 1.0}, ["sent", "undelivered"])])
def test_fates_follow_the_configured_rates(
        start_twilio_sandbox: Callable[..., SandboxServer], receiver: CallbackReceiver,
        knobs: dict[str, float], final: list[str]) -> None:
    sandbox = start_twilio_sandbox(status_callback_url=receiver.url(), **knobs)
    sent = sdk_client(sandbox).messages.create(to=TO, from_=FROM, body="hi")
    assert sandbox.state.callbacks.wait_idle()
    assert [status for _, status in _statuses(receiver)] == final
    assert receiver.received[-1].form["ErrorCode"] in ("30003", "30008")
    assert sdk_client(sandbox).messages(sent.sid).fetch().status == final[-1]


def test_duplicates_and_out_of_order_on_demand(
        start_twilio_sandbox: Callable[..., SandboxServer], receiver: CallbackReceiver) -> None:
    sandbox = start_twilio_sandbox(status_callback_url=receiver.url(), duplicate_rate=1.0,
                                   out_of_order=True)
    sent = sdk_client(sandbox).messages.create(to=TO, from_=FROM, body="hi")
    assert sandbox.state.callbacks.wait_idle()
    assert _statuses(receiver) == [(sent.sid, "delivered")] * 2 + [(sent.sid, "sent")] * 2


def test_stop_opts_the_pair_out_until_start(
        start_twilio_sandbox: Callable[..., SandboxServer], receiver: CallbackReceiver) -> None:
    sandbox = start_twilio_sandbox(inbound_url=receiver.url("/webhooks/inbound"))
    client = sdk_client(sandbox)
    sandbox.state.text(TO, FROM, "stop")
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=TO, from_=FROM, body="still there?")
    assert refused.value.code == 21610
    assert client.messages.create(to=TO, from_="+14155550100", body="other number").sid
    httpx.post(f"{sandbox.base_url}/sandbox/inbound",
               data={"From": TO, "To": FROM, "Body": "START"}).raise_for_status()
    assert client.messages.create(to=TO, from_=FROM, body="welcome back").status == "queued"
    assert sandbox.state.callbacks.wait_idle()
    assert [r.form["Body"] for r in receiver.received] == ["stop", "START"]
    validator = RequestValidator(sandbox.config.auth_token)
    assert all(validator.validate(r.url, r.form, r.headers["x-twilio-signature"])
               for r in receiver.received)


def test_the_inbound_route_wants_from_to_and_body(twilio_sandbox: SandboxServer) -> None:
    answer = httpx.post(f"{twilio_sandbox.base_url}/sandbox/inbound", data={"From": TO})
    assert answer.status_code == 400
    assert "To, Body" in answer.json()["message"]
