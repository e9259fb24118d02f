"""Loading mapping files: every refusal names file, line, column and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.errors import ConfigError, MappingError
from hub.mapping import check_files, default_transforms, find_mapping_files, load_mapping
from hub.mapping.transforms import accepts_null, checks_args

TARGETS = {"hubspot.contacts": {"email", "firstname", "lastname", "phone", "notes"}}
SOURCES = {"canonical.Contact": {"email", "first_name", "last_name", "phone", "address",
                                 "country"}}

GOOD = """\
version: 1
source: canonical.Contact
target: hubspot.contacts
key: email
fields:
  email: {from: email, transform: [strip, lower], required: true}
  firstname: {from: [first_name, address.name]}
  notes: {template: "Hi {{ first_name | default: 'there' }}"}
  phone: {from: phone, transform: [{e164: {from: [country, address.country]}}]}
"""


def load(text: str, **kwargs: Any) -> Any:
    return load_mapping("m.yaml", text=text, transforms=default_transforms(),
                        target_fields=TARGETS.get, source_fields=SOURCES.get, **kwargs)


def with_fields(*lines: str, key: str = "email", extra: str = "") -> str:
    """The header (lines 1-5) and then the given field lines, from line 6 on."""
    head = (f"version: 1\nsource: canonical.Contact\ntarget: hubspot.contacts\nkey: {key}\n"
            f"{extra}fields:\n")
    return head + "".join(f"  {line}\n" for line in lines)


@dataclass(frozen=True)
class Case:
    name: str
    yaml_text: str
    expected: str  # a fragment of the error: "m.yaml:LINE:COL: field.path: message"


CASES = [
    Case("yaml_syntax", "version: 1\nsource: [a\n", "m.yaml:3:1: YAML syntax"),
    Case("duplicate_key", with_fields("email: {from: email}", "email: {from: phone}"),
         "m.yaml:7:3: fields.email: duplicate key"),
    Case("not_a_mapping", "- version: 1\n", "m.yaml:1:1: expected a mapping with version"),
    Case("empty_file", "", "m.yaml:1:1: expected a mapping with version"),
    Case("bad_version", with_fields("email: {from: email}").replace("version: 1", "version: 2"),
         "m.yaml:1:1: version: unsupported version 2: this hub reads version 1"),
    Case("version_as_text",
         with_fields("email: {from: email}").replace("version: 1", 'version: "1"'),
         "m.yaml:1:1: version: Input should be a valid integer"),
    Case("missing_fields", "version: 1\nsource: a.b\ntarget: c.d\nkey: email\n",
         "m.yaml:1:1: fields: required key is missing"),
    Case("empty_fields", "version: 1\nsource: a.b\ntarget: c.d\nkey: email\nfields: {}\n",
         "m.yaml:5:1: fields: Dictionary should have at least 1 item"),
    Case("bad_source",
         with_fields("email: {from: email}").replace("canonical.Contact", "contacts"),
         "m.yaml:2:1: source: 'contacts' should look like <connector>.<stream>"),
    Case("unknown_top_level_key", with_fields("email: {from: email}", extra="mode: fast\n"),
         "m.yaml:5:1: mode: unknown key"),
    Case("unknown_field_key", with_fields("email: {from: email, requird: true}"),
         "m.yaml:6:24: fields.email.requird: unknown key"),
    Case("field_not_a_mapping", with_fields("email: email"),
         "m.yaml:6:3: fields.email: expected a mapping such as {from: email}"),
    Case("no_source_of_value", with_fields("email: {required: true}"),
         "m.yaml:6:3: fields.email: give exactly one of from, const, template (found none)"),
    Case("two_sources_of_value", with_fields("email: {from: email, const: a@b.c}"),
         "m.yaml:6:3: fields.email: give exactly one of from, const, template "
         "(found from and const)"),
    Case("three_sources_of_value", with_fields("email: {from: a, const: 1, template: x}"),
         "(found from and const and template)"),
    Case("empty_from", with_fields("email: {from: []}"),
         "m.yaml:6:11: fields.email.from: give at least one source path"),
    Case("bad_path", with_fields("email: {from: contact..email}"),
         "m.yaml:6:11: fields.email.from: 'contact..email' is not a dotted path"),
    Case("unknown_source_field", with_fields("email: {from: emial}"),
         "m.yaml:6:11: fields.email.from: canonical.Contact has no field 'emial' "
         "(did you mean 'email'?)"),
    Case("unknown_fallback_source_field", with_fields("email: {from: [email, mail.work]}"),
         "m.yaml:6:25: fields.email.from[1]: canonical.Contact has no field 'mail'"),
    Case("unknown_transform", with_fields("email: {from: email, transform: [strip, lowr]}"),
         "m.yaml:6:43: fields.email.transform[1]: unknown transform 'lowr' "
         "(did you mean 'lower'?)"),
    Case("unknown_transform_lists_known",
         with_fields("email: {from: email, transform: [zzz]}"),
         "unknown transform 'zzz' (known: blank_to_null, default, e164"),
    Case("transform_missing_argument",
         with_fields("email: {from: email, transform: [{pick: []}]}"),
         "m.yaml:6:36: fields.email.transform[0]: transform pick: "
         "missing a required argument: 'index'"),
    Case("transform_too_many_arguments",
         with_fields("email: {from: email, transform: [{lower: [1]}]}"),
         "fields.email.transform[0]: transform lower: too many positional arguments"),
    Case("transform_null_is_an_argument",
         with_fields("email: {from: email, transform: [{strip: null}]}"),
         "transform strip: too many positional arguments (given [None])"),
    Case("transform_bad_argument",
         with_fields("email: {from: email, transform: [{truncate: abc}]}"),
         "m.yaml:6:36: fields.email.transform[0]: transform truncate: "
         "length must be an integer, got 'abc'"),
    Case("transform_bad_region",
         with_fields("phone: {from: phone, transform: [{e164: [XX]}]}", key="phone"),
         "fields.phone.transform[0]: transform e164: 'XX' is not a region code"),
    Case("transform_bad_map_mode",
         with_fields("email: {from: email, transform: [{map: [{a: b}, drop]}]}"),
         "transform map: unmapped must be one of keep, error, null"),
    Case("transform_argument_bad_path",
         with_fields("phone: {from: phone, transform: [{e164: {from: ''}}]}", key="phone"),
         "m.yaml:6:36: fields.phone.transform[0]: argument {from: ...}: '' is not a dotted path"),
    Case("transform_argument_unknown_source_field",
         with_fields("phone: {from: phone, transform: [{e164: {from: contry}}]}", key="phone"),
         "m.yaml:6:36: fields.phone.transform[0]: canonical.Contact has no field 'contry'"),
    Case("transform_two_keys",
         with_fields("email: {from: email, transform: [{lower: [], upper: []}]}"),
         "m.yaml:6:36: fields.email.transform[0]: a transform is a name or a one-key mapping"),
    Case("transform_not_text", with_fields("email: {from: email, transform: [3]}"),
         "fields.email.transform[0]: a transform is a name or a one-key mapping"),
    Case("bad_when_null", with_fields("email: {from: email, when_null: never}"),
         "m.yaml:6:24: fields.email.when_null: Input should be 'skip', 'set_null' or 'keep'"),
    Case("bad_required", with_fields("email: {from: email, required: maybe}"),
         "m.yaml:6:24: fields.email.required: Input should be a valid boolean"),
    Case("unknown_target_field", with_fields("email: {from: email}", "emial2: {const: x}"),
         "m.yaml:7:3: fields.emial2: hubspot.contacts has no field 'emial2' "
         "(did you mean 'email'?)"),
    Case("unknown_canonical_target",
         with_fields("email: {from: email}").replace("hubspot.contacts", "canonical.Kontact"),
         "m.yaml:3:1: target: no canonical model 'Kontact' (did you mean 'Contact'?)"),
    Case("unknown_canonical_source",
         with_fields("email: {from: email}").replace("canonical.Contact", "canonical.Contacts"),
         "m.yaml:2:1: source: no canonical model 'Contacts' (did you mean 'Contact'?)"),
    Case("control_character", with_fields("email: {from: em\x01ail}"),
         "m.yaml:6:19: control characters are not allowed (U+0001)"),
    Case("key_not_a_field", with_fields("email: {from: email}", key="emial"),
         "m.yaml:4:1: key: key 'emial' is not one of the fields (did you mean 'email'?)"),
    Case("key_list_not_fields", with_fields("email: {from: email}", key="[email, phone]"),
         "m.yaml:4:14: key[1]: key 'phone' is not one of the fields"),
    Case("key_named_twice", with_fields("email: {from: email}", key="[email, email]"),
         "m.yaml:4:1: key: a key field is named twice"),
    Case("key_wrong_type", with_fields("email: {from: email}", key="{a: 1}"),
         "m.yaml:4:1: key: expected a field name or a list of field names"),
    Case("liquid_syntax", with_fields('notes: {template: "Hi {{ name "}', key="notes"),
         "m.yaml:6:11: fields.notes.template: Liquid syntax error: expected '}}', "
         "found end of file (template column 4)"),
    Case("liquid_syntax_line_in_template",
         with_fields('notes: {template: "Hi\\n{% if x %}open"}', key="notes"),
         "fields.notes.template: Liquid syntax error: expected tag endif"),
    Case("liquid_unknown_filter",
         with_fields('notes: {template: "Hi\\n{{ first_name | upcas }}"}', key="notes"),
         "m.yaml:6:11: fields.notes.template: unknown Liquid filter 'upcas' "
         "(did you mean 'upcase'?) (template line 2, column 17)"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_file_is_refused_with_a_located_problem(case: Case) -> None:
    with pytest.raises(MappingError) as caught:
        load(case.yaml_text)
    problems = [str(p) for p in caught.value.problems]
    # exactly one problem: a single mistake must not bring a cascade of follow-on noise
    assert len(problems) == 1, problems
    assert case.expected in problems[0]


def test_a_good_file_loads() -> None:
    mapping = load(GOOD)
    assert mapping.source == "canonical.Contact"
    assert mapping.target == "hubspot.contacts"
    assert mapping.key == ("email",)
    assert mapping.fields == ("email", "firstname", "notes", "phone")


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    text = with_fields(
        "email: {from: email, transform: [lowr]}",
        "phone: {frm: phone}",
        "notes: {template: '{{ x | nope }}'}",
        "extra: {const: 1}",
        key="id",
    ).replace("version: 1", "version: 3")
    with pytest.raises(MappingError) as caught:
        load(text)
    lines = [p.line for p in caught.value.problems]
    assert lines == [1, 4, 6, 7, 8, 9]
    assert "has 6 problem(s)" in str(caught.value)


def test_mapping_error_is_a_config_error_with_the_lines_in_its_message() -> None:
    with pytest.raises(ConfigError, match=r"m\.yaml:6:36: fields\.email\.transform\[0\]"):
        load(with_fields("email: {from: email, transform: [lowr]}"))


def test_fields_are_not_checked_against_an_unknown_target() -> None:
    text = GOOD.replace("hubspot.contacts", "acme.people").replace("canonical.Contact", "x.y")
    mapping = load(text)
    assert mapping.target == "acme.people"


def test_without_providers_no_field_names_are_checked() -> None:
    text = with_fields("anything: {from: whatever}", key="anything")
    mapping = load_mapping("m.yaml", text=text, transforms=default_transforms())
    assert mapping.fields == ("anything",)


def test_a_plugin_transform_is_resolved_and_its_arguments_checked() -> None:
    registry = default_transforms()

    def must_be_positive(times: Any) -> None:
        if not isinstance(times, int) or times < 1:
            raise ValueError("times must be a positive integer")

    @checks_args(must_be_positive)
    def repeat(value: str, times: int) -> str:
        return value * times

    @accepts_null
    def or_unknown(value: Any) -> Any:
        return "unknown" if value is None else value

    registry.add("repeat", repeat)
    registry.add("or_unknown", or_unknown)
    text = with_fields("email: {from: email}", "notes: {from: x, transform: [{repeat: 2}]}",
                       "phone: {from: y, transform: [or_unknown]}")
    mapping = load_mapping("m.yaml", text=text, transforms=registry)
    assert mapping.apply({"email": "e", "x": "ab"}) == {
        "email": "e", "notes": "abab", "phone": "unknown"}
    with pytest.raises(MappingError, match="times must be a positive integer"):
        load_mapping("m.yaml", text=text.replace("repeat: 2", "repeat: 0"), transforms=registry)


def test_a_file_that_cannot_be_read_is_a_mapping_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(MappingError, match="cannot read") as caught:
        load_mapping(missing, transforms=default_transforms())
    assert caught.value.problems[0].file == str(missing)


def test_a_file_that_is_not_utf8_is_a_located_mapping_error(tmp_path: Path) -> None:
    path = tmp_path / "contacts.yaml"
    path.write_bytes(GOOD.replace("Hi {{", "Hé {{").encode("latin-1"))
    with pytest.raises(MappingError) as caught:
        load_mapping(path, transforms=default_transforms())
    [problem] = caught.value.problems
    line = next(n for n, text in enumerate(GOOD.splitlines(), 1) if "Hi {{" in text)
    column = GOOD.splitlines()[line - 1].index("Hi {{") + 2  # the é
    assert str(problem).startswith(f"{path}:{line}:{column}: not UTF-8: byte 0xe9")


def test_load_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "contacts.yaml"
    path.write_text(GOOD, encoding="utf-8")
    mapping = load_mapping(path, transforms=default_transforms())
    assert mapping.file == str(path)
    assert mapping.apply({"email": " A@B.C "})["email"] == "a@b.c"


def test_check_files_walks_directories_and_reports_every_file(tmp_path: Path) -> None:
    (tmp_path / "hubspot").mkdir()
    (tmp_path / "hubspot" / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "hubspot" / "bad.yml").write_text(GOOD.replace("lower", "lowr"), "utf-8")
    (tmp_path / "broken.yaml").write_text("version: [1\n", encoding="utf-8")
    (tmp_path / "README.txt").write_text("not a mapping", encoding="utf-8")
    missing = tmp_path / "missing"

    problems = check_files([tmp_path, missing])

    shown = [str(p) for p in problems]
    assert len(shown) == 3, shown
    assert f"{tmp_path / 'broken.yaml'}:2:1: YAML syntax" in shown[0]
    assert shown[1] == (f"{tmp_path / 'hubspot' / 'bad.yml'}:6:43: fields.email.transform[1]: "
                        "unknown transform 'lowr' (did you mean 'lower'?)")
    assert shown[2] == f"{missing}: no such file or directory"


def test_check_files_is_empty_for_good_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    assert check_files([tmp_path / "a.yaml"], target_fields=TARGETS.get) == []


def test_find_mapping_files_is_sorted_and_skips_other_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "c.json"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [p.name for p in find_mapping_files(tmp_path)] == ["a.yml", "b.yaml"]
