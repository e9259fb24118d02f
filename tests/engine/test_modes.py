"""Write modes, dry runs, full refreshes, dedup within a page and cursor ties, on SQLite and
PostgreSQL, through `hub sync` as a person runs it."""

from __future__ import annotations

from typing import Any

import pytest

from hub.cli.app import console
from hub.store import StateStore
from tests.engine.hubproject import (
    CUSTOMERS_MAPPING,
    Project,
    customer,
    expected_contact,
    expected_destination,
)


def runs(project: Project) -> list[Any]:
    store = project.store()
    try:
        return store.runs("customers", limit=100)
    finally:
        store.close()


def counts(project: Project) -> tuple[int, int, int, int]:
    """read, written, unchanged, filtered of the newest run."""
    run = runs(project)[0]
    assert run.balanced
    return run.read, run.written, run.unchanged, run.filtered


def stranger(i: int) -> dict[str, Any]:
    """A destination row the hub did not write."""
    return {**expected_contact(customer(i)), "email": f"kept.{i}@example.com"}


def test_update_mode_touches_only_records_the_destination_has(project: Project) -> None:
    rows = [customer(i) for i in range(1, 21)]
    project.create_shop(rows)
    project.prepare_destination([stranger(i) for i in (3, 7, 11)])
    project.write_config({"customers": project.pipeline(mode="update", batch_size=4)})

    assert project.hub("sync", "customers") == 0
    assert counts(project) == (20, 3, 0, 17)  # the others are filtered: update adds nothing
    assert project.destination() == expected_destination(r for r in rows if r["id"] in (3, 7, 11))
    # filtered records are not remembered as sent: a later run tries them again
    assert project.hub("sync", "customers", "--full-refresh") == 0
    assert counts(project) == (20, 0, 3, 17)


def test_create_mode_adds_new_records_and_never_overwrites(project: Project) -> None:
    rows = [customer(i) for i in range(1, 21)]
    project.create_shop(rows)
    project.prepare_destination([stranger(i) for i in (3, 7)])
    project.write_config({"customers": project.pipeline(mode="create", batch_size=4)})

    assert project.hub("sync", "customers") == 0
    assert counts(project) == (20, 18, 0, 2)
    expected = expected_destination(r for r in rows if r["id"] not in (3, 7))
    assert project.destination() == expected | {"3": stranger(3), "7": stranger(7)}


def test_mirror_deletes_only_what_the_hub_created_and_the_source_dropped(
        project: Project) -> None:
    rows = {i: customer(i) for i in range(1, 31)}
    project.create_shop(rows.values())
    project.prepare_destination([stranger(900)])  # someone else's row: never the hub's to drop
    project.write_config({"customers": project.pipeline(mode="mirror", page_size=7,
                                                        batch_size=3)})
    kept = {"900": stranger(900)}

    # the first run writes everything and only records the baseline
    assert project.hub("sync", "customers") == 0
    assert project.destination() == expected_destination(rows.values()) | kept

    # the source drops three customers: exactly those go, unchanged ones stay
    project.delete_customers([4, 5, 17])
    for i in (4, 5, 17):
        del rows[i]
    assert project.hub("sync", "customers") == 0
    assert counts(project) == (27, 0, 27, 0)
    assert project.destination() == expected_destination(rows.values()) | kept

    # a record that turns invalid is not deleted for it: its destination key is unknown
    project.replace_customers([{**rows[8], "email": "ann at example.com"}])
    project.delete_customers([9])
    assert project.hub("sync", "customers") == 0
    assert "9" in project.destination()  # deletes wait for a run whose every record mapped
    project.replace_customers([rows[8]])
    del rows[9]
    assert project.hub("sync", "customers") == 0
    assert project.destination() == expected_destination(rows.values()) | kept

    # a source that comes back empty deletes nothing: more likely an outage than a purge
    project.delete_customers(list(rows))
    assert project.hub("sync", "customers") == 0
    assert project.destination() == expected_destination(rows.values()) | kept


def test_dry_run_writes_nothing_and_moves_no_checkpoint(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [customer(i) for i in range(1, 13)]
    project.create_shop(rows)
    project.write_config({"customers": project.pipeline(page_size=5)})

    for _ in range(2):  # twice: the second sees exactly what the first saw
        assert project.hub("sync", "customers", "--dry-run", "--show", "2") == 0
        out = capsys.readouterr().out
        assert "customers: succeeded (dry run)" in out
        assert '"email": "person.1@example.com"' in out  # the payloads it would write
        assert '"email": "person.3@example.com"' not in out  # only the two asked for
    assert project.destination() == {}
    assert runs(project) == []
    store = project.store()
    try:
        assert store.get_cursor("customers") is None
    finally:
        store.close()

    assert project.hub("sync", "customers") == 0  # the real run still writes everything
    assert project.destination() == expected_destination(rows)


def test_full_refresh_rereads_from_the_start(project: Project) -> None:
    rows = [customer(i) for i in range(1, 11)]
    project.create_shop(rows)
    project.write_config({"customers": project.pipeline(page_size=4)})
    assert project.hub("sync", "customers") == 0
    # an edit behind the checkpoint (its cursor did not move) is invisible to an
    # incremental run, and found by a full refresh
    project.replace_customers([{**rows[1], "first_name": "Edited"}])
    assert project.hub("sync", "customers") == 0
    assert counts(project) == (0, 0, 0, 0)
    assert project.hub("sync", "customers", "--full-refresh") == 0
    assert counts(project) == (10, 1, 9, 0)
    assert project.destination()["2"]["first_name"] == "Edited"


def test_the_same_key_twice_in_a_page_is_one_write_with_the_later_values(
        project: Project) -> None:
    # keyed by email: two shop customers share an address, the later one without a phone
    mapping = project.root / "by_email.yaml"
    mapping.write_text(CUSTOMERS_MAPPING.read_text().replace("key: id", "key: email"))
    first, later = customer(1), customer(2)
    first["email"] = later["email"] = "shared@example.com"
    first["phone"], later["phone"] = "(201) 555-0001", None
    project.create_shop([first, later, customer(3)])
    project.write_config({"customers": project.pipeline(mapping=mapping, key=["email"])})

    assert project.hub("sync", "customers") == 0
    assert counts(project) == (3, 2, 0, 1)  # one of the pair is merged away: filtered
    merged = {**expected_contact(later), "phone": "+12015550001"}  # kept from the first
    got = {r["email"]: r for r in project.destination().values()}
    assert got["shared@example.com"] == merged


def test_cursor_ties_across_page_boundaries_lose_and_repeat_nothing(project: Project) -> None:
    # every customer shares one timestamp: each page ends inside the tie
    rows = [customer(i, tie=1000) for i in range(1, 11)]
    project.create_shop(rows)
    project.write_config({"customers": project.pipeline(page_size=3, batch_size=2)})
    assert project.hub("sync", "customers") == 0
    assert counts(project) == (10, 10, 0, 0)

    # more customers arrive with that same timestamp: read once, after the checkpoint
    more = [customer(i, tie=1000) for i in range(11, 16)]
    project.add_customers(more)
    assert project.hub("sync", "customers") == 0
    assert counts(project) == (5, 5, 0, 0)
    assert project.destination() == expected_destination(rows + more)


def test_hub_runs_lists_runs_whose_counts_add_up(
        project: Project, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 200)  # room for every column
    rows = [customer(i, invalid_every=4) for i in range(1, 21)]
    project.create_shop(rows)
    project.write_config({"customers": project.pipeline(page_size=6)})
    assert project.hub("sync", "customers") == 0
    assert project.hub("sync", "customers", "--full-refresh") == 0
    capsys.readouterr()

    assert project.hub("runs", "customers") == 0
    out = capsys.readouterr().out
    listed = [line.split("│") for line in out.splitlines() if "│ customers" in line]
    assert len(listed) == 2
    for cells in listed:
        read, written, unchanged, filtered, invalid, failed = (
            int(c.strip().replace(",", "")) for c in cells[7:13])
        assert read == written + unchanged + filtered + invalid + failed == 20
    store = StateStore(project.store_url)
    try:
        first, second = reversed(store.runs("customers"))
    finally:
        store.close()
    assert (first.written, first.invalid) == (15, 5)
    assert (second.unchanged, second.invalid) == (15, 5)
