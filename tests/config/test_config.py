"""hub.yaml errors name file, line, column and field; secrets resolve and never show."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.config import load_config
from hub.errors import ConfigError

GOOD = """\
version: 1
connections:
  shop:
    connector: sql
    url: sqlite:///shop.db
pipelines:
  customers:
    source: {connection: shop, stream: customers, cursor: updated_at, primary_key: [id]}
    destination: {connection: store, object: contacts, key: [id]}
"""


@dataclass(frozen=True)
class Case:
    name: str
    yaml: str
    expected: str  # "LINE:COL: field: message fragment"


CASES = [
    Case("unknown top-level key", GOOD + "pipelnes: {}\n",
         "10:1: pipelnes: unknown key"),
    Case("unknown connector", GOOD.replace("connector: sql", "connector: sqll"),
         "4:5: connections.shop.connector: unknown connector 'sqll' (installed:"),
    Case("unknown connection setting", GOOD.replace("    url:", "    colour: red\n    url:"),
         "5:5: connections.shop.colour: unknown key"),
    Case("missing required setting", GOOD.replace("    url: sqlite:///shop.db\n", ""),
         "3:3: connections.shop.url: required key is missing"),
    Case("bad setting value", GOOD.replace("sqlite:///shop.db", "not a url"),
         "5:5: connections.shop.url: not a SQLAlchemy URL"),
    Case("missing environment variable", GOOD.replace("sqlite:///shop.db", "${HUB_TEST_UNSET}"),
         "5:5: connections.shop.url: environment variable HUB_TEST_UNSET is not set"),
    Case("missing secret file", GOOD.replace("sqlite:///shop.db", "${file:nope.txt}"),
         "5:5: connections.shop.url: secret file 'nope.txt' cannot be read"),
    Case("unknown connection in pipeline", GOOD.replace("connection: shop", "connection: shp"),
         "8:14: pipelines.customers.source.connection: no connection named 'shp'"),
    Case("unknown stream option", GOOD.replace("primary_key: [id]", "primary_key: [id], x: 1"),
         "8:90: pipelines.customers.source.x: unknown key"),
    Case("missing sink option",
         GOOD.replace("  shop:", "  wh: {connector: sql, url: 'sqlite:///wh.db'}\n  shop:")
         .replace("connection: store, object: contacts, key: [id]", "connection: wh, object: t"),
         "10:5: pipelines.customers.destination.key: required key is missing"),
    Case("store key not the table's", GOOD.replace("key: [id]", "key: [email]"),
         "9:5: pipelines.customers.destination: the store's contacts are keyed by "
         "['tenant', 'id'], not ['email']"),
    Case("bad write mode", GOOD.replace("object: contacts", "object: contacts, mode: merge"),
         "9:56: pipelines.customers.destination.mode: Input should be"),
    Case("bad cron", GOOD + "    schedule: every morning\n",
         "10:5: pipelines.customers.schedule: 'every morning' is not a cron expression"),
    Case("missing mapping file", GOOD + "    mapping: mappings/none.yaml\n",
         "10:5: pipelines.customers.mapping: mapping file 'mappings/none.yaml' does not exist"),
    Case("schedule of an unknown pipeline", GOOD + "schedules:\n  nightly:\n    cron: 0 2 * * *\n"
         "    run: [customer]\n", "13:11: schedules.nightly.run[0]: no pipeline named 'customer'"),
    Case("duplicate key", GOOD.replace("    url: sqlite:///shop.db\n",
                                       "    url: sqlite:///shop.db\n    url: sqlite:///b.db\n"),
         "6:5: connections.shop.url: duplicate key"),
    Case("YAML syntax error", GOOD.replace("primary_key: [id]}", "primary_key: [id]"),
         "9:5: YAML syntax:"),
    Case("wrong version", GOOD.replace("version: 1", "version: 2"),
         "1:1: version: Input should be less than or equal to 1"),
    Case("empty file", "", "1:1: the file is empty: give at least `version: 1`"),
    Case("only comments", "# to do\n", "1:1: the file is empty"),
    Case("store URL not a URL", GOOD + "store:\n  url: nonsense\n",
         "11:3: store.url: not a SQLAlchemy URL (expected dialect+driver://…"),
    Case("control character", GOOD.replace("sqlite:///shop.db", "sqlite:///sh\x07op.db"),
         "5:22: control characters are not allowed (U+0007)"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_config_error_is_located(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "hub.yaml"
    path.write_text(case.yaml)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = [str(p) for p in info.value.problems]
    assert any(line.startswith(f"{path}:{case.expected}") for line in lines), lines
    assert len(lines) == 1, lines  # one mistake, one message


def test_good_config_loads_with_the_builtin_store_connection(tmp_path: Path) -> None:
    (tmp_path / "hub.yaml").write_text(GOOD)
    loaded = load_config(tmp_path / "hub.yaml")
    assert set(loaded.settings) == {"shop", "store"}
    assert loaded.store_url.endswith("/var/hub.db")
    assert loaded.config.pipelines["customers"].source.options["cursor"] == "updated_at"


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    text = GOOD.replace("connector: sql", "connector: nope") + "  second:\n" + textwrap.indent(
        "source: {connection: gone, stream: s}\ndestination: {connection: store, object: contacts, "
        "key: [id]}\n", "    ")
    (tmp_path / "hub.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "hub.yaml")
    fields = [p.field for p in info.value.problems]
    assert "connections.shop.connector" in fields
    assert "pipelines.second.source.connection" in fields


def test_secrets_resolve_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_DB", "shop.db")
    (tmp_path / "secret.txt").write_text("other.db\n")
    text = GOOD.replace("sqlite:///shop.db", "sqlite:///${SHOP_DB}").replace(
        "  customers:", "  c2:\n    source: {connection: b, stream: s, primary_key: [id]}\n"
        "    destination: {connection: store, object: contacts, key: [id]}\n  customers:")
    text = text.replace("pipelines:", "  b:\n    connector: sql\n"
                        "    url: sqlite:///${file:secret.txt}\npipelines:")
    (tmp_path / "hub.yaml").write_text(text)
    loaded = load_config(tmp_path / "hub.yaml")
    # relative SQLite files resolve beside hub.yaml, not against the working directory
    shop = loaded.settings["shop"].url.get_secret_value()  # type: ignore[attr-defined]
    other = loaded.settings["b"].url.get_secret_value()  # type: ignore[attr-defined]
    assert shop == f"sqlite:///{tmp_path / 'shop.db'}"
    assert other == f"sqlite:///{tmp_path / 'other.db'}"


def test_escaped_reference_stays_literal(tmp_path: Path) -> None:
    (tmp_path / "hub.yaml").write_text(GOOD.replace("customers:\n", "customers:\n"
                                                    "    description: costs $${PRICE}\n", 1))
    loaded = load_config(tmp_path / "hub.yaml")
    assert loaded.config.pipelines["customers"].description == "costs ${PRICE}"


def test_a_pipeline_may_not_cross_tenants(tmp_path: Path) -> None:
    text = GOOD.replace("    url: sqlite:///shop.db",
                        "    url: sqlite:///shop.db\n    tenant: acme")
    (tmp_path / "hub.yaml").write_text(text)
    with pytest.raises(ConfigError, match="different tenants \\(acme, default\\)"):
        load_config(tmp_path / "hub.yaml")


def test_a_file_that_is_not_utf8_is_located_at_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "hub.yaml"
    text = GOOD.replace("customers:\n", "customers:\n    description: café crème\n", 1)
    path.write_bytes(text.encode("latin-1"))  # what an editor set to Latin-1 saves
    with pytest.raises(ConfigError) as info:
        load_config(path)
    [problem] = info.value.problems
    assert (problem.line, problem.column) == (8, 21)  # the é of café
    assert str(problem).endswith("not UTF-8: byte 0xe9 cannot start or continue a character "
                                 "here (save the file as UTF-8)")


def test_a_secret_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_bytes(b"\xff\xfe binary")
    (tmp_path / "hub.yaml").write_text(GOOD.replace("sqlite:///shop.db", "${file:secret.txt}"))
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "hub.yaml")
    [problem] = info.value.problems
    assert str(problem).endswith(":5:5: connections.shop.url: secret file 'secret.txt' is not "
                                 "UTF-8 text")


def test_a_bad_database_url_from_the_environment_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "nonsense")
    (tmp_path / "hub.yaml").write_text(GOOD)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "hub.yaml")
    [problem] = info.value.problems
    assert str(problem).startswith("HUB_DATABASE_URL: not a SQLAlchemy URL")
