"""The built-in transforms, called directly: what each accepts, returns and refuses."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pluggy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.mapping import conversions as c
from hub.mapping import transforms as t
from hub.model.fields import validated_email
from hub.plugin import NAME
from hub.plugin import spec as hookspecs
from hub.plugin.registry import TransformRegistry

ACCEPTED = [
    # (transform, value, args, expected)
    (t.lower, "Ada@X.COM", (), "ada@x.com"),
    (t.upper, "gb", (), "GB"),
    (t.strip, "  a b \n", (), "a b"),
    (t.blank_to_null, "   ", (), None),
    (t.blank_to_null, " a ", (), " a "),
    (t.blank_to_null, 0, (), 0),
    (t.truncate, "abcdef", (3,), "abc"),
    (t.truncate, "ab", (3,), "ab"),
    (t.replace, "a-b-c", ("-", "+"), "a+b+c"),
    (c.to_str, 42, (), "42"),
    (c.to_str, True, (), "true"),
    (c.to_str, date(2024, 1, 5), (), "2024-01-05"),
    (t.e164, "+44 20 7946 0958", (), "+442079460958"),
    (t.e164, "020 7946 0958", ("GB",), "+442079460958"),
    (t.e164, "(201) 555-0123", ("us",), "+12015550123"),
    (t.e164, "  ", (), None),
    (t.email, " Ada.King@Example.COM ", (), "ada.king@example.com"),
    (t.email, "", (), None),
    (t.split_name, "Ada King Lovelace", (), ["Ada", "King Lovelace"]),
    (t.split_name, "Lovelace,  Ada", (), ["Ada", "Lovelace"]),
    (t.split_name, "Madonna", (), ["Madonna", None]),
    (t.split_name, "  ", (), [None, None]),
    (t.pick, ["a", "b"], (1,), "b"),
    (t.pick, ["a", "b"], (-1,), "b"),
    (t.pick, ["a"], (3,), None),
    (t.join, ["Ada", None, " ", "King"], (" ",), "Ada King"),
    (t.join, ["a", 1], ("-",), "a-1"),
    (t.join, [None, ""], (), None),
    (c.to_datetime, "2024-01-05T10:00:00+02:00", (), datetime(2024, 1, 5, 8, tzinfo=UTC)),
    (c.to_datetime, "2024-01-05T10:00:00Z", (), datetime(2024, 1, 5, 10, tzinfo=UTC)),
    (c.to_datetime, "2024-01-05 10:00", (), datetime(2024, 1, 5, 10, tzinfo=UTC)),
    (c.to_datetime, "20240105", (), datetime(2024, 1, 5, tzinfo=UTC)),
    (c.to_datetime, 1_700_000_000, (), datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    (c.to_datetime, "1700000000", (), datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    (c.to_datetime, 1_700_000_000_250, (),
     datetime(2023, 11, 14, 22, 13, 20, 250_000, tzinfo=UTC)),
    (c.to_datetime, date(2024, 1, 5), (), datetime(2024, 1, 5, tzinfo=UTC)),
    (c.to_datetime, datetime(2024, 1, 5, 10), (), datetime(2024, 1, 5, 10, tzinfo=UTC)),
    (c.to_datetime, "", (), None),
    (c.to_date, "2024-01-05", (), date(2024, 1, 5)),
    (c.to_date, "2024-01-05T23:30:00-05:00", (), date(2024, 1, 6)),
    (c.to_date, date(2024, 1, 5), (), date(2024, 1, 5)),
    (c.to_iso, datetime(2024, 1, 5, 10, tzinfo=UTC), (), "2024-01-05T10:00:00Z"),
    (c.to_iso, "2024-01-05T10:00:00+01:00", (), "2024-01-05T09:00:00Z"),
    (c.to_iso, date(2024, 1, 5), (), "2024-01-05"),
    (c.to_int, "42", (), 42),
    (c.to_int, " 42 ", (), 42),
    (c.to_int, "4.2e1", (), 42),
    (c.to_int, 42.0, (), 42),
    (c.to_int, Decimal("7"), (), 7),
    (c.to_int, "", (), None),
    (c.to_float, "1.5", (), 1.5),
    (c.to_float, 2, (), 2.0),
    (c.to_decimal, "19.99", (), Decimal("19.99")),
    (c.to_decimal, 0.1, (), Decimal("0.1")),
    (c.to_decimal, "2.675", (2,), Decimal("2.68")),
    (c.to_decimal, "2.665", (2,), Decimal("2.66")),  # half to even
    (c.to_decimal, 3, (), Decimal(3)),
    (c.to_bool, "Yes", (), True),
    (c.to_bool, "off", (), False),
    (c.to_bool, 0, (), False),
    (c.to_bool, True, (), True),
    (c.to_bool, " ", (), None),
    (t.map_values, "UK", ({"UK": "GB"},), "GB"),
    (t.map_values, "FR", ({"UK": "GB"},), "FR"),
    (t.map_values, "FR", ({"UK": "GB"}, "null"), None),
    (t.map_values, "FR", ({"UK": "GB"}, None), None),
    (t.default, None, ("US",), "US"),
    (t.default, "GB", ("US",), "GB"),
    (t.default, "", ("US",), ""),
]


@pytest.mark.parametrize(
    ("fn", "value", "args", "expected"),
    ACCEPTED,
    ids=[f"{case[0].__name__}-{case[1]!r:.24}" for case in ACCEPTED],
)
def test_transform_returns(fn: Any, value: Any, args: tuple[Any, ...], expected: Any) -> None:
    assert fn(value, *args) == expected


def test_hash_is_the_sha256_of_the_text() -> None:
    assert t.hash_sha256("a@x.com") == hashlib.sha256(b"a@x.com").hexdigest()
    assert t.hash_sha256(12) == hashlib.sha256(b"12").hexdigest()


REFUSED = [
    # (transform, value, args, error type, fragment of the reason)
    (t.lower, 3, (), TypeError, "expected text, got int"),
    (t.truncate, None, (2,), TypeError, "expected text, got null"),
    (t.e164, "12", (), ValueError, "not a phone number"),
    (t.e164, "+1 555 000", (), ValueError, "not a valid phone number"),
    (t.e164, 1.5, (), TypeError, "expected text"),
    (t.email, "ada.example.com", (), ValueError, "not a valid email address"),
    (t.email, "ada@", (), ValueError, "not a valid email address"),
    (t.pick, "ab", (0,), TypeError, "expected a list"),
    (t.join, "ab", (), TypeError, "expected a list"),
    (t.join, [{"a": 1}], (), TypeError, "got dict"),
    (c.to_datetime, "next tuesday", (), ValueError, "not an ISO 8601 date-time"),
    (c.to_datetime, True, (), TypeError, "bool"),
    (c.to_datetime, float("nan"), (), ValueError, "not a time"),
    (c.to_datetime, 10**30, (), ValueError, "out of range"),
    (c.to_datetime, 10**400, (), ValueError, "out of range"),
    (c.to_datetime, "0001-01-01T00:00:00+05:00", (), ValueError, "out of range"),
    (c.to_iso, [1], (), TypeError, "expected text"),
    (c.to_int, "4.5", (), ValueError, "not an integer"),
    (c.to_int, 4.5, (), ValueError, "not an integer"),
    (c.to_int, "1e999999", (), ValueError, "not an integer in range"),
    (c.to_int, "abc", (), ValueError, "not a number"),
    (c.to_int, True, (), TypeError, "bool"),
    (c.to_int, float("inf"), (), ValueError, "not a finite number"),
    (c.to_float, "nan", (), ValueError, "not a finite number"),
    (c.to_float, "1e400", (), ValueError, "not a finite number"),
    (c.to_float, 10**400, (), ValueError, "too large"),
    (c.to_decimal, "x", (), ValueError, "not a number"),
    (c.to_decimal, "1e40", (2,), ValueError, "too many digits"),
    (c.to_bool, "maybe", (), ValueError, "not a yes/no value"),
    (c.to_bool, 2, (), ValueError, "not a yes/no value"),
    (t.map_values, "FR", ({"UK": "GB"}, "error"), ValueError, "'FR' is not one of 'UK'"),
    (t.map_values, ["UK"], ({"UK": "GB"},), TypeError, "cannot look up a list"),
    (c.to_str, {"a": 1}, (), TypeError, "got dict"),
]


@pytest.mark.parametrize(
    ("fn", "value", "args", "error", "reason"),
    REFUSED,
    ids=[f"{case[0].__name__}-{case[1]!r:.20}" for case in REFUSED],
)
def test_transform_refuses(fn: Any, value: Any, args: tuple[Any, ...], error: type[Exception],
                           reason: str) -> None:
    with pytest.raises(error, match=re.escape(reason)):
        fn(value, *args)


def _outcome(fn: Any, text: str) -> Any:
    try:
        return fn(text)
    except ValueError:
        return "refused"


ADDRESSES = st.builds(
    "{}@{}{}".format,
    st.text(alphabet="aZ0._-+!'", max_size=70),
    st.lists(st.text(alphabet="aZ0-", max_size=65), min_size=1, max_size=4).map(".".join),
    st.sampled_from(["", ".com", ".co", ".C1", ".x", ".museum", ".test", ".onion", ".local"]),
) | st.from_regex(r"[a-zA-Z0-9._+'-]{1,12}@[a-zA-Z0-9-]{1,12}(\.[a-zA-Z0-9]{1,4}){1,2}",
                  fullmatch=True)


@settings(max_examples=600, deadline=None)
@given(ADDRESSES)
def test_the_email_fast_path_agrees_with_the_full_validator(address: str) -> None:
    assert _outcome(t.email, address) == _outcome(validated_email, address)


ARGUMENT_CHECKS = [
    ("truncate", ("200",), "length must be an integer"),
    ("truncate", (-1,), "length must be at least 0"),
    ("pick", (True,), "index must be an integer"),
    ("e164", ("XX",), "not a region code"),
    ("map", (["UK"],), "the table must be a mapping"),
    ("map", ({"UK": "GB"}, "drop"), "unmapped must be one of keep, error, null"),
    ("replace", ("", "x"), "must not be empty"),
    ("replace", ("a", 1), "new must be text"),
    ("join", (1,), "separator must be text"),
    ("to_decimal", (40,), "places must be a whole number from 0 to 18, got 40"),
]


@pytest.mark.parametrize(("name", "args", "reason"), ARGUMENT_CHECKS,
                         ids=[f"{n}-{a!r}" for n, a, _ in ARGUMENT_CHECKS])
def test_argument_checks_refuse_arguments_that_cannot_work(name: str, args: tuple[Any, ...],
                                                           reason: str) -> None:
    check = getattr(t.BUILTINS[name], t.CHECK_ARGS)
    with pytest.raises(ValueError, match=re.escape(reason)):
        check(*args)


def test_argument_checks_accept_good_arguments() -> None:
    for name, args in [("truncate", (0,)), ("e164", ("gb",)), ("e164", ()),
                       ("map", ({"a": 1}, "error")), ("to_decimal", ()), ("replace", ("a", ""))]:
        getattr(t.BUILTINS[name], t.CHECK_ARGS)(*args)


def test_only_default_accepts_null() -> None:
    takes_null = {name for name, fn in t.BUILTINS.items() if getattr(fn, t.ACCEPTS_NULL, False)}
    assert takes_null == {"default"}


def test_default_transforms_hold_every_builtin() -> None:
    registry = t.default_transforms()
    assert registry.names() == sorted(t.BUILTINS)
    assert registry.get("map") is t.map_values


def test_the_hook_registers_the_builtins_through_pluggy() -> None:
    manager = pluggy.PluginManager(NAME)
    manager.add_hookspecs(hookspecs)
    manager.register(t)
    registry = TransformRegistry()
    manager.hook.hub_register_transforms(register=registry)
    assert set(registry.names()) >= {"lower", "e164", "email", "to_datetime", "map", "default"}
