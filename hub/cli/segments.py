"""`hub segments list|preview|refresh`, `hub rfm snapshot`, `hub triggers preview|run`.

Every command takes `--at` to run as of another moment (a replay, or the sample shop's
anchor date); without it the clock is now.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from hub.app import Hub
from hub.cli.output import console, errors

if TYPE_CHECKING:
    from hub.marketing.triggers import Firing

segments_app = typer.Typer(help="Segments: definitions, their SQL, stored membership.",
                           no_args_is_help=True)
rfm_app = typer.Typer(help="RFM scores: the nightly snapshot.", no_args_is_help=True)
triggers_app = typer.Typer(help="Automation triggers: what fires now, and firing it.",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(segments_app, name="segments")
    app.add_typer(rfm_app, name="rfm")
    app.add_typer(triggers_app, name="triggers")


At = Annotated[datetime | None, typer.Option(
    "--at", help="run as of this moment (ISO date or datetime, UTC) instead of now")]


# -- segments ----------------------------------------------------------------------------------
@segments_app.command("list")
def list_segments(ctx: typer.Context) -> None:
    """Every segment: what it is for, and its stored membership."""
    hub = ctx.ensure_object(Hub)
    members, refreshed = hub.segments().stored()
    table = Table("segment", "audience", "members", "refreshed", "description")
    for d in hub.segment_set:
        audience = (f"{d.spec.channel}" + (f" · {d.spec.topic}" if d.spec.topic else "")
                    if d.spec.for_messaging else "analytics only")
        when = refreshed.get(d.name)
        table.add_row(d.name, audience, f"{members.get(d.name, 0):,}",
                      f"{when:%Y-%m-%d %H:%M}" if when else "never", d.spec.description or "")
    console.print(table)


@segments_app.command("preview")
def preview(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the segment")],
            sample: Annotated[int, typer.Option(help="members to show")] = 10,
            at: At = None) -> None:
    """How many are in the segment now, a sample of them, and the SQL that finds them."""
    shown = ctx.ensure_object(Hub).segments(at).preview(name, sample)
    console.print(f"[bold]{name}[/]: {shown.count:,} member(s)")
    table = Table("contact", "email")
    for cid, email in shown.sample:
        table.add_row(cid, email or "-")
    if shown.sample:
        console.print(table)
    console.print("SQL:")
    console.print(shown.sql, markup=False, highlight=False, soft_wrap=True)


@segments_app.command("refresh")
def refresh(ctx: typer.Context,
            name: Annotated[str | None, typer.Argument(help="one segment (default: all)")]
            = None, at: At = None) -> None:
    """Re-evaluate membership, store the difference, announce entries and exits."""
    service = ctx.ensure_object(Hub).segments(at)
    results = [service.refresh(name)] if name else service.refresh_all()
    table = Table("segment", "before", "after", "entered", "exited", "change")
    for r in results:
        change = "-" if r.drift_percent is None else f"{r.drift_percent:+.1f}%"
        table.add_row(r.segment, f"{r.before:,}", f"{r.after:,}", f"+{len(r.entered):,}",
                      f"-{len(r.exited):,}", change + (" [red]drift[/]" if r.drift_alert else ""))
    console.print(table)
    for r in results:
        if r.drift_alert:
            verb = "held back (not applied)" if r.held else "applied"
            errors.print(f"drift alert: {r.segment} moved {r.drift_percent:+.1f}% "
                         f"({r.before:,} → {r.after:,}); {verb}", markup=False)
    if any(r.held for r in results):
        raise typer.Exit(1)


# -- RFM ---------------------------------------------------------------------------------------
@rfm_app.command("snapshot")
def snapshot(ctx: typer.Context, at: At = None,
             refresh_segments: Annotated[bool, typer.Option(
                 "--refresh-segments", help="then refresh every segment")] = False) -> None:
    """Score every customer, write today's snapshot, and check it covers them all."""
    report, refreshed = ctx.ensure_object(Hub).rfm_snapshot(at,
                                                           refresh_segments=refresh_segments)
    table = Table("RFM segment", "customers", title=f"RFM snapshot {report.snapshot_date}")
    for segment, count in report.by_segment.items():
        table.add_row(segment, f"{count:,}")
    console.print(table)
    console.print(f"{report.rows:,} rows for {report.expected:,} customers with a completed "
                  "order")
    for r in refreshed:
        console.print(f"segment {r.segment}: {r.after:,} (+{len(r.entered)} -{len(r.exited)})")
    if not report.complete:
        errors.print(f"incomplete snapshot: {report.rows:,} rows, {report.expected:,} "
                     "customers expected")
        raise typer.Exit(1)


# -- triggers ----------------------------------------------------------------------------------
@triggers_app.command("preview")
def trigger_preview(ctx: typer.Context, at: At = None,
                    show: Annotated[int, typer.Option(help="examples per trigger")] = 3) -> None:
    """What would fire now, and what would not (and why), without firing anything."""
    firings = ctx.ensure_object(Hub).triggers(at).preview()
    _report(firings, show, verb="would fire")


@triggers_app.command("run")
def trigger_run(ctx: typer.Context, at: At = None) -> None:
    """Fire what is due: occasions read from the store, and pending ones from events."""
    firings = ctx.ensure_object(Hub).fire_triggers(at)
    _report(firings, 0, verb="fired")


def _report(firings: list[Firing], show: int, verb: str) -> None:
    counts = Counter((f.trigger, f.outcome) for f in firings)
    names = sorted({f.trigger for f in firings})
    table = Table("trigger", verb, "skipped", "deferred", "already done", "expired")
    for name in names:
        table.add_row(name, *(f"{counts[(name, o)]:,}" for o in
                              ("fired", "skipped", "deferred", "duplicate", "expired")))
    console.print(table if names else "nothing is due")
    for name in names if show else []:
        for f in [f for f in firings if f.trigger == name and f.outcome == "fired"][:show]:
            console.print(f"  {name} → {f.contact_id} ({f.key})", markup=False)
        for f in [f for f in firings if f.trigger == name and f.reason][:1]:
            console.print(f"  {name}: not {f.contact_id}: {f.reason}", markup=False)
