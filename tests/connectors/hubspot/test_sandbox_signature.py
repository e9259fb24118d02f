"""HubSpot webhook signature v3: published vectors, the URI decoding rule, refusals."""

from __future__ import annotations

import pytest
from hubspot.utils.signature import Signature

from connectors.hubspot.signature import (
    SignatureError,
    decode_signed_uri,
    sign_v1,
    sign_v3,
    verify_v3,
)
from hub.errors import AuthError, PermanentError

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://www.example.com/webhook_uri"
BODY = b"{'example_field':'example_value'}"
TIMESTAMP_MS = 1693657560000
NOW = TIMESTAMP_MS / 1000 + 1


def test_sign_v3_matches_hubspots_published_vector() -> None:
    signature = sign_v3(SECRET, "POST", URI, BODY, TIMESTAMP_MS)

    assert signature == "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="


def test_sign_v3_agrees_with_the_official_sdk() -> None:
    uri = "https://hooks.example.com/hubspot?tenant=acme"
    body = '[{"eventId":1,"objectId":123}]'

    expected = Signature.get_signature(SECRET, body, "v3", uri, "POST", str(TIMESTAMP_MS))

    assert sign_v3(SECRET, "POST", uri, body.encode(), TIMESTAMP_MS) == expected


def test_sign_v1_matches_hubspots_published_vector() -> None:
    body = (
        b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
        b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
        b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
    )

    assert sign_v1(SECRET, body) == (
        "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    )


def test_the_uri_is_signed_with_hubspots_twelve_encodings_decoded() -> None:
    encoded = "https://example.com/hook%3Fa%3Db%40c%2Cd%3Bx%20y%26z"

    assert decode_signed_uri(encoded) == "https://example.com/hook?a%3Db@c,d;x%20y%26z"
    assert sign_v3(SECRET, "POST", encoded, BODY, TIMESTAMP_MS) == sign_v3(
        SECRET, "POST", "https://example.com/hook?a%3Db@c,d;x%20y%26z", BODY, TIMESTAMP_MS
    )


def test_lower_case_percent_encodings_are_decoded_too() -> None:
    assert decode_signed_uri("https://example.com/a%2fb%3a") == "https://example.com/a/b:"


def test_verify_accepts_a_valid_signature() -> None:
    signature = sign_v3(SECRET, "POST", URI, BODY, TIMESTAMP_MS)

    verify_v3(SECRET, "POST", URI, BODY, signature, TIMESTAMP_MS, now=NOW)
    verify_v3(SECRET, "POST", URI, BODY, signature, str(TIMESTAMP_MS), now=NOW)


@pytest.mark.parametrize(
    ("method", "uri", "body", "secret"),
    [
        ("POST", URI, b"{'example_field':'tampered'}", SECRET),
        ("POST", URI + "?x=1", BODY, SECRET),
        ("POST", URI.replace("https", "http"), BODY, SECRET),
        ("PUT", URI, BODY, SECRET),
        ("POST", URI, BODY, "another-secret"),
    ],
    ids=["tampered-body", "other-query", "other-scheme", "other-method", "other-secret"],
)
def test_verify_refuses_anything_that_differs(
    method: str, uri: str, body: bytes, secret: str
) -> None:
    signature = sign_v3(SECRET, "POST", URI, BODY, TIMESTAMP_MS)

    with pytest.raises(SignatureError, match="does not match"):
        verify_v3(secret, method, uri, body, signature, TIMESTAMP_MS, now=NOW)


def test_verify_refuses_a_stale_timestamp_even_with_a_good_signature() -> None:
    signature = sign_v3(SECRET, "POST", URI, BODY, TIMESTAMP_MS)

    with pytest.raises(SignatureError, match="old"):
        verify_v3(SECRET, "POST", URI, BODY, signature, TIMESTAMP_MS, now=NOW + 300)


def test_verify_refuses_a_timestamp_from_the_future() -> None:
    future = TIMESTAMP_MS + 302_000  # 301 s after NOW
    signature = sign_v3(SECRET, "POST", URI, BODY, future)

    with pytest.raises(SignatureError, match="future"):
        verify_v3(SECRET, "POST", URI, BODY, signature, future, now=NOW)


def test_verify_accepts_a_timestamp_just_inside_a_custom_window() -> None:
    signature = sign_v3(SECRET, "POST", URI, BODY, TIMESTAMP_MS)

    verify_v3(SECRET, "POST", URI, BODY, signature, TIMESTAMP_MS, now=NOW + 50, window=60)
    with pytest.raises(SignatureError):
        verify_v3(SECRET, "POST", URI, BODY, signature, TIMESTAMP_MS, now=NOW + 61, window=60)


@pytest.mark.parametrize(
    ("signature", "timestamp", "message"),
    [
        (None, TIMESTAMP_MS, "no X-HubSpot-Signature-v3"),
        ("", TIMESTAMP_MS, "no X-HubSpot-Signature-v3"),
        ("c2ln", None, "no X-HubSpot-Request-Timestamp"),
        ("c2ln", "yesterday", "not epoch milliseconds"),
        ("not base64 at all ü", TIMESTAMP_MS, "does not match"),
    ],
)
def test_verify_refuses_missing_or_malformed_headers(
    signature: str | None, timestamp: int | str | None, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_v3(SECRET, "POST", URI, BODY, signature, timestamp, now=NOW)


def test_signature_errors_are_permanent_auth_errors() -> None:
    assert issubclass(SignatureError, AuthError)
    assert issubclass(SignatureError, PermanentError)
