"""`hub db upgrade|current`."""

from __future__ import annotations

import typer

from hub.cli.app import Context, app, console
from hub.store import StateStore
from hub.store.database import current_revision, head_revision

db_app = typer.Typer(help="The state store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _url(ctx: typer.Context) -> str:
    context = ctx.ensure_object(Context)
    settings = context.settings()
    configured = context.config().config.store.url if settings.config_path.is_file() else None
    return settings.store_url(configured)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the state store to the current schema."""
    store = StateStore(_url(ctx))
    try:
        before = current_revision(store.engine)
        store.upgrade()
        after = current_revision(store.engine)
    finally:
        store.close()
    if before == after:
        console.print(f"state store ({store.backend}) already at revision {after}")
    else:
        console.print(f"state store ({store.backend}) upgraded {before or 'empty'} → {after}")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the schema revision of the state store and the newest one available."""
    store = StateStore(_url(ctx))
    try:
        console.print(f"{current_revision(store.engine) or 'empty'} (head: {head_revision()})")
    finally:
        store.close()
