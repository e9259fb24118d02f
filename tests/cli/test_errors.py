"""A failure is a message and an exit code, never a traceback: bad input exits 2 at its
FILE:LINE:COL, a system that cannot be used exits 1 in one line naming it, and anything
unforeseen exits 1 in one line, with the traceback only under `--verbose`."""

from __future__ import annotations

import pytest

from tests.engine.hubproject import CUSTOMERS_MAPPING, Project, customer


def run(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = project.hub(*args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def runs_recorded(project: Project) -> int:
    store = project.store()
    try:
        return len(store.runs())
    finally:
        store.close()


def test_a_store_url_that_is_not_a_url_is_located(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    project.store_url = "nonsense"
    project.write_config()
    line = next(n for n, text in enumerate(project.config.read_text().splitlines(), 1)
                if "url: nonsense" in text)
    for command in (("config", "check"), ("sync", "customers"), ("runs",)):
        code, out = run(project, capsys, *command)
        assert code == 2, command
        assert f"{project.config}:{line}:3: store.url: not a SQLAlchemy URL" in out
        assert "Traceback" not in out


def test_a_hub_yaml_that_is_not_utf8_is_located(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    project.write_config()
    text = project.config.read_text().replace("pipelines:", "# café\npipelines:")
    project.config.write_bytes(text.encode("latin-1"))
    line = text.splitlines().index("# café") + 1
    code, out = run(project, capsys, "sync", "customers")
    assert code == 2
    assert f"{project.config}:{line}:6: not UTF-8: byte 0xe9" in out


def test_a_mapping_that_is_not_utf8_is_located(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    mapping = project.root / "customers.yaml"
    text = CUSTOMERS_MAPPING.read_text().replace("The shop's", "Thé shop's")
    mapping.write_bytes(text.encode("latin-1"))
    project.write_config({"customers": project.pipeline(mapping=mapping)})
    for command in (("config", "check"), ("sync", "customers")):
        code, out = run(project, capsys, *command)
        assert code == 2, command
        assert f"{mapping}:5:16: not UTF-8: byte 0xe9" in out
    assert runs_recorded(project) == 0


def test_an_unknown_canonical_model_is_refused_before_anything_runs(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    mapping = project.root / "customers.yaml"
    mapping.write_text(CUSTOMERS_MAPPING.read_text().replace("canonical.Contact",
                                                             "canonical.Kontact"))
    project.create_shop(customer(i) for i in range(1, 4))
    project.write_config({"customers": project.pipeline(mapping=mapping)})
    code, out = run(project, capsys, "sync", "customers")
    assert code == 2
    assert f"{mapping}:3:1: target: no canonical model 'Kontact' (did you mean 'Contact'?)" in out
    assert runs_recorded(project) == 0


UNREACHABLE_STORE = "postgresql+psycopg://hub:pw-s3cret-888@127.0.0.1:1/hub"  # refused at once


@pytest.mark.parametrize("command", [("runs",), ("sync", "customers"), ("db", "current"),
                                     ("dlq", "list")])
def test_an_unreachable_store_is_one_line_naming_it(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str],
        command: tuple[str, ...]) -> None:
    project = sqlite_project
    project.create_shop()
    project.store_url = UNREACHABLE_STORE
    project.write_config()
    code, out = run(project, capsys, *command)
    assert code == 1
    assert out.startswith("error: cannot use the state store, postgresql at 127.0.0.1:1 "
                          "(database hub, user hub): connection failed: ")
    assert "Connection refused" in out
    assert len(out.strip().splitlines()) == 1
    assert "pw-s3cret-888" not in out


def test_a_store_that_is_not_a_database_is_one_line_naming_it(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = sqlite_project
    garbage = project.root / "hub.db"
    garbage.write_bytes(b"not a database at all " * 100)
    project.write_config()
    code, out = run(project, capsys, "runs")
    assert code == 1
    assert out.strip() == f"error: cannot use the state store, SQLite file {garbage}: " \
                          "file is not a database"


def _overflowing_pipeline(project: Project) -> None:
    """A source whose rows make the database itself fail mid-run (SQLite's integer overflow):
    nothing the hub foresees, so it reaches the command line as an unexpected error."""
    project.create_shop(customer(i) for i in range(1, 4))
    spec = project.pipeline(mapping=None)
    spec["source"]["query"] = ("SELECT id, updated_at, abs(-9223372036854775807 - id) AS boom "
                               "FROM customers")
    project.write_config({"customers": spec})


def test_an_unexpected_error_is_one_line_with_a_hint(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _overflowing_pipeline(sqlite_project)
    code, out = run(sqlite_project, capsys, "sync", "customers")
    assert code == 1
    assert out.strip().splitlines() == ["error: OperationalError: integer overflow",
                                        "(run again with --verbose to see the traceback)"]


def test_verbose_shows_the_traceback_of_an_unexpected_error(
        sqlite_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    _overflowing_pipeline(sqlite_project)
    code, out = run(sqlite_project, capsys, "-v", "sync", "customers")
    assert code == 1
    assert "Traceback (most recent call last)" in out
    assert out.strip().endswith("error: OperationalError: integer overflow")
