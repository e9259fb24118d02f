"""Applying a compiled mapping to records: field kinds, nulls, required fields, bad records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import RecordError
from hub.mapping import Mapping, NullPolicy, default_transforms, load_mapping


def mapping(*field_lines: str, key: str = "id") -> Mapping:
    text = "version: 1\nsource: crm.people\ntarget: hubspot.contacts\n"
    text += f"key: {key}\nfields:\n  id: {{from: id}}\n"
    text += "".join(f"  {line}\n" for line in field_lines)
    return load_mapping("m.yaml", text=text, transforms=default_transforms())


def one(field_line: str, record: dict[str, Any]) -> Any:
    """The value of field `out` for `record` (absent -> the string "<absent>")."""
    payload = mapping(field_line).apply({"id": 1, **record})
    return payload.get("out", "<absent>")


# -- where values come from ---------------------------------------------------------------


def test_from_a_top_level_key() -> None:
    assert one("out: {from: name}", {"name": "Ada"}) == "Ada"


def test_from_a_dotted_path() -> None:
    assert one("out: {from: address.country}", {"address": {"country": "GB"}}) == "GB"


def test_a_dotted_path_through_a_missing_or_wrong_kind_of_node_is_null() -> None:
    assert one("out: {from: address.country}", {}) == "<absent>"
    assert one("out: {from: address.country}", {"address": "GB"}) == "<absent>"
    assert one("out: {from: address.country}", {"address": None}) == "<absent>"


def test_digits_in_a_path_index_lists() -> None:
    record = {"emails": [{"value": "a@x"}, {"value": "b@x"}]}
    assert one("out: {from: emails.1.value}", record) == "b@x"
    assert one("out: {from: emails.-1.value}", record) == "b@x"
    assert one("out: {from: emails.5.value}", record) == "<absent>"
    assert one("out: {from: emails.--1.value}", record) == "<absent>"


def test_digits_in_a_path_are_keys_of_a_mapping() -> None:
    assert one("out: {from: scores.2024}", {"scores": {"2024": 7}}) == 7


def test_fallback_paths_take_the_first_non_null() -> None:
    line = "out: {from: [first_name, given_name, profile.name]}"
    assert one(line, {"first_name": "Ada", "given_name": "A"}) == "Ada"
    assert one(line, {"first_name": None, "given_name": "A"}) == "A"
    assert one(line, {"profile": {"name": "P"}}) == "P"
    assert one(line, {"first_name": "", "given_name": "A"}) == ""  # blank is not null
    assert one(line, {}) == "<absent>"


def test_const_sends_the_same_value_every_time() -> None:
    assert one("out: {const: customer}", {}) == "customer"
    assert one("out: {const: 3}", {"out": 4}) == 3


def test_a_const_list_is_not_shared_between_payloads() -> None:
    compiled = mapping("out: {const: [a, b]}")
    first = compiled.apply({"id": 1})
    first["out"].append("c")
    assert compiled.apply({"id": 2})["out"] == ["a", "b"]


def test_template_renders_against_the_source_record() -> None:
    line = "out: {template: \"Hi {{ first_name | default: 'there' }} from {{ address.city }}\"}"
    assert one(line, {"first_name": "Ada", "address": {"city": "Paris"}}) == "Hi Ada from Paris"
    assert one(line, {}) == "Hi there from "


def test_transforms_apply_to_templates_and_consts() -> None:
    assert one("out: {template: ' {{ a }} ', transform: [strip, upper]}", {"a": "x"}) == "X"
    assert one("out: {const: ' x ', transform: [strip]}", {}) == "x"


# -- transform chains ---------------------------------------------------------------------


def test_a_chain_runs_in_order() -> None:
    line = "out: {from: name, transform: [split_name, {pick: 1}, upper]}"
    assert one(line, {"name": "Ada Lovelace"}) == "LOVELACE"


def test_a_null_skips_transforms_but_reaches_default() -> None:
    line = "out: {from: country, transform: [strip, upper, {map: {UK: GB}}, {default: US}]}"
    assert one(line, {"country": " uk "}) == "GB"
    assert one(line, {"country": "fr"}) == "FR"
    assert one(line, {}) == "US"


def test_blank_to_null_makes_empty_text_missing() -> None:
    line = "out: {from: a, transform: [strip, blank_to_null], when_null: set_null}"
    assert one(line, {"a": "  "}) is None


def test_list_arguments_and_single_arguments_mean_the_same() -> None:
    assert one("out: {from: a, transform: [{truncate: [2]}]}", {"a": "abc"}) == "ab"
    assert one("out: {from: a, transform: [{truncate: 2}]}", {"a": "abc"}) == "ab"
    assert one("out: {from: a, transform: [{default: [[x, y]]}]}", {}) == ["x", "y"]


@pytest.mark.parametrize(
    ("transforms", "value", "expected"),
    [
        ("[email]", " Ada@Example.COM ", "ada@example.com"),
        ("[{e164: GB}]", "020 7946 0958", "+442079460958"),
        ("[to_datetime]", 1_700_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("[to_datetime, to_iso]", "2024-01-05T10:00:00+01:00", "2024-01-05T09:00:00Z"),
        ("[to_decimal]", "19.99", Decimal("19.99")),
        ("[{map: [{gold: 3, silver: 2}, null]}]", "bronze", "<absent>"),
        ("[hash_sha256, {truncate: 8}]", "a@x.com", "478abec7"),
        ("[{replace: [' ', '']}, to_int]", "1 000", 1000),
        ("[to_bool]", "Y", True),
        ("[{join: ', '}]", ["a", None, "b"], "a, b"),
    ],
)
def test_builtin_transforms_in_a_mapping(transforms: str, value: Any, expected: Any) -> None:
    assert one(f"out: {{from: v, transform: {transforms}}}", {"v": value}) == expected


def test_an_argument_can_be_read_from_the_record() -> None:
    line = "out: {from: phone, transform: [{e164: {from: [country, address.country]}}]}"
    assert one(line, {"phone": "020 7946 0958", "country": "gb"}) == "+442079460958"
    assert one(line, {"phone": "(201) 555-0123", "address": {"country": "US"}}) == "+12015550123"
    assert one(line, {"phone": "+44 20 7946 0958", "country": " "}) == "+442079460958"
    assert one(line, {}) == "<absent>"  # a null value skips the step: no argument is read


def test_an_argument_read_from_the_record_is_checked_per_record() -> None:
    line = "out: {from: phone, transform: [{e164: {from: country}}]}"
    with pytest.raises(RecordError, match=r"^field out: transform e164: 'XX' is not a region"):
        one(line, {"phone": "020 7946 0958", "country": "XX"})
    with pytest.raises(RecordError, match=r"^field out: transform e164: 44 is not a region"):
        one(line, {"phone": "020 7946 0958", "country": 44})
    line = "out: {from: text, transform: [{truncate: [{from: size}]}]}"
    assert one(line, {"text": "abcdef", "size": 2}) == "ab"
    with pytest.raises(RecordError, match="length must be an integer, got '2'"):
        one(line, {"text": "abcdef", "size": "2"})


# -- nulls, required fields and keys ------------------------------------------------------


def test_when_null_skip_leaves_the_field_out() -> None:
    assert one("out: {from: a}", {"a": None}) == "<absent>"
    assert one("out: {from: a, when_null: skip}", {}) == "<absent>"


def test_when_null_set_null_sends_an_explicit_null() -> None:
    assert one("out: {from: a, when_null: set_null}", {}) is None


def test_when_null_keep_leaves_the_field_out_and_is_visible_to_the_engine() -> None:
    compiled = mapping("out: {from: a, when_null: keep}", "other: {from: b, when_null: set_null}")
    assert compiled.apply({"id": 1}) == {"id": 1, "other": None}
    assert compiled.null_policy == {
        "id": NullPolicy.SKIP, "out": NullPolicy.KEEP, "other": NullPolicy.SET_NULL}


def test_a_required_field_that_is_null_rejects_the_record() -> None:
    compiled = mapping("out: {from: [a, b], transform: [blank_to_null], required: true}")
    assert compiled.apply({"id": 1, "b": "x"})["out"] == "x"
    with pytest.raises(RecordError, match=r"^field out: required, but null after mapping "
                                          r"\(from a, b\)$"):
        compiled.apply({"id": 1, "a": " "})
    assert compiled.required == {"id", "out"}


def test_key_fields_are_required() -> None:
    with pytest.raises(RecordError, match="field id: required"):
        mapping().apply({"name": "no id"})


def test_key_of_gives_the_key_values_in_order() -> None:
    compiled = mapping("email: {from: email}", key="[email, id]")
    payload = compiled.apply({"id": 7, "email": "a@x"})
    assert compiled.key_of(payload) == ("a@x", 7)
    with pytest.raises(RecordError, match="key field email is null"):
        compiled.key_of({"id": 7})


def test_fields_keep_file_order() -> None:
    compiled = mapping("b: {from: b}", "a: {from: a}")
    assert compiled.fields == ("id", "b", "a")
    assert list(compiled.apply({"id": 1, "a": 1, "b": 2})) == ["id", "b", "a"]


# -- bad records --------------------------------------------------------------------------


def test_a_bad_value_rejects_only_that_record() -> None:
    compiled = mapping("phone: {from: phone, transform: [e164]}")
    with pytest.raises(RecordError) as caught:
        compiled.apply({"id": 1, "phone": "12"})
    assert str(caught.value) == (
        "field phone: transform e164: '12' is not a phone number: "
        "Missing or invalid default region (give it in +<country code> form)")
    assert compiled.apply({"id": 2, "phone": "+44 20 7946 0958"})["phone"] == "+442079460958"


def test_a_value_of_the_wrong_kind_is_a_record_error() -> None:
    with pytest.raises(RecordError, match=r"^field out: transform lower: expected text, got int$"):
        one("out: {from: a, transform: [lower]}", {"a": 3})


def test_a_template_that_fails_on_a_record_is_a_record_error() -> None:
    with pytest.raises(RecordError, match=r"^field out: template: "):
        one("out: {template: '{{ a | divided_by: 0 }}'}", {"a": 1})


def test_a_record_that_is_not_a_mapping_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="a record must be a mapping, got list"):
        mapping().apply([1, 2])  # type: ignore[arg-type]


def test_a_bug_in_a_plugin_transform_is_not_hidden_as_a_bad_record() -> None:
    registry = default_transforms()

    def broken(value: Any) -> Any:
        raise KeyError("bug")

    registry.add("broken", broken)
    text = ("version: 1\nsource: a.b\ntarget: c.d\nkey: id\nfields:\n"
            "  id: {from: id, transform: [broken]}\n")
    compiled = load_mapping("m.yaml", text=text, transforms=registry)
    with pytest.raises(KeyError, match="bug"):
        compiled.apply({"id": 1})


# -- any record at all --------------------------------------------------------------------

SAMPLE = load_mapping("sample.yaml", transforms=default_transforms(), text="""\
version: 1
source: crm.people
target: hubspot.contacts
key: email
fields:
  email: {from: [email, emails.0], transform: [strip, email]}
  first: {from: name, transform: [split_name, {pick: 0}, {truncate: 20}]}
  last: {from: name, transform: [split_name, {pick: 1}], when_null: set_null}
  phone: {from: phone, transform: [{e164: US}], when_null: keep}
  mobile: {from: phone, transform: [{e164: {from: [address.country, tier]}}]}
  country: {from: address.country, transform: [upper, {map: {UK: GB}}, {default: US}]}
  born: {from: born, transform: [to_date]}
  seen: {from: seen, transform: [to_datetime, to_iso]}
  score: {from: score, transform: [to_int]}
  spend: {from: spend, transform: [{to_decimal: 2}]}
  ratio: {from: ratio, transform: [to_float]}
  optin: {from: optin, transform: [to_bool]}
  tier: {from: tier, transform: [to_str, lower, {map: [{gold: 1, silver: 2}, error]}]}
  tags: {from: tags, transform: [{join: ","}, hash_sha256]}
  note: {from: note, transform: [{replace: [a, b]}, blank_to_null]}
  hello: {template: "Hi {{ name | default: 'you' | upcase }} {{ score | plus: 1 }}"}
  stage: {const: customer}
""")

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
TEXTY = st.one_of(JSON, st.sampled_from([
    "a@x.com", " A@X.COM ", "+1 201 555 0123", "2024-01-05", "1700000000", "gold", "Ada Lovelace",
    "", " ", "yes", "12", "1e5", "nan",
]))
RECORDS = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys((
        "email", "emails", "name", "phone", "address", "born", "seen", "score", "spend", "ratio",
        "optin", "tier", "tags", "note"), TEXTY),
) | st.dictionaries(st.text(max_size=8), JSON, max_size=5)


@settings(max_examples=400, deadline=None)
@given(RECORDS)
def test_apply_only_ever_raises_record_error(record: dict[str, Any]) -> None:
    try:
        payload = SAMPLE.apply(record)
    except RecordError as exc:
        reason = str(exc)
        assert reason.startswith(("field ", "key field ")), reason  # every rejection says why
    else:
        assert set(payload) <= set(SAMPLE.fields)
        assert payload["stage"] == "customer"
        assert SAMPLE.key_of(payload) == (payload["email"],)
