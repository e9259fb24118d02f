"""`hub campaigns …`: campaign commands for people, with the rules' refusals as answers.

Each command goes through the same `CampaignService` the API and the demo use, so the rules,
the events in the outbox and the audit trail are the same whoever asks. A refused command
prints its rule and reason and exits with 1; an unknown campaign or a bad argument exits 2.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from hub.app import Hub
from hub.cli.output import console
from hub.errors import ConfigError, DomainRuleError
from hub.model import Campaign, CampaignStatus, CampaignType, Channel

if TYPE_CHECKING:
    from hub.marketing.campaigns import Command

campaigns_app = typer.Typer(help="Create, launch, pause and fund campaigns; read their audit "
                                 "trail.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(campaigns_app, name="campaigns")


CampaignArg = Annotated[str, typer.Argument(metavar="CAMPAIGN")]
TenantOption = Annotated[str | None, typer.Option(
    help="tenant [default: the tenant of hub.yaml]")]
ActorOption = Annotated[str | None, typer.Option(
    help="who is asking, for the audit trail [default: $USER]")]


def _actor(actor: str | None) -> str:
    return actor or os.environ.get("USER") or "cli"


def _amount(value: str, option: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ConfigError(f"{option} {value!r} is not an amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ConfigError(f"{option} must be a positive amount, got {value}")
    return amount


def _handle(ctx: typer.Context, command: Command) -> None:
    """Handle one command; say what happened (a refusal propagates: rule and reason, exit 1)."""
    try:
        outcome = ctx.ensure_object(Hub).campaigns.handle(command)
    except DomainRuleError as refusal:
        if refusal.rule == "campaign.unknown":  # a mistyped id is a bad argument
            raise ConfigError(str(refusal)) from None
        raise
    events = ", ".join(e.type for e in outcome.events) or "no event"
    console.print(f"{outcome.campaign.id}: {outcome.campaign.status} ({events})", markup=False)


def _command(ctx: typer.Context, campaign: str, tenant: str | None, actor: str | None,
             make: Callable[..., Command], **fields: object) -> None:
    chosen = ctx.ensure_object(Hub).tenant_or(tenant)
    _handle(ctx, make(tenant=chosen, campaign_id=campaign, actor=_actor(actor), **fields))


@campaigns_app.command("create")
def create(
    ctx: typer.Context,
    campaign: CampaignArg,
    name: Annotated[str, typer.Option(help="display name")],
    type: Annotated[CampaignType, typer.Option(help="campaign type")] = CampaignType.PROMOTION,
    channel: Annotated[list[Channel] | None, typer.Option(help="repeatable")] = None,
    currency: Annotated[str, typer.Option()] = "USD",
    tenant: TenantOption = None,
    actor: ActorOption = None,
) -> None:
    """Register a draft campaign."""
    from hub.marketing.campaigns import CreateCampaign

    draft = Campaign(tenant=ctx.ensure_object(Hub).tenant_or(tenant), id=campaign, name=name,
                     type=type, channels=channel or [], currency=currency.upper())
    _handle(ctx, CreateCampaign(actor=_actor(actor), campaign=draft))


@campaigns_app.command("audience")
def audience(ctx: typer.Context, campaign: CampaignArg,
             segment: Annotated[str, typer.Argument()],
             size: Annotated[int | None, typer.Option(
                 help="contacts in the audience [default: the segment's stored members]")
             ] = None,
             tenant: TenantOption = None, actor: ActorOption = None) -> None:
    """Aim the campaign at a segment."""
    from hub.marketing.campaigns import DefineTargetAudience

    _command(ctx, campaign, tenant, actor, DefineTargetAudience, segment=segment, size=size)


@campaigns_app.command("budget")
def budget(ctx: typer.Context, campaign: CampaignArg, amount: Annotated[str, typer.Argument()],
           tenant: TenantOption = None, actor: ActorOption = None) -> None:
    """Allocate the campaign's budget."""
    from hub.marketing.campaigns import AllocateCampaignBudget

    _command(ctx, campaign, tenant, actor, AllocateCampaignBudget,
             amount=_amount(amount, "AMOUNT"))


@campaigns_app.command("spend")
def spend(ctx: typer.Context, campaign: CampaignArg, amount: Annotated[str, typer.Argument()],
          reference: Annotated[str | None, typer.Option(help="invoice or cost line")] = None,
          tenant: TenantOption = None, actor: ActorOption = None) -> None:
    """Record spend; a running campaign pauses itself once spend exceeds its budget."""
    from hub.marketing.campaigns import RecordCampaignSpend

    _command(ctx, campaign, tenant, actor, RecordCampaignSpend,
             amount=_amount(amount, "AMOUNT"), reference=reference)


@campaigns_app.command("approve")
def approve(ctx: typer.Context, campaign: CampaignArg,
            reject: Annotated[bool, typer.Option("--reject", help="record a rejection")] = False,
            note: Annotated[str | None, typer.Option()] = None,
            tenant: TenantOption = None, actor: ActorOption = None) -> None:
    """Approve (or reject) the campaign's creative."""
    from hub.marketing.campaigns import ApproveCampaignCreative

    _command(ctx, campaign, tenant, actor, ApproveCampaignCreative, approved=not reject,
             note=note)


@campaigns_app.command("launch")
def launch(ctx: typer.Context, campaign: CampaignArg, tenant: TenantOption = None,
           actor: ActorOption = None) -> None:
    """Launch a draft or scheduled campaign."""
    from hub.marketing.campaigns import LaunchCampaign

    _command(ctx, campaign, tenant, actor, LaunchCampaign)


def _status_command(to: CampaignStatus, doc: str) -> None:
    def command(ctx: typer.Context, campaign: CampaignArg, tenant: TenantOption = None,
                actor: ActorOption = None) -> None:
        from hub.marketing.campaigns import ChangeCampaignStatus

        _command(ctx, campaign, tenant, actor, ChangeCampaignStatus, to=to)

    command.__doc__ = doc
    campaigns_app.command({"running": "resume", "paused": "pause", "completed": "complete",
                           "scheduled": "schedule"}[to.value])(command)


_status_command(CampaignStatus.PAUSED, "Pause a running campaign.")
_status_command(CampaignStatus.RUNNING, "Resume a paused campaign (the launch rules apply).")
_status_command(CampaignStatus.COMPLETED, "Complete a running or paused campaign.")
_status_command(CampaignStatus.SCHEDULED, "Schedule a draft (it holds an active slot).")


@campaigns_app.command("list")
def list_campaigns(ctx: typer.Context, tenant: TenantOption = None) -> None:
    """The tenant's campaigns: status, audience, budget and spend."""
    hub = ctx.ensure_object(Hub)
    found = hub.campaigns.tenant_campaigns(hub.tenant_or(tenant))
    table = Table("id", "name", "type", "status", "audience", "creative", "budget", "spend")
    for c in found:
        table.add_row(c.id, c.name, c.type.value, c.status.value,
                      "-" if c.audience_size is None else f"{c.audience_size:,}",
                      c.creative.status.value,
                      "-" if c.budget is None else f"{c.budget:,.2f}", f"{c.spend:,.2f}")
    console.print(table)


@campaigns_app.command("audit")
def audit(ctx: typer.Context, campaign: CampaignArg, tenant: TenantOption = None,
          json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Who did what to the campaign, and when; refused attempts included."""
    hub = ctx.ensure_object(Hub)
    trail = hub.campaigns.audit_trail(hub.tenant_or(tenant), campaign)
    if json_output:
        typer.echo(json.dumps(trail, indent=2, default=str))
        return
    table = Table("at (UTC)", "actor", "action", "outcome")
    for row in trail:
        detail = row["detail"]
        outcome = detail.get("outcome", "")
        if outcome == "refused":
            outcome = f"refused: {detail.get('reason', '')}"
        table.add_row(f"{row['at']:%Y-%m-%d %H:%M:%S}", row["actor"], row["action"], outcome)
    console.print(table)
