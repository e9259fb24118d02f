"""`hub sync PIPELINE` and `hub runs`."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.app import Context, app, console, errors
from hub.engine import Plan, RunResult, SyncEngine, build_plan
from hub.store import PipelineBusyError, RunRecord

OUTCOME_COLUMNS = ("read", "written", "unchanged", "filtered", "invalid", "failed")


@app.command("sync")
def sync(
    ctx: typer.Context,
    pipeline: Annotated[str, typer.Argument(help="the pipeline to run, as named in hub.yaml")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="show what would be written; write nothing, move no checkpoint")] = False,
    full_refresh: Annotated[bool, typer.Option(
        "--full-refresh", help="read the source from the start, ignoring the checkpoint")] = False,
    show: Annotated[int, typer.Option(help="records to print with --dry-run")] = 5,
    wait: Annotated[bool, typer.Option(
        "--wait", help="if the pipeline is already running, wait for that run to end "
                       "instead of refusing")] = False,
) -> None:
    """Run one pipeline now: read, map, validate, dedup, diff, write, checkpoint."""
    context = ctx.ensure_object(Context)
    plan = build_plan(context.config(), pipeline)  # a bad mapping stops here, nothing opened
    store = context.store()
    try:
        result = asyncio.run(_run(SyncEngine(store), plan, dry_run=dry_run,
                                  full_refresh=full_refresh, wait=wait))
    finally:
        store.close()
    _summary(result)
    if dry_run:
        for payload in result.would_write[:show]:
            console.print_json(json.dumps(payload, default=str))
    if result.status == "stopped":
        console.print(f"[yellow]stopped: {result.error}[/]")
        raise typer.Exit(1)


async def _run(engine: SyncEngine, plan: Plan, **options: bool) -> RunResult:
    try:
        await plan.verify()  # a missing table or column is refused before a run is recorded
        return await _run_with_progress(engine, plan, **options)
    finally:
        await plan.aclose()  # in the loop the connectors' clients were made in


async def _run_with_progress(engine: SyncEngine, plan: Plan, **options: bool) -> RunResult:
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(plan.name, total=None, counts="")

        def progress(counts: Counter[str]) -> None:
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f" · {counts['read'] / elapsed:,.0f}/s" if elapsed > 0 else ""
            bar.update(task, counts=f"{counts['read']:,} read · {counts['written']:,} written"
                                    f"{rate}")

        def waiting(busy: PipelineBusyError) -> None:
            held = busy.lease
            errors.print(f"{busy.pipeline}: waiting for run {held.run_id} (pid {held.pid} on "
                         f"{held.host}) to end", markup=False, highlight=False)

        return await engine.run(plan, progress=progress, on_wait=waiting, **options)


def _summary(result: RunResult) -> None:
    title = f"{result.pipeline}: {result.status}" + (" (dry run)" if not result.run_id else "")
    table = Table(*OUTCOME_COLUMNS, title=title)
    table.add_row(*(f"{result.counts[c]:,}" for c in OUTCOME_COLUMNS))
    console.print(table)
    if result.deleted:
        console.print(f"mirror: deleted {result.deleted} record(s) the source no longer has")
    if result.counts["invalid"] or result.counts["failed"]:
        console.print(f"{result.counts['invalid'] + result.counts['failed']} record(s) in the "
                      f"dead-letter queue: `hub dlq list {result.pipeline}`")


@app.command("runs")
def runs(
    ctx: typer.Context,
    pipeline: Annotated[str | None, typer.Argument(help="only this pipeline")] = None,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
) -> None:
    """Recent runs with their counts; read always equals the sum of the outcomes."""
    store = ctx.ensure_object(Context).store()
    try:
        records = store.runs(pipeline, limit)
    finally:
        store.close()
    table = Table("id", "pipeline", "kind", "status", "started", "s", *OUTCOME_COLUMNS, "error")
    for r in records:
        table.add_row(*_run_row(r))
    console.print(table)


def _run_row(r: RunRecord) -> list[str]:
    seconds = f"{(r.finished_at - r.started_at).total_seconds():.1f}" if r.finished_at else "-"
    error = (r.error or "")[:60] + (f" (resume {r.resume_at:%H:%M})" if r.resume_at else "")
    return [str(r.id), r.pipeline, r.kind, r.status, f"{r.started_at:%m-%d %H:%M:%S}",
            seconds, *(f"{getattr(r, c):,}" for c in OUTCOME_COLUMNS), error]
