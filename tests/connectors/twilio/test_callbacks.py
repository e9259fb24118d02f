"""Twilio's callbacks as the connector takes them: signatures checked with the SDK's
RequestValidator on the exact URL, then parsed into delivery events and opt-outs."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pytest

from connectors.twilio.sandbox import SandboxServer
from hub.connector import DeliveryEvent, OptOut
from hub.errors import AuthError, ConfigError
from hub.model.messaging import EngagementType

from .conftest import FROM, TO, CallbackReceiver, Received, connection, sdk_client


def _callbacks(start: Callable[..., SandboxServer], receiver: CallbackReceiver,
               **knobs: object) -> tuple[SandboxServer, list[Received]]:
    sandbox = start(status_callback_url=receiver.url("/webhooks/sms?tenant=a"), **knobs)
    sdk_client(sandbox).messages.create(to=TO, from_=FROM, body="hi")
    assert sandbox.state.callbacks.wait_idle()
    return sandbox, receiver.received


def test_genuine_callbacks_verify_and_parse(start_twilio_sandbox: Callable[..., SandboxServer],
                                            receiver: CallbackReceiver) -> None:
    sandbox, received = _callbacks(start_twilio_sandbox, receiver)
    connector = connection(sandbox)
    verifier = connector.webhook_verifier()
    events = []
    for callback in received:
        verifier.verify("POST", callback.url, callback.headers, callback.body)
        events += connector.parse_callback(callback.form)
    assert [(e.type, e.event_id.split(":")[1]) for e in events
            if isinstance(e, DeliveryEvent)] == [(EngagementType.SENT, "sent"),
                                                  (EngagementType.DELIVERED, "delivered")]


def _forgeries(callback: Received, other_url: str) -> dict[str, tuple[str, bytes, dict[str, str]]]:
    form = callback.form
    tampered = urlencode({**form, "MessageStatus": "failed"}).encode()
    added = callback.body + b"&ErrorCode=30008"
    unsigned = {k: v for k, v in callback.headers.items() if k != "x-twilio-signature"}
    wrong = {**callback.headers, "x-twilio-signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}
    return {
        "wrong signature": (callback.url, callback.body, wrong),
        "no signature": (callback.url, callback.body, unsigned),
        "wrong URL": (other_url, callback.body, callback.headers),
        "URL query changed": (callback.url.replace("tenant=a", "tenant=b"), callback.body,
                              callback.headers),
        "tampered parameter": (callback.url, tampered, callback.headers),
        "added parameter": (callback.url, added, callback.headers),
    }


def test_forged_callbacks_are_refused(start_twilio_sandbox: Callable[..., SandboxServer],
                                      receiver: CallbackReceiver) -> None:
    sandbox, received = _callbacks(start_twilio_sandbox, receiver)
    verifier = connection(sandbox).webhook_verifier()
    forgeries = _forgeries(received[0], receiver.url("/webhooks/other?tenant=a"))
    refused = []
    for what, (url, body, headers) in forgeries.items():
        try:
            verifier.verify("POST", url, headers, body)
        except AuthError:
            refused.append(what)
    assert refused == list(forgeries)
    assert len(refused) == 6


def test_duplicated_and_out_of_order_callbacks_parse_to_the_same_ids(
        start_twilio_sandbox: Callable[..., SandboxServer], receiver: CallbackReceiver) -> None:
    sandbox, received = _callbacks(start_twilio_sandbox, receiver, duplicate_rate=1.0,
                                   out_of_order=True)
    connector = connection(sandbox)
    events = [e for callback in received for e in connector.parse_callback(callback.form)]
    assert [e.type for e in events] == [EngagementType.DELIVERED] * 2 + [EngagementType.SENT] * 2
    ids = [e.event_id for e in events]
    assert ids[0] == ids[1]
    assert ids[2] == ids[3]
    assert len(set(ids)) == 2


def test_stop_and_start_replies_become_opt_outs(
        start_twilio_sandbox: Callable[..., SandboxServer], receiver: CallbackReceiver) -> None:
    sandbox = start_twilio_sandbox(inbound_url=receiver.url("/webhooks/sms"))
    for body in ("STOP", "Thanks!", "start"):
        sandbox.state.text(TO, FROM, body)
    assert sandbox.state.callbacks.wait_idle()
    connector = connection(sandbox)
    verifier = connector.webhook_verifier()
    found = []
    for callback in receiver.received:
        verifier.verify("POST", callback.url, callback.headers, callback.body)
        found += connector.parse_callback(callback.form)
    assert all(isinstance(e, OptOut) for e in found)
    assert [(e.address, e.subscribed, e.keyword) for e in found if isinstance(e, OptOut)] == [
        (TO, False, "STOP"), (TO, True, "START")]


def test_verifying_needs_the_auth_token(twilio_sandbox: SandboxServer) -> None:
    key, secret = next(iter(twilio_sandbox.config.api_secrets.items()))
    keyed = connection(twilio_sandbox, auth_token=None, key_sid=key, key_secret=secret)
    with pytest.raises(ConfigError, match="auth_token"):
        keyed.webhook_verifier()
