"""`hub connectors`: what is installed, from which distribution, and whether it loaded."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from hub.app import Hub
from hub.cli.output import console

connectors_app = typer.Typer(help="Installed connectors.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(connectors_app, name="connectors")


@connectors_app.command("list")
def list_connectors(ctx: typer.Context) -> None:
    """List connectors with their distribution, streams, sinks and load status."""
    host = ctx.ensure_object(Hub).plugins
    registry = host.connectors
    table = Table("connector", "version", "distribution", "streams", "sinks", "status")
    listed: set[str] = set()
    for cid in registry:
        cls = registry.get(cid)
        plugin = registry.owner(cid).split(" ")[0]
        info = host.plugins.get(plugin)
        listed.add(plugin)
        table.add_row(cid, info.version if info else "", info.distribution if info else "",
                      ", ".join(cls.stream_names) or "-", ", ".join(cls.sink_names) or "-", "ok")
    for info in host.plugins.values():
        if info.name in listed or (info.status == "ok" and not info.connectors):
            continue
        status = info.status + (f": {info.error}" if info.error else "")
        # escaped: an error may hold brackets, e.g. an extra to install ('pkg[extra]')
        table.add_row(info.name, info.version, info.distribution, "-", "-", escape(status))
    console.print(table)
