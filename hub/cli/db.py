"""`hub db upgrade|current`."""

from __future__ import annotations

import typer

from hub.cli.app import Context, app, console, store_failures
from hub.store import StateStore
from hub.store.database import current_revision, head_revision

db_app = typer.Typer(help="The state store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the state store to the current schema."""
    url = ctx.ensure_object(Context).store_url()
    store = StateStore(url)
    try:
        with store_failures(url):
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
    url = ctx.ensure_object(Context).store_url()
    store = StateStore(url)
    try:
        with store_failures(url):
            revision = current_revision(store.engine)
        console.print(f"{revision or 'empty'} (head: {head_revision()})")
    finally:
        store.close()
