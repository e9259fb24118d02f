"""The sandbox's Messages resource through Twilio's own SDK: shapes, filters, paging, auth,
error codes and limits, every request held to Twilio's official OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException

from connectors.twilio.sandbox import SandboxServer
from connectors.twilio.sandbox.senders import MAGIC_FROM, MAGIC_TO

from .conftest import FROM, TO, sdk_client


def test_create_list_and_fetch_in_twilio_shapes(twilio_sandbox: SandboxServer) -> None:
    client = sdk_client(twilio_sandbox)
    sent = client.messages.create(to=TO, from_=FROM, body="Your cart misses you")
    assert sent.sid.startswith("SM")
    assert len(sent.sid) == 34
    assert (sent.status, sent.direction, sent.num_segments) == ("queued", "outbound-api", "1")
    client.messages.create(to="+14155550123", from_=FROM, body="someone else")
    listed = client.messages.list(to=TO, date_sent_after=sent.date_sent)
    assert [m.sid for m in listed] == [sent.sid]
    assert client.messages(sent.sid).fetch().status == "delivered"
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert client.messages.list(to=TO, date_sent_after=tomorrow) == []
    assert twilio_sandbox.state.contract.checked == 5


def test_a_messaging_service_send_is_accepted(twilio_sandbox: SandboxServer) -> None:
    service = twilio_sandbox.config.messaging_services[0]
    sent = sdk_client(twilio_sandbox).messages.create(
        to=TO, messaging_service_sid=service, body="hi")
    assert (sent.status, sent.messaging_service_sid) == ("accepted", service)


def test_lists_page_newest_first_without_repeats(twilio_sandbox: SandboxServer) -> None:
    client = sdk_client(twilio_sandbox)
    sids = [client.messages.create(to=TO, from_=FROM, body=f"n{i}").sid for i in range(5)]
    listed = client.messages.list(to=TO, page_size=2)
    assert [m.sid for m in listed] == sids[::-1]
    assert twilio_sandbox.state.harness.log.routes()[
        "GET /2010-04-01/Accounts/{account}/Messages.json"] == 3


def test_api_keys_authenticate_and_a_wrong_token_is_refused(
        twilio_sandbox: SandboxServer) -> None:
    from twilio.rest import Client

    key, secret = next(iter(twilio_sandbox.config.api_secrets.items()))
    with_key = Client(key, secret, twilio_sandbox.config.account_sid)
    with_key.api.base_url = twilio_sandbox.base_url
    assert with_key.messages.create(to=TO, from_=FROM, body="k").status == "queued"
    with pytest.raises(TwilioRestException) as refused:
        sdk_client(twilio_sandbox, token="wrong").messages.create(to=TO, from_=FROM, body="x")
    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert len(twilio_sandbox.state.sent()) == 1


@pytest.mark.parametrize(("to", "code"), sorted(MAGIC_TO.items()))
def test_magic_recipients_answer_their_codes(twilio_sandbox: SandboxServer, to: str,
                                             code: int) -> None:
    with pytest.raises(TwilioRestException) as refused:
        sdk_client(twilio_sandbox).messages.create(to=to, from_=FROM, body="x")
    assert (refused.value.code, refused.value.status) == (code, 400)
    assert twilio_sandbox.state.sent() == []


@pytest.mark.parametrize(("from_", "code"), sorted(MAGIC_FROM.items()))
def test_magic_senders_answer_their_codes(twilio_sandbox: SandboxServer, from_: str,
                                          code: int) -> None:
    with pytest.raises(TwilioRestException) as refused:
        sdk_client(twilio_sandbox).messages.create(to=TO, from_=from_, body="x")
    assert refused.value.code == code


@pytest.mark.parametrize("twilio_sandbox", [{"landline_numbers": ("+14155550999",)}],
                         indirect=True)
@pytest.mark.parametrize(("to", "from_", "code"), [
    ("+4915112345678", FROM, 21408),  # Germany is not enabled
    ("+14155550999", FROM, 21614),    # a landline
    ("+1415555", FROM, 21211),        # too short to be a number
    (TO, "+14155550111", 21606),      # not one of the account's numbers
    (TO, "not a number!", 21212),
])
def test_the_accounts_rules_answer_twilios_codes(twilio_sandbox: SandboxServer, to: str,
                                                 from_: str, code: int) -> None:
    with pytest.raises(TwilioRestException) as refused:
        sdk_client(twilio_sandbox).messages.create(to=to, from_=from_, body="x")
    assert refused.value.code == code
    assert refused.value.msg


@pytest.mark.parametrize("twilio_sandbox", [{"rate_limit": 2, "rate_interval_s": 3600}],
                         indirect=True)
def test_creates_beyond_the_rate_answer_429_20429(twilio_sandbox: SandboxServer) -> None:
    client = sdk_client(twilio_sandbox)
    for i in range(2):
        client.messages.create(to=TO, from_=FROM, body=f"{i}")
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=TO, from_=FROM, body="one too many")
    assert (refused.value.status, refused.value.code) == (429, 20429)
    assert len(twilio_sandbox.state.sent()) == 2
    assert client.messages.list(to=TO) != []  # reads are not creates


@pytest.mark.parametrize("twilio_sandbox", [{"max_concurrent": 1, "processing_s": 0.05}],
                         indirect=True)
def test_requests_beyond_the_concurrency_answer_429(twilio_sandbox: SandboxServer) -> None:
    twilio_sandbox.state.faults.burst(3)  # three requests arrive together
    account = twilio_sandbox.config.account_sid
    auth = (account, twilio_sandbox.config.auth_token)
    url = f"{twilio_sandbox.base_url}/2010-04-01/Accounts/{account}/Messages.json"

    import concurrent.futures

    def create(i: int) -> int:
        return httpx.post(url, auth=auth, data={"To": TO, "From": FROM, "Body": f"{i}"}).status_code

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        statuses = sorted(pool.map(create, range(3)))
    assert statuses == [201, 429, 429]
    assert len(twilio_sandbox.state.sent()) == 1


@pytest.mark.breaks_contract
def test_a_request_twilio_would_refuse_is_counted_as_a_violation(
        twilio_sandbox: SandboxServer) -> None:
    account = twilio_sandbox.config.account_sid
    answer = httpx.post(
        f"{twilio_sandbox.base_url}/2010-04-01/Accounts/{account}/Messages.json",
        auth=(account, twilio_sandbox.config.auth_token), data={"From": FROM, "Body": "no To"})
    assert answer.json()["code"] == 21604
    assert twilio_sandbox.state.contract.count >= 1
    assert "To" in str(twilio_sandbox.state.contract.violations[0])
