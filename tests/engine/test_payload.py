"""Payload identity, whose stored forms must never drift: destination keys and content
hashes; and the validated payload a canonical model gives the record path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from hashlib import blake2b
from typing import Any

import pytest

from hub.engine.payload import key_string, key_tuple, payload_hash
from hub.model import Consent, Contact
from tests.engine.fakes import Pages, Refusing, plan_of

KEYS = [
    ("default", "1"), (1, 2), ("a\"b", "é\n\t", 5), (True, None), (1.5, "x"),
    (date(2020, 1, 2), 3), (), ("\u2028", "\x00"), (Decimal("2.50"), -7), ({"b": 1, "a": 2},),
]


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
def test_key_string_is_the_json_of_the_key_list(key: tuple[Any, ...]) -> None:
    expected = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False,
                          default=lambda v: v.isoformat() if isinstance(v, date) else str(v))
    if not any(isinstance(part, Decimal) for part in key):
        assert key_string(key) == expected  # the form earlier runs stored
    assert key_tuple(key_string(key)) == tuple(json.loads(key_string(key)))


def test_payload_hash_is_stable_across_versions_of_the_hub() -> None:
    payload = {"id": "7", "email": "a@example.com", "score": 3, "vip": True, "note": None,
               "at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "tags": ["x", "y"]}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=lambda v: v.isoformat())
    # hashes are stored: a change of format would make every record look changed once
    assert payload_hash(payload) == blake2b(text.encode(), digest_size=16).hexdigest()
    assert payload_hash(dict(reversed(payload.items()))) == payload_hash(payload)


@pytest.mark.parametrize(("one", "other", "same"), [
    (Decimal("10"), Decimal("10.00"), True),
    (Decimal("10.5"), Decimal("10.50"), True),  # the scale a column happens to carry
    (Decimal("10.5"), Decimal("10.51"), False),
    (datetime(2025, 1, 1, 12, tzinfo=UTC),
     datetime(2025, 1, 1, 13, tzinfo=timezone(timedelta(hours=1))), False),
    ("1", 1, False),
    (None, "", False),
])
def test_equal_amounts_hash_alike_and_different_values_do_not(one: Any, other: Any,
                                                              same: bool) -> None:
    assert (payload_hash({"v": one}) == payload_hash({"v": other})) is same


def test_the_validated_payload_is_what_the_model_dumps() -> None:
    plan = plan_of(Pages([]), Refusing())
    flat = {"id": "1", "email": " Ann@Example.com ", "phone": "+44 20 7946 0958",
            "created_at": datetime(2025, 1, 1), "properties": {"plan": "pro"}}
    nested = {**flat, "consents": [{"channel": "email", "status": "opted_in",
                                    "source": "shop", "recorded_at": datetime(2025, 1, 1)}]}
    for record in (flat, nested):
        payload, key = plan.transform(dict(record))
        expected = Contact.model_validate({**record, "tenant": "default"}).model_dump(
            exclude_unset=True)
        assert payload == expected
        assert list(payload) == list(expected)  # the same columns in the same order
        assert key == ("1",)
    payload, _ = plan.transform(dict(nested))
    assert not any(isinstance(c, Consent) for c in payload["consents"])  # plain data only
    assert payload["email"] == "ann@example.com"


