"""`hub check [CONNECTION]`: are the credentials accepted, the systems reachable, and do the
tables and columns each pipeline names exist?"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Annotated, Any

import typer
from rich.markup import escape

from hub.cli.app import Context, app, console
from hub.config import STORE_CONNECTION, LoadedConfig, redact
from hub.config.verify import Verification, verify_pipeline
from hub.connector import CheckResult, Connector
from hub.errors import ConfigError, HubError
from hub.store.failures import failure_reason


@app.command("check")
def check(
    ctx: typer.Context,
    connection: Annotated[str | None, typer.Argument(
        help="a connection named in hub.yaml [default: every connection and the state store]")
    ] = None,
) -> None:
    """Check connections (credentials accepted, system reachable) and that what each pipeline
    names exists there; exit 1 if anything is not right."""
    context = ctx.ensure_object(Context)
    loaded = context.config()
    known = {*loaded.config.connections, STORE_CONNECTION}
    if connection is not None and connection not in known:
        defined = ", ".join(sorted(loaded.config.connections)) or "none"
        raise ConfigError(f"no connection named {connection!r} (defined: {defined})")
    failed: set[str] = set()
    for name in [connection] if connection else sorted(known):
        kind = _connector_id(loaded, name)
        result = asyncio.run(_check(loaded.connector(name)))
        message = redact(result.message)
        if result.ok:
            console.print(f"[green]ok[/]    {name} ({kind}): {message}", highlight=False)
        else:
            failed.add(name)
            console.print(f"[red]FAILED[/] {name} ({kind}): {message}", highlight=False)
    # a pipeline is verified where both its connections answered
    pipelines = [name for name, ends in _pipeline_ends(loaded).items()
                 if (connection is None or connection in ends) and not ends & failed]
    verified = verify_pipelines(context, pipelines)
    for name, found in verified.items():
        for line in [*map(str, found.problems), *found.failures]:
            console.print(f"[red]FAILED[/] pipeline {name}: {escape(line)}", highlight=False)
        if found.ok:
            console.print(f"[green]ok[/]    pipeline {name}: what it reads and writes exists",
                          highlight=False)
    if failed or not all(found.ok for found in verified.values()):
        raise typer.Exit(1)


def verify_pipelines(context: Context, names: Iterable[str]) -> dict[str, Verification]:
    """Verify each pipeline against the live systems, in one event loop."""
    loaded = context.config()
    names = list(names)
    found = {name: Verification() for name in names}
    ends = _pipeline_ends(loaded)
    if any(_builtin_store(loaded) & ends[name] for name in names):
        # the store's tables come from its migrations, which run when it is first opened
        try:
            context.store().close()
        except HubError as exc:
            for name in names:
                if _builtin_store(loaded) & ends[name]:
                    found[name].failures.append(str(exc))

    async def verify_all() -> None:
        for name in names:
            if not found[name].failures:
                found[name].extend(await verify_pipeline(loaded, name))

    asyncio.run(verify_all())
    return found


def _pipeline_ends(loaded: LoadedConfig) -> dict[str, set[str]]:
    return {name: {p.source.connection, p.destination.connection}
            for name, p in loaded.config.pipelines.items()}


def _builtin_store(loaded: LoadedConfig) -> set[str]:
    return set() if STORE_CONNECTION in loaded.config.connections else {STORE_CONNECTION}


def _connector_id(loaded: LoadedConfig, name: str) -> str:
    if name in loaded.config.connections:
        return loaded.config.connections[name].connector
    return "store"  # the state store


async def _check(connector: Connector[Any]) -> CheckResult:
    try:
        return await connector.check()
    except HubError as exc:  # a connector whose check raises still gets an answer in words
        return CheckResult(False, str(exc))
    except Exception as exc:  # … even when what it raises is not one of the hub's errors
        return CheckResult(False, f"{type(exc).__name__}: {failure_reason(exc)}")
    finally:
        await connector.aclose()
