"""`hub dlq list|show|replay|discard`: what an operator does with records the hub refused."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from hub.cli.app import console
from hub.store import DeadLetter, StateStore
from tests.engine.hubproject import (
    CUSTOMERS_MAPPING,
    Project,
    customer,
    expected_contact,
    expected_destination,
)

TYPO = (2, 5, 9)  # customers whose address reads "… at example.com"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 250)  # one table row per line of output


@pytest.fixture
def store(project: Project) -> Iterator[StateStore]:
    opened = project.store()
    yield opened
    opened.close()


def letters(store: StateStore, status: str = "open") -> dict[str, DeadLetter]:
    return {d.record_key or "": d for d in store.dead_letters("customers", status=status)}


def test_an_operator_inspects_fixes_replays_and_discards(
        project: Project, store: StateStore, capsys: pytest.CaptureFixture[str]) -> None:
    rows = {i: customer(i) for i in range(1, 13)}
    for i in TYPO:
        rows[i]["email"] = f"person.{i} at example.com"
    project.create_shop(rows.values())
    mapping = project.root / "customers.yaml"
    mapping.write_text(CUSTOMERS_MAPPING.read_text())
    project.write_config({"customers": project.pipeline(mapping=mapping, page_size=5)})
    assert project.hub("sync", "customers") == 0
    capsys.readouterr()

    # list: one row per refused record, with its key and reason
    assert project.hub("dlq", "list", "customers") == 0
    out = capsys.readouterr().out
    listed = [line for line in out.splitlines() if "│ customers" in line]
    assert [line.split("│")[4].strip() for line in listed] == ["[2]", "[5]", "[9]"]
    assert all("is not a valid email address" in line for line in listed)

    # show: the record as read, and the reason
    by_key = letters(store)
    assert project.hub("dlq", "show", str(by_key["[5]"].id)) == 0
    out = capsys.readouterr().out
    assert "error: invalid Contact: email: 'person.5 at example.com' is not a valid" in out
    assert '"email": "person.5 at example.com"' in out
    assert project.hub("dlq", "show", "99999") == 2

    # replay before the cause is fixed: still failing, one more attempt each, still open
    assert project.hub("dlq", "replay", "customers") == 1
    assert "replayed 0, still failing 3" in capsys.readouterr().out
    assert {k: d.attempts for k, d in letters(store).items()} == dict.fromkeys(by_key, 2)

    # the mapping learns to repair the typo; one letter is replayed on its own
    mapping.write_text(CUSTOMERS_MAPPING.read_text().replace(
        "transform: [strip, lower]", "transform: [{replace: [' at ', '@']}, strip, lower]"))
    assert project.hub("dlq", "replay", "customers", str(by_key["[2]"].id)) == 0
    assert "replayed 1, still failing 0" in capsys.readouterr().out
    assert project.destination()["2"] == expected_contact(
        {**rows[2], "email": "person.2@example.com"})
    assert set(letters(store)) == {"[5]", "[9]"}

    # discard needs ids or --yes; a discarded letter is kept, listed as such
    assert project.hub("dlq", "discard", "customers") == 2
    assert project.hub("dlq", "discard", "customers", str(by_key["[5]"].id)) == 0
    assert "discarded 1 letter(s)" in capsys.readouterr().out
    assert project.hub("dlq", "list", "customers", "--status", "discarded") == 0
    assert "│ [5]" in capsys.readouterr().out

    # replaying the rest empties the queue; the replays are runs whose counts add up
    assert project.hub("dlq", "replay", "customers") == 0
    assert letters(store) == {}
    assert set(letters(store, "replayed")) == {"[2]", "[9]"}
    assert "5" not in project.destination()  # discarded: never written
    replays = [r for r in store.runs("customers") if r.kind == "replay"]
    assert [(r.read, r.written, r.failed) for r in replays] == [(1, 1, 0), (1, 1, 0), (3, 0, 3)]
    assert all(r.balanced for r in replays)


def test_a_record_the_destination_refused_is_replayed_once_it_can_be_written(
        project: Project, store: StateStore) -> None:
    rows = [customer(i) for i in range(1, 11)]
    project.create_shop(rows)
    # someone else's row already holds customer 4's address, and emails are unique there
    squatter = {**expected_contact(customer(900)), "email": "person.4@example.com"}
    project.prepare_destination([squatter], unique_email=True)
    project.write_config({"customers": project.pipeline(batch_size=3)})

    assert project.hub("sync", "customers") == 0
    [letter] = letters(store).values()
    assert (letter.kind, letter.record_key) == ("failed", '["4"]')
    assert "unique" in letter.error.lower()
    assert letter.payload is not None
    assert json.dumps(letter.payload["email"]) == '"person.4@example.com"'
    written = {k: v for k, v in project.destination().items() if k != "900"}
    assert written == expected_destination(r for r in rows if r["id"] != 4)

    project.delete_destination(["900"])  # the conflict is cleared at the destination
    assert project.hub("dlq", "replay", "customers") == 0
    assert project.destination() == expected_destination(rows)
    assert letters(store) == {}
    # what replay wrote is remembered as sent: the next full refresh finds nothing to do
    assert project.hub("sync", "customers", "--full-refresh") == 0
    newest = store.runs("customers", limit=1)[0]
    assert (newest.written, newest.unchanged) == (0, 10)


def test_a_newer_copy_that_goes_through_closes_the_older_letter(
        project: Project, store: StateStore) -> None:
    rows = {i: customer(i) for i in range(1, 11)}
    rows[7]["email"] = "person.7 at example.com"
    project.create_shop(rows.values())
    squatter = {**expected_contact(customer(900)), "email": "person.4@example.com"}
    project.prepare_destination([squatter], unique_email=True)
    project.write_config({"customers": project.pipeline(batch_size=3)})
    assert project.hub("sync", "customers") == 0
    assert set(letters(store)) == {"[7]", '["4"]'}

    # the shop corrects both customers; the next sync writes the new copies …
    rows[4] = {**customer(4, version=1), "email": "person.4.new@example.com"}
    rows[7] = customer(7, version=1)
    project.replace_customers([rows[4], rows[7]])
    assert project.hub("sync", "customers") == 0
    # … and the old letters close: replaying them would write stale records over new ones
    assert letters(store) == {}
    assert set(letters(store, "superseded")) == {"[7]", '["4"]'}
    assert project.hub("dlq", "replay", "customers") == 0
    assert project.destination() == expected_destination(rows.values()) | {"900": squatter}
