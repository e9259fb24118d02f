"""The connector's pure parts: segments, E.164, signatures, callback parsing, settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from twilio.request_validator import RequestValidator

from connectors.twilio.callbacks import parse_callback
from connectors.twilio.campaign import campaign_problems, segment_total
from connectors.twilio.phone import InvalidNumber, to_e164
from connectors.twilio.segments import count_segments
from connectors.twilio.settings import TwilioSettings
from connectors.twilio.signature import signature
from hub.connector import DeliveryEvent, OptOut
from hub.connector.inbound import WebhookPayloadError
from hub.model.messaging import EngagementType

ACCOUNT = "AC" + "a" * 32
BASE = {"account_sid": ACCOUNT, "auth_token": "t", "from_number": "+14155550100"}


@pytest.mark.parametrize(("text", "encoding", "units", "count"), [
    ("", "GSM-7", 0, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),            # extension characters take two septets
    ("a" * 152 + "{" + "a" * 152, "GSM-7", 306, 3),  # an escape pair is never split
    ("é" * 160, "GSM-7", 160, 1),           # é is in the GSM-7 alphabet
    ("ê" * 70, "UCS-2", 70, 1),             # ê is not: the whole body goes UCS-2
    ("ê" * 71, "UCS-2", 71, 2),
    ("a" * 66 + "😀" + "a" * 66, "UCS-2", 134, 3),  # nor an emoji's surrogate pair
    ("“quoted”", "UCS-2", 8, 1),
])
def test_segments_count_as_carriers_do(text: str, encoding: str, units: int,
                                       count: int) -> None:
    found = count_segments(text)
    assert (found.encoding, found.units, found.count) == (encoding, units, count)


def test_segment_total_is_the_campaigns_cost() -> None:
    assert segment_total(["hi", "a" * 161, "😀"]) == 4


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+14155552671", None, "+14155552671"),
    (" +1 (415) 555-2671 ", None, "+14155552671"),
    ("(415) 555-2671", "US", "+14155552671"),
    ("030 123456", "DE", "+4930123456"),
])
def test_numbers_normalise_to_e164(raw: str, region: str | None, e164: str) -> None:
    assert to_e164(raw, region) == e164


@pytest.mark.parametrize(("raw", "region", "says"), [
    ("(415) 555-2671", None, "default_region"),
    ("+1415555", None, "not a valid phone number"),
    ("hello", "US", "not a phone number"),
    ("+447700900123", None, "not a valid"),   # a range Ofcom never assigns
])
def test_impossible_numbers_are_refused_in_words(raw: str, region: str | None,
                                                 says: str) -> None:
    with pytest.raises(InvalidNumber, match=says):
        to_e164(raw, region)


VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
          "From": "+14158675309", "To": "+18005551212"}


def test_signatures_match_twilios_published_vectors() -> None:
    assert signature("12345", VECTOR_URL, VECTOR.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    multi = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"),
             ("Digits", "1234"), ("Digits", "1234")]
    assert signature("12345", VECTOR_URL, multi) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert RequestValidator("12345").validate(VECTOR_URL, VECTOR, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def _status(status: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": "SM1", "SmsSid": "SM1", "MessageStatus": status,
            "SmsStatus": status, "AccountSid": ACCOUNT, "To": "+14155552671",
            "From": "+14155550100", "ApiVersion": "2010-04-01", **extra}


@pytest.mark.parametrize(("status", "extra", "kind"), [
    ("queued", {}, EngagementType.SENT),
    ("sent", {}, EngagementType.SENT),
    ("delivered", {"RawDlrDoneDate": "2612071755"}, EngagementType.DELIVERED),
    ("undelivered", {"ErrorCode": "30003"}, EngagementType.BOUNCED_SOFT),
    ("undelivered", {"ErrorCode": "30006"}, EngagementType.BOUNCED_HARD),
    ("failed", {"ErrorCode": "30008"}, EngagementType.FAILED),
])
def test_statuses_map_to_engagement(status: str, extra: dict[str, str],
                                    kind: EngagementType) -> None:
    (event,) = parse_callback(_status(status, **extra), ACCOUNT)
    assert isinstance(event, DeliveryEvent)
    assert (event.type, event.event_id, event.provider_message_id) == (kind, f"SM1:{status}",
                                                                       "SM1")
    if "ErrorCode" in extra:
        assert event.reason == f"Twilio error {extra['ErrorCode']}"
    if "RawDlrDoneDate" in extra:
        assert event.occurred_at == datetime(2026, 12, 7, 17, 55, tzinfo=UTC)


def test_a_status_twilio_adds_later_reports_nothing() -> None:
    assert parse_callback(_status("partially_delivered"), ACCOUNT) == []


def _inbound(body: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": "SM9", "SmsStatus": "received", "Body": body, "From": "+14155552671",
            "To": "+14155550100", "AccountSid": ACCOUNT, **extra}


@pytest.mark.parametrize(("body", "subscribed"), [
    *[(word, False) for word in ("STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "CANCEL",
                                 "END", "QUIT")],
    *[(word, True) for word in ("START", "unstop", "Yes")],
])
def test_keywords_opt_out_and_back_in(body: str, subscribed: bool) -> None:
    (event,) = parse_callback(_inbound(body), ACCOUNT)
    assert isinstance(event, OptOut)
    assert (event.address, event.subscribed, event.event_id) == ("+14155552671", subscribed,
                                                                 "SM9")


def test_other_replies_and_advanced_opt_out() -> None:
    assert parse_callback(_inbound("please stop texting me"), ACCOUNT) == []
    (event,) = parse_callback(_inbound("arrêt", OptOutType="STOP"), ACCOUNT)
    assert isinstance(event, OptOut)
    assert event.subscribed is False


@pytest.mark.parametrize(("payload", "says"), [
    ({"MessageStatus": "sent"}, "without MessageSid"),
    ({**_status("sent"), "AccountSid": "AC" + "b" * 32}, "not this connection's"),
    ("MessageSid=SM1", "form fields"),
])
def test_malformed_callbacks_are_refused(payload: object, says: str) -> None:
    with pytest.raises(WebhookPayloadError, match=says):
        parse_callback(payload, ACCOUNT)


def test_form_fields_as_lists_parse_too() -> None:
    (event,) = parse_callback({k: [v] for k, v in _status("sent").items()}, ACCOUNT)
    assert isinstance(event, DeliveryEvent)


@pytest.mark.parametrize(("change", "says"), [
    ({"from_number": None}, "exactly one sender"),
    ({"messaging_service_sid": "MG" + "1" * 32}, "exactly one sender"),
    ({"auth_token": None}, "auth_token"),
    ({"key_sid": "SK" + "1" * 32}, "key_secret"),
    ({"from_number": "415"}, "E.164"),
    ({"sender_rate": "fast"}, "like '190/10s'"),
    ({"alphanumeric_sender": "WAY TOO LONG ID", "from_number": None}, "1-11"),
    ({"enabled_countries": ["usa"]}, "ISO"),
])
def test_settings_refuse_in_words(change: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        TwilioSettings.model_validate({**BASE, **change})


def test_settings_normalise_the_number_and_read_the_rate() -> None:
    settings = TwilioSettings.model_validate({**BASE, "from_number": "+1 415 555 0100",
                                              "sender_rate": "3/s"})
    assert settings.sender == "+14155550100"
    assert settings.rate.per_second == 3


def test_campaign_problems_name_numbers_countries_and_long_bodies() -> None:
    settings = TwilioSettings.model_validate({**BASE, "enabled_countries": ["US"],
                                              "max_segments": 1})
    problems = campaign_problems(settings, ["+14155552671", "+4915112345678", "nope"],
                                 ["short", "😀" * 40])
    assert len(problems) == 3
    assert "'nope'" in problems[0]
    assert "1 recipient(s) in DE" in problems[1]
    assert "2 SMS segments (UCS-2)" in problems[2]
    assert campaign_problems(settings, ["+14155552671"], ["short"]) == []
