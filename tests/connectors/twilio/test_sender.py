"""Sending through the sandbox with the connector's sender: outcomes by Twilio's codes,
checks before any call, pacing, and finding a message a crash lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.twilio.errors import RegionNotEnabled
from connectors.twilio.sandbox import SandboxServer
from hub.connector import OutboundMessage, SendStatus
from hub.errors import AuthError, ConfigError, RateLimitedError, TransientError
from hub.model.people import Channel

from .conftest import FROM, TO, connection

CREATE = "POST /2010-04-01/Accounts/{account}/Messages.json"


def sms(to: str = TO, text: str = "Your cart misses you", key: str = "k1",
        created_at: datetime | None = None, sender: str | None = None) -> OutboundMessage:
    return OutboundMessage(key, Channel.SMS, to, text, sender=sender, created_at=created_at)


async def test_a_send_is_accepted_with_twilios_sid(twilio_sandbox: SandboxServer) -> None:
    connector = connection(twilio_sandbox, status_callback="http://127.0.0.1:9/webhooks/sms")
    sender = connector.sender()
    assert (sender.idempotent, sender.batch_size, sender.channel) == (False, 1, Channel.SMS)
    (result,) = await sender.send([sms(to=" +1 (415) 555-2671 ")])
    (sent,) = twilio_sandbox.state.sent()
    assert result.status is SendStatus.ACCEPTED
    assert result.provider_message_id == sent.sid
    assert (sent.to, sent.from_, sent.status_callback) == (
        TO, FROM, "http://127.0.0.1:9/webhooks/sms")
    await connector.aclose()


async def test_a_messaging_service_sends_and_a_message_may_name_its_sender(
        twilio_sandbox: SandboxServer) -> None:
    service = twilio_sandbox.config.messaging_services[0]
    sender = connection(twilio_sandbox, messaging_service_sid=service).sender()
    await sender.send([sms(), sms(key="k2", sender="+14155550100")])
    first, second = twilio_sandbox.state.sent()
    assert (first.messaging_service_sid, second.messaging_service_sid) == (service, None)
    assert second.from_ == "+14155550100"


@pytest.mark.parametrize(("to", "status", "code"), [
    ("+15005550004", SendStatus.SUPPRESS, "21610"),   # opted out
    ("+15005550001", SendStatus.REJECTED, "21211"),   # invalid To
    ("+15005550009", SendStatus.REJECTED, "21614"),   # not a mobile
    ("+15005550002", SendStatus.REJECTED, "21612"),   # unreachable
])
async def test_refusals_map_to_outcomes_with_twilios_words(
        twilio_sandbox: SandboxServer, to: str, status: SendStatus, code: str) -> None:
    (result,) = await connection(twilio_sandbox).sender().send([sms(to=to)])
    assert (result.status, result.code) == (status, code)
    assert result.error
    assert not result.error.startswith("Unable to create record")


async def test_a_region_not_enabled_refuses_the_campaign(twilio_sandbox: SandboxServer) -> None:
    with pytest.raises(RegionNotEnabled, match="Geo permissions") as refused:
        await connection(twilio_sandbox).sender().send([sms(to="+15005550003")])
    assert isinstance(refused.value, ConfigError)


async def test_a_sender_twilio_refuses_is_a_config_error(twilio_sandbox: SandboxServer) -> None:
    with pytest.raises(ConfigError, match="from_number"):
        await connection(twilio_sandbox, from_number="+15005550007").sender().send([sms()])


async def test_refused_credentials_and_429_raise_for_the_engine(
        twilio_sandbox: SandboxServer) -> None:
    with pytest.raises(AuthError, match="auth_token"):
        await connection(twilio_sandbox, auth_token="wrong").sender().send([sms()])
    twilio_sandbox.state.faults.force_refusal()
    with pytest.raises(RateLimitedError, match="20429"):
        await connection(twilio_sandbox).sender().send([sms()])
    assert twilio_sandbox.state.sent() == []


async def test_impossible_recipients_and_long_bodies_are_refused_without_a_call(
        twilio_sandbox: SandboxServer) -> None:
    sender = connection(twilio_sandbox, max_segments=2).sender()
    results = await sender.send([sms(to="+1415555")])
    results += await sender.send([sms(text="a" * 307)])  # three segments
    results += await sender.send([sms(text="😀" * 67)])   # UCS-2: three segments
    assert [(r.status, r.code) for r in results] == [
        (SendStatus.REJECTED, "invalid_number"), (SendStatus.REJECTED, "too_many_segments"),
        (SendStatus.REJECTED, "too_many_segments")]
    assert "UCS-2" in (results[2].error or "")
    assert twilio_sandbox.state.harness.log.total() == 0


async def test_find_sent_finds_what_a_crash_lost_and_nothing_else(
        twilio_sandbox: SandboxServer) -> None:
    sender = connection(twilio_sandbox).sender()
    reserved = datetime.now(UTC) - timedelta(seconds=1)
    lost = sms(text="Cart reminder", created_at=reserved)
    (result,) = await sender.send([lost])  # sent, then the hub crashed before recording it
    assert await sender.find_sent(lost) == result.provider_message_id
    assert await sender.find_sent(sms(text="Another body", created_at=reserved)) is None
    assert await sender.find_sent(sms(to="+14155550123", text="Cart reminder",
                                      created_at=reserved)) is None
    later = reserved + timedelta(hours=1)
    assert await sender.find_sent(sms(text="Cart reminder", created_at=later)) is None
    assert twilio_sandbox.state.contract.checked == 5  # a send and four lists, all valid
    with pytest.raises(ValueError, match="created_at"):
        await sender.find_sent(sms(text="Cart reminder"))


@pytest.mark.parametrize("twilio_sandbox", [{"rate_limit": 4, "rate_interval_s": 1.0}],
                         indirect=True)
async def test_sends_paced_by_the_sender_rate_meet_no_429(
        twilio_sandbox: SandboxServer) -> None:
    sender = connection(twilio_sandbox, sender_rate="4/s").sender()
    results = [r for i in range(10) for r in await sender.send([sms(key=f"k{i}")])]
    assert [r.status for r in results] == [SendStatus.ACCEPTED] * 10
    assert twilio_sandbox.state.harness.log.statuses(CREATE) == {201: 10}
    unpaced = connection(twilio_sandbox, sender_rate="100/s", from_number="+14155550100")
    outcomes = []
    for i in range(5):
        try:
            outcomes += await unpaced.sender().send([sms(key=f"fast{i}")])
        except RateLimitedError:
            break
    assert len(outcomes) < 5
    assert twilio_sandbox.state.harness.log.statuses(CREATE)[429] == 1


@pytest.mark.parametrize("twilio_sandbox", [{"error_rate": 1.0}], indirect=True)
async def test_a_server_error_is_sent_once_and_left_to_the_engine(
        twilio_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "sydney")  # would rewrite the host, were it read
    monkeypatch.setenv("TWILIO_REGION", "au1")
    with pytest.raises(TransientError, match="Twilio failed"):
        await connection(twilio_sandbox).sender().send([sms()])
    assert twilio_sandbox.state.harness.log.routes()[CREATE] == 1  # the SDK retried nothing
