"""`hub dlq list|show|replay|discard`: the dead-letter queue, for people."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from hub.app import Hub
from hub.cli.output import console
from hub.errors import ConfigError

dlq_app = typer.Typer(help="Records that could not be written, kept with the reason.",
                      no_args_is_help=True)


def register(app: typer.Typer) -> None:
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
    letters = ctx.ensure_object(Hub).pipelines.dead_letters(pipeline, status=status, limit=limit)
    table = Table("id", "pipeline", "kind", "key", "attempts", "error")
    for d in letters:
        table.add_row(str(d.id), d.pipeline, d.kind, d.record_key or "-", str(d.attempts),
                      d.error[:100])
    console.print(table)


@dlq_app.command("show")
def show(ctx: typer.Context, letter: Annotated[int, typer.Argument()]) -> None:
    """One letter in full: the original record, the mapped payload and the reason."""
    found = ctx.ensure_object(Hub).pipelines.dead_letters(status=None, ids=[letter])
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
    result = ctx.ensure_object(Hub).pipelines.replay(pipeline, ids)
    console.print(f"replayed {len(result.replayed)}, still failing {len(result.still_failing)} "
                  f"(run {result.run_id})")
    for letter_id, error in list(result.still_failing.items())[:20]:
        console.print(f"  #{letter_id}: {error}", markup=False)
    if result.still_failing:
        raise typer.Exit(1)


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
    count = ctx.ensure_object(Hub).pipelines.discard(pipeline, ids or None)
    console.print(f"discarded {count} letter(s)")
