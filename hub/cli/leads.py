"""`hub leads import FILE`: leads from a file through the lead pipeline into the state store.

The file is CSV (a header row; `attributes.<name>` and `activity.<name>` columns fill those
mappings, numbers read as numbers) or JSON Lines (one object a line), told apart by its
suffix. A file that cannot be read exits 2 and stores nothing. Every lead is validated,
merged with its duplicates in the file and in the store, scored, qualified and, with `--rep`,
assigned in rotation; a lead that becomes qualified requests its follow-up
(`LeadFollowUpRequested`). A refused lead is listed with its place in the file
and every reason, and the command then exits 1; the other leads are stored all the same.

`hub leads process [FILE]` runs the whole pipeline through the CRM named in hub.yaml's
`leads:` section: the CRM's leads read back, the leads of FILE (if any) and the stored ones
deduplicated against both, merged under the per-field conflict policy, scored, assigned,
each new lead's follow-up trigger fired, then the `push` pipeline creating or updating them
in the CRM through the sync engine. It exits 1 when a lead was refused or the push
dead-lettered records.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from hub.app import Hub
from hub.cli.output import console
from hub.errors import ConfigError

leads_app = typer.Typer(help="Capture leads: validate, merge, score, assign, follow up.",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(leads_app, name="leads")


_NESTED = ("attributes", "activity")


def _number_or_text(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _csv_leads(path: Path) -> list[tuple[str, dict[str, Any]]]:
    found = []
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        for row in reader:
            raw: dict[str, Any] = {}
            for column, cell in row.items():
                if column is None or cell is None or not cell.strip():
                    continue  # an empty cell is a missing value; extra cells have no column
                group, _, name = column.partition(".")
                if group in _NESTED and name:
                    raw.setdefault(group, {})[name] = _number_or_text(cell.strip())
                else:
                    raw[column] = cell
            found.append((f"{path}:{reader.line_num}", raw))
    return found


def _jsonl_leads(path: Path) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}:{exc.colno}: {exc.msg}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}:{number}: a lead must be a JSON object, got {raw!r}")
        found.append((f"{path}:{number}", raw))
    return found


def read_leads(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(place in the file, raw lead) for every lead of the file, or a ConfigError."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    if path.suffix not in (".csv", ".jsonl", ".ndjson"):
        raise ConfigError(f"{path}: unknown lead file type; use .csv or .jsonl")
    try:
        return _csv_leads(path) if path.suffix == ".csv" else _jsonl_leads(path)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None


def _refusals(leads: list[tuple[str, dict[str, Any]]], refused: list[Any]
              ) -> list[tuple[str, dict[str, str]]]:
    return [(leads[r.position][0], r.error.problems) for r in refused]


def _print_refused(refused: list[tuple[str, dict[str, str]]]) -> None:
    table = Table("lead", "refused because")
    for at, problems in refused:
        # plain Text: a refused value may hold brackets that rich would read as markup
        table.add_row(Text(at), Text("; ".join(f"{f} {p}" for f, p in problems.items())))
    console.print(table)


@leads_app.command("process")
def process_leads(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(
        metavar="[FILE]", help=".csv or .jsonl of captured leads [default: none, only "
        "the stored leads and the CRM's]")] = None,
    rep: Annotated[list[str] | None, typer.Option(
        "--rep", help="sales rep in rotation (repeatable) [default: leads.reps]")] = None,
    actor: Annotated[str | None, typer.Option(
        help="who is processing, for the audit trail [default: $USER]")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="the outcome as JSON")] = False,
) -> None:
    """Leads through the CRM: read back, dedupe, merge, score, assign, follow up, push."""
    leads = read_leads(file) if file is not None else []
    run = ctx.ensure_object(Hub).leads_app.process(
        (raw for _, raw in leads), actor=actor or os.environ.get("USER") or "cli", reps=rep)
    batch = run.batch
    refused = _refusals(leads, list(batch.refused))
    counts = {
        "read": len(leads), "crm_read": len(run.read_back.candidates) if run.read_back else 0,
        "crm_without_hub_id": run.read_back.without_id if run.read_back else 0,
        "crm_unusable": len(run.read_back.invalid) if run.read_back else 0,
        "new": len(batch.new), "updated": len(batch.processed) - len(batch.new),
        "assigned": sum(p.lead.owner is not None and p.newly_qualified
                        for p in batch.processed),
        "follow_ups": len(batch.new),
        "pushed": run.pushed.counts["written"] if run.pushed else 0,
        "push_failed": run.pushed.counts["failed"] + run.pushed.counts["invalid"]
        if run.pushed else 0}
    if json_output:
        typer.echo(json.dumps({**counts, "refused": [{"at": at, "problems": problems}
                                                     for at, problems in refused]}, indent=2))
    else:
        console.print(
            f"{counts['read']:,} read, {counts['crm_read']:,} read back from the CRM: "
            f"{counts['new']:,} new leads (follow-up fired), {counts['updated']:,} updated, "
            f"{counts['assigned']:,} assigned, {len(refused):,} refused; "
            f"{counts['pushed']:,} written to the CRM, {counts['push_failed']:,} failed",
            markup=False)
        if refused:
            _print_refused(refused)
    if refused or counts["push_failed"]:
        raise typer.Exit(1)


@leads_app.command("import")
def import_leads(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help=".csv or .jsonl")],
    rep: Annotated[list[str] | None, typer.Option(
        "--rep", help="sales rep for qualified leads, in rotation (repeatable)")] = None,
    tenant: Annotated[str | None, typer.Option(
        help="tenant [default: the tenant of hub.yaml]")] = None,
    actor: Annotated[str | None, typer.Option(
        help="who is importing, for the audit trail [default: $USER]")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="the outcome as JSON")] = False,
) -> None:
    """Run the leads of FILE through the pipeline, in one transaction."""
    leads = read_leads(file)  # a file that cannot be read stops here, nothing stored
    pipeline = ctx.ensure_object(Hub).leads(tenant=tenant, reps=rep,
                                            actor=actor or os.environ.get("USER") or "cli")
    batch = pipeline.process(raw for _, raw in leads)
    new = sum(p.merged.existing is None for p in batch.processed)
    counts = {"new": new, "updated": len(batch.processed) - new, "qualified": len(batch.events)}
    refused = _refusals(leads, list(batch.refused))
    if json_output:
        typer.echo(json.dumps({**counts, "refused": [{"at": at, "problems": problems}
                                                     for at, problems in refused]}, indent=2))
    else:
        console.print(f"{len(leads):,} read: {new:,} new leads, {counts['updated']:,} updated, "
                      f"{len(batch.events):,} newly qualified (follow-up requested), "
                      f"{len(refused):,} refused", markup=False)
        if refused:
            _print_refused(refused)
    if refused:
        raise typer.Exit(1)
