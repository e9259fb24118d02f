"""`hub worker`, `hub daemon` and `hub streams docs`: the long-running processes."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer

from hub.app import Hub
from hub.cli.output import console

streams_app = typer.Typer(help="The event streams.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("daemon")(daemon)
    app.command("worker")(worker)
    app.add_typer(streams_app, name="streams")


@streams_app.command("docs")
def docs(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="write the document here instead of printing it")] = None,
) -> None:
    """Write the AsyncAPI 3.0 document (JSON) of the event streams the worker consumes."""
    hub: Hub = ctx.obj
    document = hub.streams.asyncapi()
    if out is None:
        console.print(document, markup=False, highlight=False, soft_wrap=True)
    else:
        out.write_text(document + "\n")
        console.print(f"wrote {out}", markup=False, highlight=False)


def daemon(ctx: typer.Context) -> None:
    """Run hub.yaml's schedules (each tick once across every daemon sharing the store) and
    relay the outbox to the broker (or, with none, to the subscribers in this process);
    SIGTERM lets the run in hand finish and record its end, then exits."""
    from hub.app.daemon import run_daemon, schedule_entries

    hub: Hub = ctx.obj
    entries = schedule_entries(hub)
    where = hub.streams.broker_url or "the subscribers in this process (embedded mode)"
    console.print(f"daemon: {len(entries)} schedule(s); relaying the outbox to {where}",
                  markup=False, highlight=False)
    until_signalled(lambda stop: run_daemon(hub, stop))


def worker(
    ctx: typer.Context,
    ack_wait: Annotated[float, typer.Option(
        help="seconds before a message a dead worker held goes to another (NATS)")] = 30.0,
    claim_after: Annotated[float, typer.Option(
        help="seconds before an entry a dead worker held goes to another (Redis)")] = 30.0,
) -> None:
    """Consume the broker (hub.yaml's broker.url) as one of any number of competing workers;
    SIGTERM lets the messages in hand finish and be acknowledged, then exits."""
    from hub.stream.worker import WorkerOptions

    hub: Hub = ctx.obj
    streams = hub.streams
    options = WorkerOptions(ack_wait=ack_wait, claim_after=claim_after)
    console.print(f"worker: consuming {streams.broker_url} for tenant {hub.tenant!r}",
                  markup=False, highlight=False)
    until_signalled(lambda stop: streams.work(stop, options))


def until_signalled(body: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `body(stop)`; SIGTERM or SIGINT sets `stop`, and the body winds down itself."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await body(stop)

    asyncio.run(main())
