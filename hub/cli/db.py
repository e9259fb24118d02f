"""`hub db upgrade|current`."""

from __future__ import annotations

import typer

from hub.app import Hub
from hub.cli.output import console

db_app = typer.Typer(help="The state store's schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the state store to the current schema."""
    done = ctx.ensure_object(Hub).schema.upgrade()
    if done.before == done.after:
        console.print(f"state store ({done.backend}) already at revision {done.after}")
    else:
        console.print(f"state store ({done.backend}) upgraded {done.before or 'empty'} → "
                      f"{done.after}")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the schema revision of the state store and the newest one available."""
    revision, head = ctx.ensure_object(Hub).schema.revisions()
    console.print(f"{revision or 'empty'} (head: {head})")
