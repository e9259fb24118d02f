"""Bad input gets a clear error and loses nothing: a broken mapping stops `hub sync` before
anything runs, naming file, line and reason; a bad record goes to the dead-letter queue with
its reason while the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli.app import errors as error_console
from tests.engine.hubproject import CUSTOMERS_MAPPING, Project, customer, expected_destination

GOOD = CUSTOMERS_MAPPING.read_text()

# (what is wrong, the text replaced, its replacement, the line reported relative to the
# changed one, the message expected there)
BROKEN = [
    ("unknown transform", "[strip, lower]", "[strip, lowr]", 0,
     "fields.email.transform[1]: unknown transform 'lowr' (did you mean 'lower'?)"),
    ("unknown field", "  time_zone: ", "  timezone:  ", 0,
     "fields.timezone: canonical.Contact has no field 'timezone' (did you mean 'time_zone'?)"),
    # the parser finds the unclosed brace missing where the next line starts
    ("yaml syntax", "{from: id, transform: [to_str]}", "{from: id, transform: [to_str]", 1,
     "YAML syntax: while parsing a flow mapping did not find expected ',' or '}'"),
    ("unknown key field", "key: id", "key: ident", 0,
     "key: key 'ident' is not one of the fields"),
    ("bad transform argument", "[strip]}", "[{truncate: -1}]}", 0,
     "fields.first_name.transform[0]: transform truncate: length must be at least 0"),
]


@pytest.fixture
def wide_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep each located error on one line of captured stderr."""
    monkeypatch.setattr(error_console, "width", 1000)


@pytest.mark.usefixtures("wide_errors")
@pytest.mark.parametrize(("problem", "old", "new", "offset", "message"), BROKEN,
                         ids=[case[0] for case in BROKEN])
def test_a_broken_mapping_is_refused_before_anything_runs(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str],
        problem: str, old: str, new: str, offset: int, message: str) -> None:
    project = sqlite_project
    assert old in GOOD, "the case must change the real mapping"
    text = GOOD.replace(old, new, 1)
    broken = project.root / "customers.yaml"
    broken.write_text(text)
    line = offset + next(n for n, content in enumerate(text.splitlines(), 1) if new in content)
    project.create_shop(customer(i) for i in range(1, 11))
    project.write_config({"customers": project.pipeline(mapping=broken)})

    assert project.hub("sync", "customers") == 2
    err = capsys.readouterr().err
    located = next(t for t in err.splitlines() if t.startswith(f"{broken}:"))
    where, _, reason = located.partition(": ")
    assert where.split(":")[1] == str(line), f"{problem}: expected line {line}: {located}"
    assert reason.startswith(message)

    store = project.store()
    try:
        assert store.runs() == []  # no run was started …
        assert store.get_cursor("customers") is None
    finally:
        store.close()
    assert project.destination() == {}  # … and nothing was written


def test_a_missing_mapping_file_is_a_located_config_error(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str], wide_errors: None) -> None:
    project = sqlite_project
    project.create_shop()
    project.write_config({"customers": project.pipeline(mapping=Path("nowhere.yaml"))})
    assert project.hub("sync", "customers") == 2
    err = capsys.readouterr().err
    assert "pipelines.customers.mapping: mapping file 'nowhere.yaml' does not exist" in err


def test_bad_records_are_dead_lettered_with_their_reason_and_the_run_goes_on(
        project: Project) -> None:
    rows = [customer(i) for i in range(1, 31)]
    bad = {
        2: ("email", "ann at example.com", "email: 'ann at example.com' is not a valid email"),
        3: ("phone", "12", "field phone: transform e164: '12' is not a valid phone number"),
        4: ("time_zone", "Mars/Olympus", "time_zone: 'Mars/Olympus' is not an IANA time zone"),
        5: ("email", None, "field email: required, but null after mapping"),
    }
    for i, (column, value, _) in bad.items():
        rows[i - 1][column] = value
    project.create_shop(rows)
    project.write_config({"customers": project.pipeline(page_size=7, batch_size=3)})

    assert project.hub("sync", "customers") == 0
    good = [r for r in rows if r["id"] not in bad]
    assert project.destination() == expected_destination(good)
    store = project.store()
    try:
        [run] = store.runs("customers")
        assert (run.status, run.read, run.written, run.invalid) == ("succeeded", 30, 26, 4)
        letters = {d.record_key: d for d in store.dead_letters("customers")}
        assert set(letters) == {f"[{i}]" for i in bad}
        for i, (column, value, reason) in bad.items():
            letter = letters[f"[{i}]"]
            assert reason in letter.error
            assert letter.kind == "invalid"
            assert letter.record[column] == value  # the record as the source gave it
            assert letter.run_id == run.id
        assert store.get_cursor("customers") is not None  # past the bad ones: nothing waits
    finally:
        store.close()
