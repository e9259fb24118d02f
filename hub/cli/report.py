"""`hub report attribution|abtest|campaign|kpis`: what marketing did, read from the state store.

Every report prints a table for people, or `--format json` / `--format csv` for programs
(both written plainly to stdout, no colours or wrapping). Bad arguments exit with 2.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from hub.app import Hub
from hub.cli.output import console
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.marketing.experiments import Evaluation
    from hub.marketing.kpis import EngagementSummary

report_app = typer.Typer(help="Reports from the state store: attribution, A/B tests, "
                              "campaign performance, KPIs.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
TenantOption = Annotated[str | None, typer.Option(
    help="tenant to report on [default: the tenant of hub.yaml]")]
WindowOption = Annotated[float, typer.Option(
    "--window", help="days after a contact's first message (in the send funnel: after their "
                     "first click) in which an order converts")]


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date (YYYY-MM-DD[THH:MM])") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _days(value: float, option: str) -> timedelta:
    if not value > 0:
        raise ConfigError(f"{option} must be a positive number of days, got {value}")
    return timedelta(days=value)


def _emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _emit_csv(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    typer.echo(buffer.getvalue(), nl=False)


def _money(value: float) -> str:
    return f"{value:,.2f}"


MONEY_FIELDS = frozenset({"budget", "spend", "remaining_budget", "revenue",
                          "cost_per_conversion"})
SHORT_NAMES = {"first_touch": "first", "last_touch": "last", "last_non_direct": "non-direct",
               "position_based": "position", "time_decay": "decay"}


@report_app.command("attribution")
def attribution(
    ctx: typer.Context,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="first_touch, last_touch, last_non_direct, linear, "
                              "position_based, time_decay, markov, or all (repeatable)")] = None,
    by: Annotated[str, typer.Option(help="channel or campaign")] = "channel",
    lookback: Annotated[float, typer.Option(help="lookback window in days")] = 30.0,
    half_life: Annotated[float, typer.Option(help="time-decay half-life in days")] = 7.0,
    since: Annotated[str | None, typer.Option(help="first conversion date counted")] = None,
    until: Annotated[str | None, typer.Option(help="last conversion date counted")] = None,
    tenant: TenantOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Credit order revenue to the channels or campaigns that touched the buyer before."""
    if by not in ("channel", "campaign"):
        raise ConfigError(f"--by must be channel or campaign, got {by!r}")
    window, decay = _days(lookback, "--lookback"), _days(half_life, "--half-life")
    first, last = _moment(since, "--since"), _moment(until, "--until")
    hub = ctx.ensure_object(Hub)
    report = hub.reports.attribution(hub.tenant_or(tenant), model or ["all"], by=by,
                                     since=first, until=last, lookback=window, half_life=decay)
    if format is Format.JSON:
        _emit_json(report.as_dict())
        return
    if format is Format.CSV:
        _emit_csv(report.rows())
        return
    results = report.results
    # many models side by side only fit a terminal as shares; JSON and CSV carry the money
    compact = len(results) > 3
    what = "share of attributed revenue" if compact else "revenue"
    table = Table(title=f"{what.capitalize()} by {by}, {lookback:g}-day lookback",
                  box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD, pad_edge=not compact)
    table.add_column(by, no_wrap=True)
    for m in results:
        table.add_column(SHORT_NAMES.get(m.value, m.value) if compact else m.value,
                         justify="right", no_wrap=True)
    credits = {m: report.as_dict()["models"][m.value]["revenue"] for m in results}
    for label in report.labels():
        cells = []
        for m, r in results.items():
            value = credits[m].get(label, 0.0)
            share = value / r.attributed_revenue if r.attributed_revenue else 0.0
            cells.append(f"{share:.1%}" if compact else _money(value))
        table.add_row(label, *cells)
    console.print(table)
    any_result = next(iter(results.values()))
    console.print(f"{_money(any_result.attributed_revenue)} of {_money(any_result.total_revenue)}"
                  f" revenue attributed: {any_result.attributed_conversions:,} of "
                  f"{any_result.conversions:,} orders had a touchpoint in their window")


def _ab_rows(evaluation: Evaluation | None, counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if evaluation is None:
        return counts
    rows = []
    for v in evaluation.variants:
        comparison = v.comparison
        rows.append({
            "variant": v.name, "exposures": v.exposures, "conversions": v.conversions,
            "rate": v.rate, "rate_ci_low": v.rate_ci[0], "rate_ci_high": v.rate_ci[1],
            "difference": None if comparison is None else comparison.difference,
            "relative_lift": None if comparison is None else comparison.relative_lift,
            "p_value": None if comparison is None else comparison.p_value,
            "adjusted_p_value": v.adjusted_p_value, "significant": v.significant})
    return rows


@report_app.command("abtest")
def abtest(
    ctx: typer.Context,
    campaign_id: Annotated[str, typer.Argument(metavar="CAMPAIGN")],
    metric: Annotated[str, typer.Option(
        help="order (within the window), attributed (tagged with the campaign), click or open"
    )] = "order",
    window: WindowOption = 7.0,
    tenant: TenantOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """The A/B verdict of a campaign: exposures are its messages by variant."""
    hub = ctx.ensure_object(Hub)
    reports = hub.reports
    if metric not in reports.metrics:
        raise ConfigError(f"--metric must be one of {', '.join(reports.metrics)}, "
                          f"got {metric!r}")
    days = _days(window, "--window")
    test = reports.abtest(hub.tenant_or(tenant), campaign_id, metric=metric, window=days)
    campaign, data, evaluation = test.campaign, test.data, test.evaluation
    counts = [{"variant": v.name, "exposures": v.exposures, "conversions": v.conversions,
               "rate": v.rate} for v in data.counts]
    rows = _ab_rows(evaluation, counts)
    if format is Format.CSV:
        _emit_csv(rows)
        return
    verdict = None if evaluation is None else {
        "verdict": evaluation.verdict.value, "winner": evaluation.winner,
        "reason": evaluation.reason, "srm_p_value": evaluation.srm.p_value,
        "alpha": evaluation.alpha, "control": evaluation.control}
    if format is Format.JSON:
        _emit_json({"campaign_id": campaign.id, "metric": metric,
                    "contaminated_contacts": data.contaminated, "variants": rows,
                    "evaluation": verdict})
        return
    table = Table("variant", "exposed", "converted", "rate (95% CI)", "vs control",
                  "p (Holm)", title=f"A/B test of {campaign.id}: {metric} conversion")
    for row in rows:
        ci = (f" [{row['rate_ci_low']:.2%}, {row['rate_ci_high']:.2%}]"
              if "rate_ci_low" in row else "")
        diff = row.get("difference")
        p = row.get("adjusted_p_value")
        table.add_row(row["variant"], f"{row['exposures']:,}", f"{row['conversions']:,}",
                      f"{row['rate']:.2%}{ci}", "-" if diff is None else f"{diff:+.2%}",
                      "-" if p is None else f"{p:.4f}{' *' if row.get('significant') else ''}")
    console.print(table)
    if data.contaminated:
        console.print(f"{data.contaminated} contact(s) received several variants and are "
                      "left out")
    if evaluation is None:
        console.print("no verdict: fewer than two variants have been sent")
    else:
        console.print(f"verdict: {evaluation.verdict.value} — {evaluation.reason}",
                      markup=False)


@report_app.command("campaign")
def campaign_report(
    ctx: typer.Context,
    campaign_id: Annotated[str, typer.Argument(metavar="CAMPAIGN")],
    window: WindowOption = 7.0,
    tenant: TenantOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """A campaign's sends, engagement, conversions, revenue, spend, ROI and A/B verdict."""
    days = _days(window, "--window")
    hub = ctx.ensure_object(Hub)
    campaign, report = hub.reports.campaign_performance(
        hub.tenant_or(tenant), campaign_id, as_of=datetime.now(UTC), window=days)
    funnel = hub.messaging_app.funnel(campaign_id, window=days)
    report["sends"] = funnel.as_dict()
    by_variant = hub.reports.campaign_rates(hub.tenant_or(tenant), campaign_id)
    report["engagement_by_variant"] = [
        {"variant": variant, "sent": summary.sent,
         **{name: rate.value for name, rate in summary.rates().items()}}
        for variant, summary in by_variant.items()]
    if format is Format.JSON:
        _emit_json(report)
        return
    flat = {k: v for k, v in report.items() if not isinstance(v, dict)}
    if format is Format.CSV:
        _emit_csv([flat])
        return
    table = Table("measure", "value", title=f"Campaign {campaign.id}: {campaign.name}")
    for key, value in flat.items():
        if key in ("campaign_id", "name", "as_of"):
            continue
        if value is None:
            shown = "-"
        elif key in MONEY_FIELDS:
            shown = f"{_money(float(value))} {campaign.currency}"
        elif isinstance(value, float):
            shown = f"{value:.1%}" if key.endswith("rate") or key == "roi" else f"{value:g}"
        elif isinstance(value, int):
            shown = f"{value:,}"
        else:
            shown = str(value)
        table.add_row(key.replace("_", " "), shown)
    promotion = report["promotion_revenue"]
    if promotion:
        table.add_row("promotion revenue", f"{_money(float(promotion['revenue']))} "
                      f"{campaign.currency} ({promotion['orders']:,} orders)")
    console.print(table)
    console.print(f"funnel: sent {funnel.sent:,} → delivered {funnel.delivered:,} → opened "
                  f"{funnel.opened:,} → clicked {funnel.clicked:,} → converted "
                  f"{funnel.converted:,}", markup=False)
    console.print(f"refused: {funnel.refusals()}", markup=False)
    if by_variant:
        console.print(_rates_table(campaign.id, by_variant))
    ab = report["ab_test"]
    if ab and ab.get("verdict"):
        console.print(f"A/B test ({ab['metric']} conversion): {ab['verdict']} — "
                      f"{ab['reason']}", markup=False)


def _rates_table(campaign_id: str, by_variant: dict[str | None, EngagementSummary]) -> Table:
    table = Table("variant", "sent", "open", "click", "bounce", "complaint", "unsubscribe",
                  title=f"Engagement of {campaign_id} by variant")
    for variant, summary in by_variant.items():
        rates = [rate.value for rate in summary.rates().values()]
        table.add_row(variant or "-", f"{summary.sent:,}",
                      *("-" if r is None else f"{r:.1%}" for r in rates))
    return table


@report_app.command("kpis")
def kpis(
    ctx: typer.Context,
    period: Annotated[float, typer.Option(help="days of engagement and orders measured")] = 30,
    as_of: Annotated[str | None, typer.Option("--as-of", help="end of the period [now]")] = None,
    tenant: TenantOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Open and click rates, cart recovery, churn win-back and promotion revenue (seed 004)."""
    end = _moment(as_of, "--as-of") or datetime.now(UTC)
    days = _days(period, "--period")
    hub = ctx.ensure_object(Hub)
    result = hub.reports.kpis(hub.tenant_or(tenant), as_of=end, period=days)
    if format is Format.JSON:
        _emit_json(result.as_dict())
        return
    rows = [("open rate", str(result.engagement.open_rate)),
            ("click rate", str(result.engagement.click_rate)),
            ("bounce rate", str(result.engagement.bounce_rate)),
            ("unsubscribe rate", str(result.engagement.unsubscribe_rate)),
            ("cart recovery rate", str(result.cart_recovery.rate)),
            ("churn win-back rate", str(result.win_back))]
    rows += [(f"promotion revenue: {c}", f"{_money(float(v.revenue))} ({v.orders:,} orders)")
             for c, v in result.promotion_revenue.items()]
    if format is Format.CSV:
        _emit_csv([{"kpi": k, "value": v} for k, v in rows])
        return
    table = Table("KPI", "value", title=f"KPIs, {period:g} days to {end:%Y-%m-%d %H:%M} UTC")
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


@report_app.command("uplift")
def uplift(
    ctx: typer.Context,
    segment: Annotated[str, typer.Argument(metavar="SEGMENT")],
    campaign_id: Annotated[str, typer.Argument(metavar="CAMPAIGN")],
    since: Annotated[str, typer.Option(help="first day orders count (the send)")],
    until: Annotated[str | None, typer.Option(help="last day orders count [now]")] = None,
    tenant: TenantOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Conversion of the segment's members the campaign reached, against those it did not."""
    first = _moment(since, "--since")
    last = _moment(until, "--until") or datetime.now(UTC)
    assert first is not None  # a required option
    hub = ctx.ensure_object(Hub)
    result = hub.reports.uplift(hub.tenant_or(tenant), segment, campaign_id, since=first,
                                until=last)
    rows = {"treated": str(result.treated), "holdout": str(result.holdout),
            "uplift": "n/a" if result.absolute is None else f"{result.absolute:+.2%}",
            "relative uplift": "n/a" if result.relative is None else f"{result.relative:+.1%}",
            "p-value": "n/a" if result.p_value is None else f"{result.p_value:.4f}",
            "significant": "yes" if result.significant else "no"}
    if format is Format.JSON:
        _emit_json({"segment": segment, "campaign_id": campaign_id,
                    "treated": [result.treated.numerator, result.treated.denominator],
                    "holdout": [result.holdout.numerator, result.holdout.denominator],
                    "absolute": result.absolute, "relative": result.relative,
                    "p_value": result.p_value, "significant": result.significant})
        return
    if format is Format.CSV:
        _emit_csv([{"measure": k, "value": v} for k, v in rows.items()])
        return
    table = Table("measure", "value", title=f"{campaign_id} on segment {segment}: conversion "
                                            "against the members it did not reach")
    for key, value in rows.items():
        table.add_row(key, value)
    console.print(table)
