"""`hub check [CONNECTION]`: are the credentials accepted and the system reachable?"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from hub.cli.app import Context, app, console
from hub.config import STORE_CONNECTION, LoadedConfig, redact
from hub.connector import CheckResult, Connector
from hub.errors import ConfigError, HubError


@app.command("check")
def check(
    ctx: typer.Context,
    connection: Annotated[str | None, typer.Argument(
        help="a connection named in hub.yaml [default: every connection]")] = None,
) -> None:
    """Check connections: credentials accepted, system reachable; exit 1 if any is not."""
    loaded = ctx.ensure_object(Context).config()
    names = [connection] if connection else sorted(loaded.config.connections)
    known = {*loaded.config.connections, STORE_CONNECTION}
    if connection is not None and connection not in known:
        defined = ", ".join(sorted(loaded.config.connections)) or "none"
        raise ConfigError(f"no connection named {connection!r} (defined: {defined})")
    failed = 0
    for name in names:
        kind = _connector_id(loaded, name)
        result = asyncio.run(_check(loaded.connector(name)))
        message = redact(result.message)
        if result.ok:
            console.print(f"[green]ok[/]    {name} ({kind}): {message}", highlight=False)
        else:
            failed += 1
            console.print(f"[red]FAILED[/] {name} ({kind}): {message}", highlight=False)
    if failed:
        raise typer.Exit(1)


def _connector_id(loaded: LoadedConfig, name: str) -> str:
    if name in loaded.config.connections:
        return loaded.config.connections[name].connector
    return "store"  # the state store


async def _check(connector: Connector[Any]) -> CheckResult:
    try:
        return await connector.check()
    except HubError as exc:  # a connector whose check raises still gets an answer in words
        return CheckResult(False, str(exc))
    finally:
        await connector.aclose()
