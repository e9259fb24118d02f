"""`hub check [CONNECTION]`: are the credentials accepted, the systems reachable, and do the
tables and columns each pipeline names exist?"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from hub.app import Hub
from hub.cli.output import console


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def check(
    ctx: typer.Context,
    connection: Annotated[str | None, typer.Argument(
        help="a connection named in hub.yaml [default: every connection and the state store]")
    ] = None,
) -> None:
    """Check connections (credentials accepted, system reachable) and that what each pipeline
    names exists there; exit 1 if anything is not right."""
    from hub.app.checks import check_connection, connection_names, pipeline_ends, verify_pipelines
    from hub.config import redact

    hub = ctx.ensure_object(Hub)
    loaded = hub.config()
    failed: set[str] = set()
    for name in connection_names(loaded, connection):
        checked = check_connection(loaded, name)
        message = redact(checked.result.message)
        if checked.result.ok:
            console.print(f"[green]ok[/]    {name} ({checked.kind}): {message}", highlight=False)
        else:
            failed.add(name)
            console.print(f"[red]FAILED[/] {name} ({checked.kind}): {message}", highlight=False)
    # a pipeline is verified where both its connections answered
    pipelines = [name for name, ends in pipeline_ends(loaded).items()
                 if (connection is None or connection in ends) and not ends & failed]
    verified = verify_pipelines(hub, pipelines)
    for name, found in verified.items():
        for line in [*map(str, found.problems), *found.failures]:
            console.print(f"[red]FAILED[/] pipeline {name}: {escape(redact(line))}",
                          highlight=False)
        if found.ok:
            console.print(f"[green]ok[/]    pipeline {name}: what it reads and writes exists",
                          highlight=False)
    if failed or not all(found.ok for found in verified.values()):
        raise typer.Exit(1)
