"""Two tenants share one state store: each one's runs, cursors and dead letters are its own.

Both hubs run a pipeline of the same name; neither sees the other's runs in `hub runs` or the
other's letters in `hub dlq list`, and the second tenant's first run reads its source from the
start, as it must, rather than resuming from the first tenant's checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from hub.store import DeadLetter, StateStore
from hub.store import tables as t
from hub.store.database import upgrade
from tests.engine.hubproject import Project, customer, make_project


def tenant_hub(root: Path, tenant: str, store_url: str, ids: range) -> Project:
    root.mkdir()
    project = make_project(root, "sqlite")
    project.store_url = store_url  # one store for both tenants
    project.create_shop(customer(i, invalid_every=5) for i in ids)
    project.write_config({"customers": project.pipeline(page_size=10)})
    document = yaml.safe_load(project.config.read_text())
    document["tenant"] = tenant
    project.config.write_text(yaml.safe_dump(document, sort_keys=False))
    return project


def test_one_tenants_runs_cursors_and_letters_are_invisible_to_another(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared = f"sqlite:///{tmp_path / 'shared-hub.db'}"
    acme = tenant_hub(tmp_path / "acme", "acme", shared, range(1, 31))
    globex = tenant_hub(tmp_path / "globex", "globex", shared, range(31, 51))
    assert acme.hub("sync", "customers") == 0
    # globex's first run starts from the beginning: acme's checkpoint is not its own
    assert globex.hub("sync", "customers") == 0
    capsys.readouterr()

    store = StateStore(shared)
    try:
        for tenant, rows in (("acme", 30), ("globex", 20)):
            (run,) = store.scoped(tenant).runs("customers")
            assert (run.tenant, run.read) == (tenant, rows)
            letters = store.scoped(tenant).dead_letters("customers")
            assert {letter.tenant for letter in letters} == {tenant}
            assert len(letters) == rows // 5
        acme_ids = {letter.id for letter in store.scoped("acme").dead_letters()}
        globex_ids = {letter.id for letter in store.scoped("globex").dead_letters()}
    finally:
        store.close()

    assert acme.hub("runs") == 0
    ids = [line.split("│")[1].strip() for line in capsys.readouterr().out.splitlines()
           if line.startswith("│ ") and line.split("│")[1].strip()]
    assert ids == ["1"]  # its own run only (globex's is run 2)
    # a letter id of the other tenant is as unknown as one that never existed
    assert acme.hub("dlq", "show", str(min(acme_ids))) == 0
    assert acme.hub("dlq", "show", str(min(globex_ids))) == 2
    # globex discarding acme's letter ids closes none of them
    assert globex.hub("dlq", "discard", "customers", *map(str, acme_ids)) == 0
    assert "discarded 0 letter(s)" in capsys.readouterr().out
    assert {letter.id for letter in _letters(shared, "acme")} == acme_ids


def _letters(url: str, tenant: str) -> list[DeadLetter]:
    store = StateStore(url, tenant=tenant)
    try:
        return store.dead_letters()
    finally:
        store.close()


def test_rows_written_before_tenants_belong_to_the_default_tenant(sqlite_url: str) -> None:
    upgrade(sqlite_url, "0002")
    engine = sa.create_engine(sqlite_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO cursors (pipeline, value, updated_at) "
                                 "VALUES ('p', '{}', '2026-01-01 00:00:00')"))
        upgrade(sqlite_url)
        with engine.connect() as conn:
            assert conn.execute(sa.select(t.cursors.c.tenant, t.cursors.c.pipeline)).all() == [
                ("default", "p")]
    finally:
        engine.dispose()
