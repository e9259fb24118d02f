"""`hub sync PIPELINE` and `hub runs`."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.app import Hub
from hub.cli.output import console, errors

if TYPE_CHECKING:
    from hub.engine import RunResult
    from hub.store import PipelineBusyError, RunRecord

OUTCOME_COLUMNS = ("read", "written", "unchanged", "filtered", "invalid", "failed")


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)
    app.command("runs")(runs)


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
    pipelines = ctx.ensure_object(Hub).pipelines
    bar = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                   console=console, transient=True)
    task = bar.add_task(pipeline, total=None, counts="", start=False)

    def started() -> None:  # the bar shows once the pipeline is verified and the run begins
        bar.start()
        bar.start_task(task)

    def progress(counts: Counter[str]) -> None:
        elapsed = bar.tasks[task].elapsed or 0.0
        rate = f" · {counts['read'] / elapsed:,.0f}/s" if elapsed > 0 else ""
        bar.update(task, counts=f"{counts['read']:,} read · {counts['written']:,} written"
                                f"{rate}")

    def waiting(busy: PipelineBusyError) -> None:
        held = busy.lease
        errors.print(f"{busy.pipeline}: waiting for run {held.run_id} (pid {held.pid} on "
                     f"{held.host}) to end", markup=False, highlight=False)

    try:
        result = pipelines.sync(pipeline, dry_run=dry_run, full_refresh=full_refresh, wait=wait,
                                on_start=started, progress=progress, on_wait=waiting)
    finally:
        if bar.live.is_started:  # stopping a bar never shown would still print a line
            bar.stop()
    _summary(result)
    if dry_run:
        for payload in result.would_write[:show]:
            console.print_json(json.dumps(payload, default=str))
    if result.status == "stopped":
        console.print(f"[yellow]stopped: {result.error}[/]")
        raise typer.Exit(1)


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


def runs(
    ctx: typer.Context,
    pipeline: Annotated[str | None, typer.Argument(help="only this pipeline")] = None,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
) -> None:
    """Recent runs with their counts; read always equals the sum of the outcomes."""
    records = ctx.ensure_object(Hub).pipelines.runs(pipeline, limit)
    table = Table("id", "pipeline", "kind", "status", "started", "s", *OUTCOME_COLUMNS, "error")
    for r in records:
        table.add_row(*_run_row(r))
    console.print(table)


def _run_row(r: RunRecord) -> list[str]:
    seconds = f"{(r.finished_at - r.started_at).total_seconds():.1f}" if r.finished_at else "-"
    error = (r.error or "")[:60] + (f" (resume {r.resume_at:%H:%M})" if r.resume_at else "")
    return [str(r.id), r.pipeline, r.kind, r.status, f"{r.started_at:%m-%d %H:%M:%S}",
            seconds, *(f"{getattr(r, c):,}" for c in OUTCOME_COLUMNS), error]
