"""`hub leads import`: a file through the lead pipeline into the store, refusals by place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.cli import main
from hub.marketing.leads import LEAD_FOLLOW_UP_REQUESTED
from hub.store import StateStore
from hub.store import tables as t

HEADER = ("email,first_name,last_name,company,source,attributes.title,attributes.employees,"
          "activity.demo_requests,activity.pricing_visits")
LEADS_CSV = f"""{HEADER}
ada@analytical.example.com,Ada,Lovelace,Analytical Engines,webinar,Head of Growth,120,1,2
grace@navy.example.com,Grace,Hopper,,fair,,,,
 ADA@Analytical.example.com , Ada ,,analytical engines,,,,,
lin@works.example.com,Lin,,Works,fair,Intern,8,,
"""


@pytest.fixture
def project(store: StateStore, store_url: str, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> StateStore:
    """The hub's store (the shipped fixture), found by the CLI run in `tmp_path`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.setenv("HUB_DATABASE_URL", store_url)
    monkeypatch.setenv("USER", "maria")
    return store


def hub(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["leads", *args])
    out = capsys.readouterr()
    return code, " ".join(out.out.split()), " ".join(out.err.split())


def count(store: StateStore, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_csv_file_is_captured_merged_scored_and_assigned(
        project: StateStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "fair.csv").write_text(LEADS_CSV)
    code, out, _ = hub(capsys, "import", "fair.csv", "--rep", "ana", "--rep", "ben")
    assert code == 1  # one lead refused; the others are stored all the same
    assert ("4 read: 2 new leads, 0 updated, 1 newly qualified (follow-up requested), "
            "1 refused") in out
    assert "│ fair.csv:3 │ company is required │" in out
    with project.engine.connect() as conn:
        leads = {r.first_name: r for r in conn.execute(sa.select(t.leads))}
        events = conn.execute(sa.select(t.outbox.c.type)).scalars().all()
        actors = set(conn.execute(sa.select(t.audit_log.c.actor)).scalars())
    assert sorted(leads) == ["Ada", "Lin"]  # Ada twice, in two spellings: one lead
    ada, lin = leads["Ada"], leads["Lin"]
    # fit 35 (business email, title, 120 employees read as a number) + behaviour 45 (demo
    # request, pricing visits): the attributes and activity came in as CSV columns
    assert (ada.status, ada.owner, ada.last_name, ada.score) == ("qualified", "ana",
                                                                 "Lovelace", 80.0)
    assert (lin.status, lin.owner) == ("new", None)
    assert events == [LEAD_FOLLOW_UP_REQUESTED]
    assert actors == {"maria"}

    # the same file again: both merge into the stored leads, no second follow-up
    code, out, _ = hub(capsys, "import", "fair.csv", "--json")
    assert code == 1
    assert json.loads(out) == {"new": 0, "updated": 2, "qualified": 0, "refused": [
        {"at": "fair.csv:3", "problems": {"company": "is required"}}]}
    assert (count(project, t.leads), count(project, t.outbox)) == (2, 1)


def test_a_clean_jsonl_file_exits_zero(project: StateStore, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    lead = {"email": "lin@works.example.com", "first_name": "Lin", "company": "Works",
            "activity": {"email_opens": 2}}
    (tmp_path / "form.jsonl").write_text(json.dumps(lead) + "\n\n")
    code, out, _ = hub(capsys, "import", "form.jsonl")
    assert (code, "1 new leads" in out, "0 refused" in out) == (0, True, True)
    assert count(project, t.leads) == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.jsonl", '{"email": "a@b.example.com"}\n{"email": \n', "bad.jsonl:2:11: Expecting"),
    ("list.jsonl", '["an", "array"]\n', "list.jsonl:1: a lead must be a JSON object"),
    ("leads.xlsx", "", "leads.xlsx: unknown lead file type"),
    ("missing.csv", None, "missing.csv: no such file"),
])
def test_a_file_that_cannot_be_read_exits_2_and_stores_nothing(
        project: StateStore, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
        content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / name).write_text(content)
    code, _, err = hub(capsys, "import", name)
    assert code == 2
    assert message in err
    assert count(project, t.leads) == 0
