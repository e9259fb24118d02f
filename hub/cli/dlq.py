"""`hub dlq list|show|replay|discard`: the dead-letter queue, for people."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.table import Table

from hub.cli.app import Context, app, console
from hub.engine import Plan, ReplayResult, SyncEngine, build_plan, replay
from hub.errors import ConfigError

dlq_app = typer.Typer(help="Records that could not be written, kept with the reason.",
                      no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

Ids = Annotated[list[int] | None, typer.Argument(help="letter ids (default: all open ones)")]


@dlq_app.command("list")
def list_letters(
    ctx: typer.Context,
    pipeline: Annotated[str | None, typer.Argument(help="only this pipeline")] = None,
    status: Annotated[str, typer.Option(help="open | replayed | discarded")] = "open",
    limit: Annotated[int, typer.Option()] = 50,
) -> None:
    """List dead letters: id, pipeline, kind, attempts and the reason."""
    store = ctx.ensure_object(Context).store()
    try:
        letters = store.dead_letters(pipeline, status=status, limit=limit)
    finally:
        store.close()
    table = Table("id", "pipeline", "kind", "key", "attempts", "error")
    for d in letters:
        table.add_row(str(d.id), d.pipeline, d.kind, d.record_key or "-", str(d.attempts),
                      d.error[:100])
    console.print(table)


@dlq_app.command("show")
def show(ctx: typer.Context, letter: Annotated[int, typer.Argument()]) -> None:
    """One letter in full: the original record, the mapped payload and the reason."""
    store = ctx.ensure_object(Context).store()
    try:
        found = store.dead_letters(status=None, ids=[letter])
    finally:
        store.close()
    if not found:
        raise ConfigError(f"no dead letter {letter}")
    d = found[0]
    console.print(f"[bold]#{d.id}[/] {d.pipeline} · {d.kind} · {d.status} · "
                  f"{d.attempts} attempt(s) · {d.created_at:%Y-%m-%d %H:%M:%S}")
    console.print(f"error: {d.error}", markup=False)
    console.print("record:")
    console.print_json(json.dumps(d.record))
    if d.payload is not None:
        console.print("payload:")
        console.print_json(json.dumps(d.payload))


@dlq_app.command("replay")
def replay_letters(
    ctx: typer.Context,
    pipeline: Annotated[str, typer.Argument(help="the pipeline whose letters to replay")],
    ids: Ids = None,
) -> None:
    """Re-map the original records with the current mapping and write them again."""
    context = ctx.ensure_object(Context)
    plan = build_plan(context.config(), pipeline)
    store = context.store()
    try:
        result = asyncio.run(_replay(SyncEngine(store), plan, ids))
    finally:
        store.close()
    console.print(f"replayed {len(result.replayed)}, still failing {len(result.still_failing)} "
                  f"(run {result.run_id})")
    for letter_id, error in list(result.still_failing.items())[:20]:
        console.print(f"  #{letter_id}: {error}", markup=False)
    if result.still_failing:
        raise typer.Exit(1)


async def _replay(engine: SyncEngine, plan: Plan, ids: list[int] | None) -> ReplayResult:
    try:
        await plan.verify()  # a missing table or column is refused before a run is recorded
        return await replay(engine, plan, ids)
    finally:
        await plan.aclose()  # in the loop the connectors' clients were made in


@dlq_app.command("discard")
def discard(
    ctx: typer.Context,
    pipeline: Annotated[str, typer.Argument()],
    ids: Ids = None,
    yes: Annotated[bool, typer.Option("--yes", help="discard all open letters of the pipeline")
                   ] = False,
) -> None:
    """Close letters without writing them (they stay listed as discarded)."""
    if not ids and not yes:
        raise ConfigError(f"give letter ids, or --yes to discard every open letter of {pipeline!r}")
    store = ctx.ensure_object(Context).store()
    try:
        chosen = [d.id for d in store.dead_letters(pipeline, ids=ids or None)]
        with store.transaction() as tx:
            count = tx.ledger.set_dead_letter_status(chosen, "discarded")
    finally:
        store.close()
    console.print(f"discarded {count} letter(s)")
