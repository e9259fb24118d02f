"""`hub send` and `hub templates …`: the send path from the command line.

`hub send` runs the send worker on every channel with a sender (`messaging.senders`), or on
those named; `--campaign` first queues a running campaign's intents and checks them against
their templates (a missing variable refuses the campaign, naming template, line and
variable, before anything is sent). A quota that stops a send is not an error: the next
`hub send` resumes. `hub templates preview` renders a template for a real contact.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from hub.app import Hub
from hub.app.messaging import MessagingApp
from hub.cli.output import console, errors
from hub.errors import ConfigError

templates_app = typer.Typer(help="Preview and list message templates.", no_args_is_help=True)

AtOption = Annotated[str | None, typer.Option(
    "--at", help="act as of this ISO time (UTC if no offset) [default: now]")]


def register(app: typer.Typer) -> None:
    app.command("send")(send)
    app.add_typer(templates_app, name="templates")


def _messaging(ctx: typer.Context, at: str | None) -> MessagingApp:
    hub = ctx.ensure_object(Hub)
    if at is None:
        return hub.messaging_app
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise ConfigError(f"--at {at!r} is not an ISO time (e.g. 2026-03-10T14:00)") from None
    return MessagingApp(hub, at=moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def send(
    ctx: typer.Context,
    channel: Annotated[list[str] | None, typer.Option(
        "--channel", help="send on this channel only (repeatable) [default: every sender]")
    ] = None,
    campaign: Annotated[str | None, typer.Option(
        help="queue this running campaign's messages first, checked against its templates")
    ] = None,
    template: Annotated[str | None, typer.Option(
        help="with --campaign: the template of variants that name none [default: the "
             "campaign's id]")] = None,
    budget: Annotated[int | None, typer.Option(
        min=1, help="send at most this many new messages per channel, the most valuable "
                    "first [default: messaging.batch_budget, else all]")] = None,
    at: AtOption = None,
) -> None:
    """Send the queued messages: gate, render, reserve, send, record."""
    messaging = _messaging(ctx, at)
    if campaign is not None:
        queued, checked = messaging.queue_campaign(campaign, template=template)
        console.print(f"{campaign}: {queued:,} new message(s) queued, {checked:,} checked "
                      "against their templates", markup=False)
    reports = asyncio.run(messaging.send(channel, budget))
    table = Table("channel", "sent", "refused", "deferred", "failed", "suppressed",
                  "recovered", title="Sends")
    for name, report in reports.items():
        refused = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in
                            sorted(report.refused.items())) or "0"
        table.add_row(name, f"{report.sent:,}", refused, f"{report.deferred:,}",
                      f"{report.failed:,}", f"{report.suppressed:,}", f"{report.recovered:,}")
    console.print(table)
    for name, report in reports.items():
        if report.stopped:
            errors.print(f"{name}: stopped, to resume with the next `hub send`: "
                         f"{report.stopped}", markup=False)


@templates_app.command("preview")
def preview(
    ctx: typer.Context,
    template: Annotated[str, typer.Argument(metavar="TEMPLATE")],
    contact: Annotated[str, typer.Option(help="the contact whose data fills the template")],
    var: Annotated[list[str] | None, typer.Option(
        help="a message variable, NAME=JSON or NAME=text (repeatable)")] = None,
) -> None:
    """Render a template for a real contact: subject, preheader, HTML and text."""
    variables = {}
    for item in var or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--var {item!r}: give NAME=VALUE")
        try:
            variables[name] = json.loads(value)
        except json.JSONDecodeError:
            variables[name] = value
    rendered = _messaging(ctx, None).preview(template, contact, variables)
    for part in ("subject", "preheader", "html", "text"):
        value = getattr(rendered, part)
        if value:
            console.print(f"── {part} ──", markup=False)
            console.print(value, markup=False, highlight=False)


@templates_app.command("list")
def list_templates(ctx: typer.Context) -> None:
    """The templates in the templates folder (`messaging.templates`)."""
    names = _messaging(ctx, None).service.templates.names()
    for name in names:
        console.print(name, markup=False)
    if not names:
        errors.print("no templates (each is a folder holding at least text.liquid)")
