"""`hub config check|show`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import BaseModel, SecretStr
from rich.syntax import Syntax

from hub.cli.app import Context, app, console, errors
from hub.cli.check import verify_pipelines
from hub.config import REDACTED, LoadedConfig, redact
from hub.config.verify import Verification
from hub.engine.plan import pipeline_mapping
from hub.errors import ConfigError, Problem

config_app = typer.Typer(help="Check and show hub.yaml.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def check(ctx: typer.Context, connect: Annotated[bool, typer.Option(
        "--connect", help="also check, in the live systems, that the tables and columns each "
                          "pipeline names exist")] = False) -> None:
    """Validate hub.yaml (schema, secrets, connections, pipelines, schedules) and every mapping
    a pipeline names, as `hub sync` would load them."""
    context = ctx.ensure_object(Context)
    loaded = context.config()
    found = Verification(_mapping_problems(loaded))
    if connect:
        for verified in verify_pipelines(context, loaded.config.pipelines).values():
            found.extend(verified)
    for failure in found.failures:
        errors.print(f"error: {failure}", markup=False, highlight=False)
    if found.problems:
        raise ConfigError(f"{loaded.path} has {len(found.problems)} problem(s)", found.problems)
    if found.failures:
        raise typer.Exit(1)
    c = loaded.config
    console.print(f"{loaded.path}: ok — {len(c.connections)} connection(s), "
                  f"{len(c.pipelines)} pipeline(s), {len(c.schedules)} schedule(s)"
                  + ("; their tables and columns exist" if connect else ""))


def _mapping_problems(loaded: LoadedConfig) -> list[Problem]:
    """Every problem of every mapping the pipelines name (a file shared is reported once)."""
    problems: list[Problem] = []
    for pipeline in loaded.config.pipelines.values():
        try:
            pipeline_mapping(loaded, pipeline)
        except ConfigError as exc:
            located = exc.problems or (Problem(str(pipeline.mapping), None, None, "", str(exc)),)
            problems += [p for p in located if p not in problems]
    return problems


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the effective configuration with every secret redacted."""
    import yaml

    loaded = ctx.ensure_object(Context).config()
    data = loaded.config.model_dump(mode="json", exclude_defaults=False)
    for name, settings in loaded.settings.items():
        if name in data["connections"]:
            connector = data["connections"][name]["connector"]
            data["connections"][name] = {"connector": connector, **_public(settings)}
    data["store"]["url"] = _mask_url(loaded.store_url)
    text = redact(yaml.safe_dump(data, sort_keys=False))
    console.print(Syntax(text, "yaml", background_color="default"))


def _public(model: BaseModel) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            out[name] = _mask_url(value.get_secret_value(), fallback=REDACTED)
        elif isinstance(value, BaseModel):
            out[name] = _public(value)
        else:
            out[name] = value if isinstance(value, str | int | float | bool | None) else str(value)
    return out


def _mask_url(value: str, fallback: str | None = None) -> str:
    """A URL keeps its shape with the password hidden; any other secret is masked whole."""
    import sqlalchemy as sa

    try:
        url = sa.make_url(value)
    except sa.exc.ArgumentError:
        return fallback or value
    return url.render_as_string(hide_password=True)
