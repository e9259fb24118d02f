"""`hub config check` refuses what `hub sync` refuses, at the same FILE:LINE:COL; with
`--connect` (and in `hub check`) it asks the live databases whether the tables and columns
each pipeline names exist; and `hub sync` (and `hub dlq replay`) refuse such a pipeline
before a run is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from tests.engine.hubproject import CUSTOMERS_MAPPING, Project, customer

GOOD = CUSTOMERS_MAPPING.read_text()


def run(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = project.hub(*args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def located(output: str, file: object) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"{file}:")]


def no_run_was_recorded(project: Project) -> bool:
    store = project.store()
    try:
        return store.runs() == [] and store.get_cursor("customers") is None
    finally:
        store.close()


# (what is wrong, the text replaced, its replacement, "LINE:COL: field: message" expected)
BROKEN_MAPPINGS = [
    ("unknown transform", "[strip, lower]", "[strip, lowr]",
     "8:48: fields.email.transform[1]: unknown transform 'lowr' (did you mean 'lower'?)"),
    ("unknown field", "  time_zone: ", "  timezone:  ",
     "12:3: fields.timezone: canonical.Contact has no field 'timezone' (did you mean "
     "'time_zone'?)"),
    ("bad YAML", "{from: id, transform: [to_str]}", "{from: id, transform: [to_str]",
     "8:3: YAML syntax: while parsing a flow mapping did not find expected ',' or '}'"),
    ("from with const", "{from: time_zone}", "{from: time_zone, const: UTC}",
     "12:3: fields.time_zone: give exactly one of from, const, template (found from and const)"),
    ("bad transform argument", "[strip]}", "[{truncate: -1}]}",
     "9:46: fields.first_name.transform[0]: transform truncate: length must be at least 0, "
     "got -1"),
    ("empty file", GOOD, "",
     "1:1: expected a mapping with version, source, target, key and fields"),
    ("unsupported version", "version: 1", "version: 9",
     "1:1: version: unsupported version 9: this hub reads version 1"),
    ("unknown canonical model", "canonical.Contact", "canonical.Kontact",
     "3:1: target: no canonical model 'Kontact' (did you mean 'Contact'?)"),
]


@pytest.mark.parametrize(("problem", "old", "new", "expected"), BROKEN_MAPPINGS,
                         ids=[case[0] for case in BROKEN_MAPPINGS])
def test_config_check_refuses_every_mapping_sync_refuses_at_the_same_place(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str],
        problem: str, old: str, new: str, expected: str) -> None:
    project = sqlite_project
    assert old in GOOD, "the case must change the real mapping"
    broken = project.root / "customers.yaml"
    broken.write_text(GOOD.replace(old, new, 1))
    project.create_shop(customer(i) for i in range(1, 6))
    project.write_config({"customers": project.pipeline(mapping=broken)})

    check_code, check_out = run(project, capsys, "config", "check")
    sync_code, sync_out = run(project, capsys, "sync", "customers")
    lint_code, lint_out = run(project, capsys, "mappings", "check", str(broken))

    assert (check_code, sync_code, lint_code) == (2, 2, 2)
    assert located(check_out, broken) == [f"{broken}:{expected}"], problem
    assert located(sync_out, broken) == located(check_out, broken)  # one code path
    assert located(lint_out, broken) == located(check_out, broken)
    assert no_run_was_recorded(project)


def test_a_mapping_two_pipelines_share_is_reported_once(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    broken = project.root / "customers.yaml"
    broken.write_text(GOOD.replace("[strip, lower]", "[strip, lowr]"))
    project.write_config({"a": project.pipeline(mapping=broken),
                          "b": project.pipeline(mapping=broken, table="other")})
    code, out = run(project, capsys, "config", "check")
    assert code == 2
    assert len(located(out, broken)) == 1


def test_an_empty_hub_yaml_is_an_error(sqlite_project: Project,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    sqlite_project.config.write_text("# nothing here yet\n")
    code, out = run(sqlite_project, capsys, "config", "check")
    assert code == 2
    assert f"{sqlite_project.config}:1:1: the file is empty" in out


@dataclass(frozen=True)
class Missing:
    name: str
    change: Any  # (source options, destination options) -> None
    needle: str  # the text in hub.yaml the problem points at
    expected: str  # "field: message" after the position
    prepare_destination: bool = False


def _source(key: str, value: Any) -> Any:
    return lambda source, destination: source.update({key: value})


def _destination(**options: Any) -> Any:
    return lambda source, destination: destination.update(options)


MISSING = [
    Missing("table", _source("stream", "customer"), "stream: customer\n",
            "pipelines.customers.source.stream: stream customer: table 'customer' does not "
            "exist (did you mean 'customers'?)"),
    Missing("cursor column", _source("cursor", "updated"), "cursor: updated\n",
            "pipelines.customers.source.cursor: stream customers: no column 'updated' in table "
            "customers (did you mean 'updated_at'?)"),
    Missing("primary-key column", _source("primary_key", ["id", "uid"]), "uid\n",
            "pipelines.customers.source.primary_key[1]: stream customers: no column 'uid' in "
            "table customers (did you mean 'id'?)"),
    Missing("sink table", _destination(create=False), "object: contacts_copy\n",
            "pipelines.customers.destination.object: sink contacts_copy: table "
            "'contacts_copy' does not exist (create it, or set `create: true`)"),
    Missing("sink key column", _destination(create=False, key=["idd"]), "idd\n",
            "pipelines.customers.destination.key[0]: sink contacts_copy: no column 'idd' in "
            "table contacts_copy (did you mean 'id'?)", prepare_destination=True),
]


def _position(text: str, needle: str) -> str:
    [(line, column)] = [(n, content.index(needle.strip()) + 1)
                        for n, content in enumerate(text.splitlines(), 1)
                        if content.endswith(needle.rstrip("\n"))]
    return f"{line}:{column}"


@pytest.mark.parametrize("case", MISSING, ids=[case.name for case in MISSING])
def test_a_missing_table_or_column_is_refused_at_its_line_and_no_run_is_recorded(
        pipeline_project: Project, capsys: pytest.CaptureFixture[str], case: Missing) -> None:
    project = pipeline_project
    project.create_shop(customer(i) for i in range(1, 6))
    if case.prepare_destination:
        project.prepare_destination([])
    spec = project.pipeline()
    case.change(spec["source"], spec["destination"])
    project.write_config({"customers": spec})
    expected = f"{project.config}:{_position(project.config.read_text(), case.needle)}: " \
               f"{case.expected}"

    offline_code, _ = run(project, capsys, "config", "check")
    check_code, check_out = run(project, capsys, "config", "check", "--connect")
    hub_check_code, hub_check_out = run(project, capsys, "check")
    sync_code, sync_out = run(project, capsys, "sync", "customers")
    replay_code, replay_out = run(project, capsys, "dlq", "replay", "customers")

    assert offline_code == 0  # without --connect, no database is asked
    assert check_code == 2
    assert any(line.startswith(expected) for line in located(check_out, project.config)), \
        check_out
    assert hub_check_code == 1
    assert f"FAILED pipeline customers: {expected}" in hub_check_out
    assert sync_code == 2
    for out in (sync_out, replay_out):
        assert any(line.startswith(expected) for line in located(out, project.config)), out
    assert replay_code == 2
    assert "Traceback" not in check_out + hub_check_out + sync_out + replay_out
    assert no_run_was_recorded(project)


def test_a_pipeline_that_exists_passes_the_live_check(
        pipeline_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = pipeline_project
    project.create_shop(customer(i) for i in range(1, 6))
    project.write_config()
    code, out = run(project, capsys, "config", "check", "--connect")
    assert (code, "; their tables and columns exist" in out) == (0, True)
    code, out = run(project, capsys, "check")
    assert (code, "ok    pipeline customers: what it reads and writes exists" in out) == (0, True)


def test_a_query_stream_is_checked_by_running_it_empty(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    project.create_shop()
    spec = project.pipeline()
    spec["source"]["query"] = "SELECT id, email FROM customers"  # no updated_at: the cursor
    project.write_config({"customers": spec})
    code, out = run(project, capsys, "config", "check", "--connect")
    assert code == 2
    assert "pipelines.customers.source.cursor: stream customers: no column 'updated_at' in the " \
           "query (columns: email, id)" in out
    spec["source"]["query"] = "SELECT id, updated_at FROM customerz"
    project.write_config({"customers": spec})
    code, out = run(project, capsys, "config", "check", "--connect")
    assert code == 2
    assert "pipelines.customers.source.query: stream customers: the query fails: " \
           "no such table: customerz" in out


def test_an_unreachable_connection_is_one_line_naming_it_and_no_run_is_recorded(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    password = "pw-s3cret-777"
    project.shop_url = f"postgresql+psycopg://shop:{password}@127.0.0.1:1/shop"  # refused
    project.write_config()

    sync_code, sync_out = run(project, capsys, "sync", "customers")
    check_code, check_out = run(project, capsys, "config", "check", "--connect")

    assert (sync_code, check_code) == (1, 1)
    for out in (sync_out, check_out):
        assert "error: connection 'shop' (source of pipeline 'customers'): cannot connect to " \
               "postgresql at 127.0.0.1:1 (database shop, user shop): " in out
        assert "Connection refused" in out
        assert password not in out
        assert "Traceback" not in out
    assert len(sync_out.strip().splitlines()) == 1
    assert no_run_was_recorded(project)


@pytest.mark.postgres
def test_a_connection_the_server_refuses_says_why(
        sqlite_project: Project, postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    project.shop_url = sa.make_url(postgres_url).set(database="hub_no_such_database") \
        .render_as_string(hide_password=False)
    project.write_config()
    code, out = run(project, capsys, "sync", "customers")
    assert code == 1
    assert out.startswith("error: connection 'shop' (source of pipeline 'customers'): cannot "
                          "connect to postgresql at ")
    assert 'database "hub_no_such_database" does not exist' in out
    assert no_run_was_recorded(project)
